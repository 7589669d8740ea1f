"""Helpers shared by every form: choices in the WTForms 3.3 style, and service errors shown on fields."""
from __future__ import annotations

from typing import Callable, TypeVar

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from webapp.errors import InvalidInput
from webapp.extensions import db

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
    """Run a service change for a valid form and commit it; when the service refuses the data, roll back,
    show its messages on the form and return None (nothing was changed)."""
    try:
        result = change()
    except InvalidInput as error:
        db.session.rollback()
        show_service_errors(form, error)
        return None
    db.session.commit()
    return result
