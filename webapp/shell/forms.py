"""Helpers shared by every form: choices in the WTForms 3.3 style, and service errors shown on fields."""
from __future__ import annotations

from typing import Callable, TypeVar

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from webapp.database import undone_if_refused
from webapp.errors import InvalidInput

T = TypeVar("T")


def choices(pairs) -> list[SelectChoice]:
    """SelectChoice objects from (value, label) pairs (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def show_service_errors(form: FlaskForm, error: InvalidInput) -> None:
    """Attach a service's field errors to the form so the error summary and fields show them."""
    for name, message in error.field_errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
    if not error.field_errors:
        form.form_errors.append(str(error))


def submit(form: FlaskForm, change: Callable[[], T]) -> T | None:
    """Run a service change for a valid form (the request commits it); when the service refuses the data, undo
    what it did, show its messages on the form and return None (nothing was changed)."""
    try:
        with undone_if_refused():
            result = change()
    except InvalidInput as error:
        show_service_errors(form, error)
        return None
    return result
