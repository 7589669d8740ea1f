"""What the agencies on a case's agencies-involved register are told, and when: the assessment started, its
outcome, the case closed (each agency once, through the outbox), and "the case is open" to an agency that joins
the register while work is open. By case reference with a sign-in link and whom to contact (the allocated worker,
their e-mail, the team's phone); the child is identified (webapp/agencies/identification.py) only to a mailbox
marked secure, and only in the body: the subject carries the case reference alone."""
from __future__ import annotations

from datetime import datetime

from webapp.agencies.identification import patient_identification
from webapp.agencies.models import Agency, AgencyKind
from webapp.agencies.services import may_receive_identifying_details
from webapp.audit.services import NO_ORIGIN, Origin, record_event
from webapp.cases.models import Case, CaseAgency, Stage
from webapp.extensions import db
from webapp.mail.delivery import SERVICE_URL_MARK
from webapp.mail.services import queue_message

MILESTONES = {
    "assessment_started": ("Section 17 assessment started", "A Section 17 child in need assessment has started."),
    "assessment_outcome": ("Section 17 assessment outcome", "The Section 17 assessment has concluded. Outcome: {outcome}."),
    "cin_plan": ("Child in need plan agreed", "A child in need plan has been agreed."),
    "closure": ("Child in need case closed", "Children's social care has closed its child in need work."),
    "case_open": ("Child in need case open", "Your agency has been added to the agencies involved in a child in need "
                                             "case that is open. Stage: {stage}."),
}
# The milestones every agency on the register is told of (the diagram's `notify_agencies` steps).
REGISTER_MILESTONES = frozenset({"assessment_started", "assessment_outcome", "closure"})
# Work is open at these stages: an agency joining the register then is told at once.
OPEN_STAGES = frozenset({Stage.ASSESSMENT.value, Stage.CIN_PLAN.value})
OUTCOME_LABELS = {"no_further_action": "no further action", "early_help": "step down to early help",
                  "cin_plan": "child in need plan", "strategy_discussion": "strategy discussion (child protection)"}
GP_NOTICE, AGENCY_NOTICE = "gp_notification", "agency_notification"


def _request(agency: Agency, named: bool) -> list[str]:
    if named:
        return ["Please add this to the child's record, and contact the allocated social worker if you hold "
                "information", "about the child or family that may help."]
    # The mailbox is not marked as accredited for OFFICIAL-SENSITIVE mail: the reference stands in for the child,
    # and the social worker tells the agency who it is by a secure route.
    if agency.kind == AgencyKind.GP_PRACTICE.value:
        whose, who = "your practice's mailbox", "which of your patients this is"
    else:
        whose, who = "your agency's mailbox", "which child this is"
    return [f"This e-mail does not name the child: {whose} is not recorded as accredited for",
            "OFFICIAL-SENSITIVE mail. Please contact the allocated social worker, quoting the case reference,",
            f"to learn {who}, and tell them if you hold information that may help."]


def _child_lines(case: Case, agency: Agency) -> list[str]:
    """The child as this agency is shown them: a GP practice matches on name, date of birth and NHS number."""
    return [f"Child: {patient_identification(case.child, agency).line}"]


def _contact_lines(case: Case) -> list[str]:
    """Whom the agency contacts, and how: the allocated social worker by name and work e-mail, and the team's
    phone when the administrator recorded one (staff details, never the child's)."""
    worker, team = case.allocated_worker, case.team
    if worker is not None:
        lines = [f"Allocated social worker: {worker.full_name}" + (f", {team.name}" if team else ""),
                 f"E-mail: {worker.email}"]
    else:
        lines = ["Allocated social worker: not yet allocated" + (f"; contact {team.name}" if team else "")]
    if team is not None and team.phone:
        lines.append(f"Team phone: {team.phone}")
    return lines


def queue_agency_notice(case: Case, agency: Agency, milestone: str, *, outcome: str | None = None) -> None:
    """Queue one agency's notice of a milestone: the subject carries the case reference only, and the body names
    the child only when the agency's mailbox may receive identifying details."""
    title, text = MILESTONES[milestone]
    named = may_receive_identifying_details(agency.email)
    is_gp = agency.kind == AgencyKind.GP_PRACTICE.value
    body = "\n".join([
        f"Dear colleagues at {agency.name},", "",
        text.format(outcome=OUTCOME_LABELS.get(outcome, "recorded"), stage=Stage(case.stage).label), "",
        f"Case reference: {case.reference}",
        *(_child_lines(case, agency) if named else []), "",
        *_contact_lines(case),
        "", *_request(agency, named), "",
        f"Sign in to the service: {SERVICE_URL_MARK}/", "",
        "OFFICIAL-SENSITIVE",
        "This message is for the GP practice's safeguarding lead." if is_gp
        else "This message is for your agency's safeguarding lead.",
    ])
    queue_message(GP_NOTICE if is_gp else AGENCY_NOTICE, agency.email, f"{title}: case {case.reference}", body,
                  case_id=case.id, agency_id=agency.id)


def register_agencies(case: Case) -> list[Agency]:
    """The active agencies on the case's register, in the order they joined."""
    return list(db.session.scalars(
        db.select(Agency).join(CaseAgency, CaseAgency.agency_id == Agency.id)
        .where(CaseAgency.case_id == case.id, Agency.is_active.is_(True)).order_by(CaseAgency.id)))


def notify_register(case: Case, milestone: str, *, outcome: str | None = None) -> list[Agency]:
    """Tell every agency on the register of a milestone, once each (two agencies sharing a mailbox get one
    mail); agencies with no e-mail address are named in the audit row instead. Returns those told."""
    told, addresses, unreachable = [], set(), []
    for agency in register_agencies(case):
        address = (agency.email or "").strip().lower()
        if not address:
            unreachable.append(agency.id)
        elif address not in addresses:
            addresses.add(address)
            queue_agency_notice(case, agency, milestone, outcome=outcome)
            told.append(agency)
    record_event("case.agencies_notified", actor_label="workflow", subject=case,
                 detail={"milestone": milestone, "agency_ids": [a.id for a in told], "without_email": unreachable})
    return told


def add_case_agency(actor, case: Case, agency: Agency, *, origin: Origin = NO_ORIGIN,
                    now: datetime) -> CaseAgency | None:
    """Put an agency on the case's register (if it is not there yet); while the case's work is open the agency
    is told at once that the case is open, as the agencies already on it were when the assessment started.
    Returns the new row, or None when the agency was on the register already."""
    if db.session.scalar(db.select(CaseAgency.id).where(CaseAgency.case_id == case.id,
                                                        CaseAgency.agency_id == agency.id)):
        return None
    row = CaseAgency(case_id=case.id, agency_id=agency.id, added_at=now)
    db.session.add(row)
    db.session.flush()
    told = case.stage in OPEN_STAGES and bool((agency.email or "").strip())
    if told:
        queue_agency_notice(case, agency, "case_open")
    record_event("case.agency_added", actor=actor, subject=case, origin=origin,
                 detail={"agency_id": agency.id, "told_case_open": told})
    return row
