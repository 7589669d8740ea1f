"""The one shape of a page posting a schema form to a service: read the answers, let the service save them in the
request's transaction (committed when the view returns), or undo what it did and show what is wrong."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from werkzeug.datastructures import MultiDict

from webapp.database import undone_if_refused
from webapp.errors import InvalidInput
from webapp.shell.schema_forms import read_form


@dataclass
class Posted:
    answers: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # rows to show per repeating group
    saved: bool = False
    result: Any = None  # what the service returned, once saved


def post_schema_form(schema: dict, form: MultiDict, save: Callable[[dict], Any]) -> Posted:
    """Adding or removing a row only redraws the form; a submission without typing errors goes to `save`."""
    action, answers, errors, rows = read_form(schema, form)
    if action != "submit":
        return Posted(answers, {}, rows)
    if errors:
        return Posted(answers, errors, rows)
    try:
        with undone_if_refused():
            result = save(answers)
    except InvalidInput as invalid:
        return Posted(answers, invalid.field_errors, rows)
    return Posted(answers, {}, rows, saved=True, result=result)
