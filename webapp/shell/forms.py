"""Helpers shared by every form: choices in the WTForms 3.3 style, and service errors shown on fields."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from webapp.errors import InvalidInput


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
