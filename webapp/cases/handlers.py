"""What the Section 17 diagram asks of the case record: move its stage, allocate the worker, tell the GP and the
other agencies involved, and alert the team when a step is overdue."""
from __future__ import annotations

from webapp.agencies.models import Agency, AgencyKind
from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.cases import agency_notices
from webapp.cases.models import Case, CaseAgency, Stage
from webapp.columns import LONDON
from webapp.extensions import db
from webapp.mail.delivery import SERVICE_URL_MARK
from webapp.mail.services import queue_message
from webapp.workflow.handlers import ServiceCall



def _case(call: ServiceCall) -> Case:
    return db.session.get(Case, call.subject_id)


def set_case_stage(call: ServiceCall) -> dict:
    """Move the case to the stage the step names; closing stages record when the work ended. The date the
    stage started goes into workflow data (`assessment_started_on`): days 10 and 20 count from it."""
    case = _case(call)
    case.stage = call.properties["stage"]
    if case.stage in {Stage.CLOSED.value, Stage.CHILD_PROTECTION.value}:
        case.closed_at = call.now
    record_event("case.stage_changed", actor_label="workflow", subject=case, detail={"stage": case.stage})
    return {f"{case.stage}_started_on": call.now.astimezone(LONDON).date().isoformat()}


def allocate_case(call: ServiceCall) -> None:
    """Allocate the social worker the team manager chose (checked again here: a stale choice fails clearly)."""
    case = _case(call)
    worker = db.session.get(User, call.data["allocated_worker_id"])
    if worker is None or not worker.is_active or worker.team_id != case.team_id or not worker.has_role(Role.SOCIAL_WORKER):
        raise ValueError("the chosen social worker is not an active social worker of the case's team")
    case.allocated_worker_id = worker.id
    record_event("case.allocated", actor_label="workflow", subject=case, detail={"worker_id": worker.id})


def notify_gp(call: ServiceCall) -> dict:
    """Queue a notification to the child's GP practice (agency_notices says what it may say)."""
    case = _case(call)
    gp = db.session.scalars(db.select(Agency).join(CaseAgency, CaseAgency.agency_id == Agency.id)
                            .where(CaseAgency.case_id == case.id, Agency.kind == AgencyKind.GP_PRACTICE.value)).first()
    milestone = call.properties["milestone"]
    if gp is None or not gp.email:
        record_event("case.gp_not_notified", actor_label="workflow", subject=case,
                     detail={"milestone": milestone, "reason": "no GP practice with an e-mail address on the case"})
        return {}
    agency_notices.queue_agency_notice(case, gp, milestone, outcome=call.data.get("outcome"))
    return {}


def notify_agencies(call: ServiceCall) -> dict:
    """Tell every agency on the case's register (the GP practice among them) of a milestone, once each."""
    agency_notices.notify_register(_case(call), call.properties["milestone"], outcome=call.data.get("outcome"))
    return {}


ALERTS = {
    "manager_review_due": ("Manager review of the assessment due", "The assessment has reached the day set for the "
                           "team manager's review.", (Role.TEAM_MANAGER,)),
    "referral_decision_overdue": ("Referral decision overdue", "The decision on this referral was due and has not been made.",
                                  (Role.TEAM_MANAGER,)),
    "cin_review_overdue": ("Child in need review overdue", "This child in need plan's review is overdue.",
                           (Role.TEAM_MANAGER, Role.SOCIAL_WORKER)),
}


def alert_case_team(call: ServiceCall) -> None:
    """Tell the case's team managers (and, where the alert says, its allocated worker) that something is
    overdue; by e-mail through the outbox, with the case reference and a link, never the child's name."""
    case = _case(call)
    title, text, roles = ALERTS[call.properties["reason"]]
    people = [user for user in db.session.scalars(
        db.select(User).where(User.team_id == case.team_id, User.is_active.is_(True)))
        if user.has_role(Role.TEAM_MANAGER) and Role.TEAM_MANAGER in roles]
    if Role.SOCIAL_WORKER in roles and case.allocated_worker is not None:
        people.append(case.allocated_worker)
    for person in {p.id: p for p in people}.values():
        queue_message("overdue_alert", person.email, f"{title}: case {case.reference}",
                      f"{text}\n\nCase reference: {case.reference}\nOpen the case: {SERVICE_URL_MARK}/cases/{case.id}\n"
                      "\nOFFICIAL-SENSITIVE", case_id=case.id)
    record_event("case.overdue_alert", actor_label="workflow", subject=case,
                 detail={"reason": call.properties["reason"], "recipients": len(people)})
