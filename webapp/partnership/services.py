"""Reading and changing the partnership's settings and one-off bank holidays (administrators change them)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from webapp.audit.services import Origin, record_event
from webapp.auth.user_admin import require_administrator
from webapp.errors import InvalidInput, NotFound
from webapp.extensions import db
from webapp.partnership.definitions import DEFINITIONS
from webapp.partnership.models import ExtraBankHoliday, PartnershipSetting
from webapp.workflow.calendar import _bank_holidays
from webapp.workflow.runtime import request_rearm


def setting_value(name: str) -> int | str:
    """A setting's value: the partnership's, or the default."""
    definition = DEFINITIONS.get(name)
    if definition is None:
        raise KeyError(f"there is no setting called {name!r}")
    stored = db.session.get(PartnershipSetting, name)
    return definition.parse(stored.value) if stored is not None else definition.default


def all_settings(actor) -> list[tuple]:
    """Every setting with its current value, for the Settings page."""
    require_administrator(actor)
    stored = {row.name: row for row in db.session.scalars(select(PartnershipSetting))}
    return [(d, d.parse(stored[d.name].value) if d.name in stored else d.default, stored.get(d.name))
            for d in DEFINITIONS.values()]


def change_settings(actor, values: dict[str, str], *, origin: Origin) -> list[str]:
    """Change any settings given; all or nothing. Returns the names that changed (their deadlines are re-armed)."""
    require_administrator(actor)
    errors, changes = {}, {}
    for name, raw in values.items():
        definition = DEFINITIONS.get(name)
        if definition is None:
            continue
        try:
            value = definition.parse(raw)
        except ValueError as problem:
            errors[name] = str(problem)
            continue
        if value != setting_value(name):
            changes[name] = value
    if errors:
        raise InvalidInput("No setting was changed", errors)
    for name, value in changes.items():
        row = db.session.get(PartnershipSetting, name) or PartnershipSetting(name=name)
        before = setting_value(name)
        row.value, row.updated_by_id = str(value), actor.id
        db.session.add(row)
        record_event("setting.changed", actor=actor, origin=origin,
                     detail={"setting": name, "from": before, "to": value})
    if changes:
        request_rearm(f"settings changed: {', '.join(sorted(changes))}")
    db.session.flush()
    return sorted(changes)


def extra_holidays() -> frozenset[date]:
    """The one-off bank holidays added by administrators."""
    return frozenset(db.session.scalars(select(ExtraBankHoliday.on)))


def list_extra_holidays(actor) -> list[ExtraBankHoliday]:
    require_administrator(actor)
    return list(db.session.scalars(select(ExtraBankHoliday).order_by(ExtraBankHoliday.on)))


def add_extra_holiday(actor, on: date | None, name: str, *, origin: Origin) -> ExtraBankHoliday:
    require_administrator(actor)
    errors = {}
    if on is None:
        errors["on"] = "Enter a real date for the bank holiday"
    elif on.weekday() >= 5:
        errors["on"] = "A bank holiday on a weekend changes no deadline; enter its weekday substitute"
    elif on in _bank_holidays() or db.session.get(ExtraBankHoliday, on) is not None:
        errors["on"] = "That day is a bank holiday already"
    if not name.strip():
        errors["name"] = "Enter the bank holiday's name"
    if errors:
        raise InvalidInput("The bank holiday was not added", errors)
    holiday = ExtraBankHoliday(on=on, name=name.strip(), added_by_id=actor.id)
    db.session.add(holiday)
    db.session.flush()
    record_event("bank_holiday.added", actor=actor, origin=origin, detail={"on": on.isoformat(), "name": holiday.name})
    request_rearm(f"bank holiday added: {on.isoformat()}")
    return holiday


def remove_extra_holiday(actor, on: date, *, origin: Origin) -> None:
    require_administrator(actor)
    holiday = db.session.get(ExtraBankHoliday, on)
    if holiday is None:
        raise NotFound("There is no such added bank holiday.")
    db.session.delete(holiday)
    record_event("bank_holiday.removed", actor=actor, origin=origin, detail={"on": on.isoformat()})
    request_rearm(f"bank holiday removed: {on.isoformat()}")
