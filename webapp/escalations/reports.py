"""Managers' and the partnership's view of escalations: open ones by stage and age against the deadline, and a
report for a date range (counts by stage reached, agency and category; time to resolve) for the chart and CSV."""
from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from webapp.audit.services import Origin, record_event
from webapp.auth.roles import Role
from webapp.cases.models import Case
from webapp.columns import LONDON
from webapp.errors import PermissionDenied
from webapp.escalations.models import CATEGORIES, FINAL_STAGE, STAGES, Escalation, stage_timer
from webapp.extensions import db
from webapp.workflow.dues import timers_due

STAFF_AGENCY = "Children's social care"
OVERSIGHT_ROLES = (Role.TEAM_MANAGER, Role.SENIOR_MANAGER, Role.INDEPENDENT_CHAIR)


def require_oversight(actor) -> None:
    if not actor.has_role(*OVERSIGHT_ROLES):
        raise PermissionDenied("Escalation reports are for team managers, senior managers and the independent chair.")


def _visible(actor, query):
    """Team managers see their team's cases' escalations; senior managers and the chair see all."""
    if actor.has_role(Role.SENIOR_MANAGER, Role.INDEPENDENT_CHAIR):
        return query

    return query.join(Case, Case.id == Escalation.case_id).where(Case.team_id == actor.team_id)


def open_escalations(actor, now: datetime) -> list[tuple[Escalation, int, bool, datetime | None]]:
    """(escalation, days open, past its stage's deadline, that deadline) for every open escalation, oldest first;
    the deadlines are the stage timers' own, read for the whole list at once."""
    require_oversight(actor)
    rows = db.session.scalars(_visible(actor, select(Escalation).where(Escalation.status == "open"))
                              .order_by(Escalation.raised_at)).all()
    dues = timers_due([e.workflow_instance_id for e in rows], [stage_timer(n) for n in STAGES if n != FINAL_STAGE])
    result = []
    for escalation in rows:
        stage = escalation.current_stage
        found = dues.get((escalation.workflow_instance_id, stage_timer(stage.number))) if stage else None
        due = found.at if found is not None else (stage.due_at if stage else None)
        if stage is not None and stage.number == FINAL_STAGE:
            due = None
        result.append((escalation, (now - escalation.raised_at).days, bool(due and due < now), due))
    return result


@dataclass
class Report:
    date_from: date
    date_to: date
    escalations: list[Escalation] = field(default_factory=list)
    by_stage: dict[str, int] = field(default_factory=dict)
    by_agency: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    resolved: int = 0
    median_days_to_resolve: float | None = None


def _agency(escalation: Escalation) -> str:
    return escalation.agency.name if escalation.agency is not None else STAFF_AGENCY


def partnership_report(actor, date_from: date, date_to: date, *, origin: Origin) -> Report:
    """Escalations raised from `date_from` to `date_to` (inclusive, UK dates)."""
    require_oversight(actor)
    start = datetime.combine(date_from, time(0), tzinfo=LONDON)
    end = datetime.combine(date_to + timedelta(days=1), time(0), tzinfo=LONDON)
    rows = db.session.scalars(_visible(actor, select(Escalation).where(Escalation.raised_at >= start,
                                                                        Escalation.raised_at < end))
                              .order_by(Escalation.raised_at)).all()
    stages = Counter(e.stage for e in rows)
    days = [(e.resolved_at - e.raised_at).total_seconds() / 86400 for e in rows if e.resolved_at]
    record_event("escalation.report_viewed", actor=actor, origin=origin,
                 detail={"from": date_from.isoformat(), "to": date_to.isoformat()})
    return Report(date_from, date_to, list(rows),
                  by_stage={STAGES[n]: stages[n] for n in STAGES},
                  by_agency=dict(sorted(Counter(_agency(e) for e in rows).items())),
                  by_category={label: sum(1 for e in rows if e.category == key) for key, label in CATEGORIES.items()},
                  resolved=len(days), median_days_to_resolve=round(statistics.median(days), 1) if days else None)


def _cell(value) -> str:
    """A spreadsheet cell that can never run as a formula (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["case", "raised_on", "agency", "category", "stage_reached", "status", "resolved_on",
                     "days_to_resolve"])
    for e in report.escalations:
        writer.writerow([_cell(v) for v in [e.case.reference, e.raised_at.astimezone(LONDON).date().isoformat(), _agency(e),
                         e.category_label, e.stage, e.status,
                         e.resolved_at.astimezone(LONDON).date().isoformat() if e.resolved_at else "",
                         f"{(e.resolved_at - e.raised_at).total_seconds() / 86400:.1f}" if e.resolved_at else ""]])
    return out.getvalue()
