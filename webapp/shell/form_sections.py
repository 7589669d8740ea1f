"""A long form in named sections (the schema's `"x-sections": [{"title", "fields"}]`), with a task list at the top
saying how far each section has got: GOV.UK's task-list pattern on one page, so the form is still one submit and
one draft. A field the sections do not name is shown in a last "Other questions" section, never dropped."""
from __future__ import annotations

import re
from dataclasses import dataclass

from webapp.shell.schema_forms import Field

COMPLETED, INCOMPLETE, NOT_STARTED, OPTIONAL, PROBLEM = (
    "Completed", "Incomplete", "Not yet started", "Optional", "There is a problem")


@dataclass
class Section:
    slug: str  # the anchor: #section-<slug>
    title: str
    fields: list[Field]
    status: str


def form_sections(schema: dict, fields: list[Field]) -> list[Section]:
    """The form's sections with their fields (built by build_fields) and status; [] for a form without sections."""
    named = schema.get("x-sections")
    if not named:
        return []
    by_key = {f.key: f for f in fields}
    sections, placed = [], set()
    for item in named:
        chosen = [by_key[key] for key in item["fields"] if key in by_key]
        placed.update(f.key for f in chosen)
        sections.append(_section(item["title"], chosen))
    rest = [f for f in fields if f.key not in placed]
    return sections + ([_section("Other questions", rest)] if rest else [])


def _section(title: str, fields: list[Field]) -> Section:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return Section(slug, title, fields, _status(fields))


def _status(fields: list[Field]) -> str:
    if any(_has_error(f) for f in fields):
        return PROBLEM
    required = [f for f in fields if f.required]
    answered = [f for f in fields if _answered(f)]
    if not required:
        return COMPLETED if answered else OPTIONAL
    if all(_answered(f) for f in required):
        return COMPLETED
    return INCOMPLETE if answered else NOT_STARTED


def _nested(f: Field) -> list[Field]:
    return [child for children in f.reveals.values() for child in children] + [c for row in f.rows for c in row]


def _has_error(f: Field) -> bool:
    return bool(f.error) or any(_has_error(child) for child in _nested(f))


def _answered(f: Field) -> bool:
    if f.kind == "group":
        return any(_answered(child) for row in f.rows for child in row)
    return f.value not in (None, "", [])
