"""Where features plug into the core: the tables `create_app` hands the core at start-up. A feature adds itself by
adding rows here (its service-task handlers in webapp/service_handlers.py, the diagram ids its code relies on in
DIAGRAM_CONTRACT, what it adds to a case step in STEP_HOOKS or the page it does a step on in STEP_PAGES, its own
concern flags in FLAG_SOURCES, its sections of the case page and the dashboard in CASE_PANELS and DASHBOARD_TABLES,
its part of a subject access export in SUBJECT_ACCESS_PARTS, what it books on a case in UPCOMING, its PDFs in
DOCUMENT_KINDS, how the audit trail names its records in AUDIT_RECORD_NAMES); the core (the workflow runtime, the
cases package, the documents package) imports none of them."""
from __future__ import annotations

from webapp.agencies.audit_names import name_agencies
from webapp.audit.records import Describer, install_record_describers
from webapp.auth.audit_names import name_teams, name_users
from webapp.auth.roles import role_value_from_text, step_refusal
from webapp.cases import census_fields, contacts, dashboard, evidence, flags, referrals
from webapp.cases.audit_names import name_cases, name_children
from webapp.cases.flags import install_flag_sources
from webapp.cases.step_hooks import StepHooks, install_step_hooks
from webapp.cases.tables import CasePanel, CaseTables, DashboardTable, install_case_tables
from webapp.closure import closed, debrief, services as closure
from webapp.columns import utc_now
from webapp.documents.services import DocumentKind, install_document_kinds
from webapp.documents.subject_access import documents_part
from webapp.escalations import services as escalations
from webapp.escalations.audit_names import name_escalations
from webapp.escalations.subject_access import escalations_part
from webapp.information_requests import models as information_request_models, services as information_requests
from webapp.information_requests.audit_names import name_requests
from webapp.information_requests.subject_access import requests_part
from webapp.mail.audit_names import name_messages
from webapp.meetings import services as meetings
from webapp.meetings.audit_names import name_meetings
from webapp.minutes import services as minutes
from webapp.minutes.subject_access import meetings_part
from webapp.minutes import reviews
from webapp.minutes.access import require_minutes_document_reader
from webapp.minutes.documents import minutes_html
from webapp.monitoring.audit_names import name_alerts
from webapp.partnership.definitions import DEFINITIONS
from webapp.partnership.services import extra_holidays, setting_value
from webapp.plans import hooks as plan_hooks, services as plans
from webapp.returns import census
from webapp.plans.document import PLAN_DOCUMENT, plan_documents, plan_html, require_plan_reader
from webapp.pregnancy import services as pregnancy
from webapp.pregnancy.audit_names import name_notifications
from webapp.safer_sleep import services as safer_sleep
from webapp.safer_sleep.subject_access import assessments_part
from webapp.service_handlers import SERVICE_HANDLERS
from webapp.visits import services as visits
from webapp.visits.subject_access import visits_part
from webapp.workflow.audit_names import name_instances, name_versions
from webapp.workflow.contract import contract_table
from webapp.workflow.expressions import DomainSources, configure_domain
from webapp.workflow.wiring import Wiring, install

# Every diagram id, form key, message and task-data name that Python relies on: a deploy that removes or
# renames one is refused, naming the module (webapp/workflow/contract.py).
DIAGRAM_CONTRACT = contract_table(
    referrals.NEEDS, flags.NEEDS, evidence.NEEDS, dashboard.NEEDS, closure.NEEDS, debrief.NEEDS, plans.NEEDS,
    safer_sleep.NEEDS, meetings.NEEDS, minutes.NEEDS, information_request_models.NEEDS, information_requests.NEEDS,
    pregnancy.NEEDS, escalations.NEEDS, reviews.NEEDS, closed.NEEDS, contacts.NEEDS,
    census.NEEDS,
)

# What a feature adds to the generic case step of a form key: first answers, answers it always carries, a
# refusal, and what follows a completion or a correction (webapp/cases/step_hooks.py). Applied in this order.
STEP_HOOKS: dict[str, tuple[StepHooks, ...]] = {
    plans.PLAN_FORM: (safer_sleep.PLAN_HOOKS, plan_hooks.PLAN_HOOKS, visits.PLAN_HOOKS),
    safer_sleep.REVIEW_FORM: (reviews.REVIEW_HOOKS, safer_sleep.REVIEW_HOOKS, closed.CLOSURE_HOOKS),
    closed.OUTCOME_FORM: (closed.CLOSURE_HOOKS,),
    flags.ASSESSMENT_FORM: (flags.ASSESSMENT_HOOKS,),
    debrief.DEBRIEF_FORM: (debrief.DEBRIEF_HOOKS,),
    contacts.DECISION_FORM: (contacts.FRONT_DOOR_HOOKS, closed.CLOSURE_HOOKS),
    referrals.REFERRAL_FORM: (census_fields.REFERRAL_HOOKS,),
}

# Concern flags a feature raises beside those of the referral and assessment (every step, agenda and minutes).
FLAG_SOURCES = (safer_sleep.safer_sleep_flags,)

# The steps a feature does on a page of its own rather than the generic step form (form key -> endpoint).
STEP_PAGES = {
    meetings.CONVENE_FORM: "meetings.convene", meetings.ATTENDANCE_FORM: "meetings.attendance",
    minutes.WRITE_FORM: "minutes.write_step", minutes.APPROVE_FORM: "minutes.approve_step",
    closure.OPEN_WORK_FORM: "closure.closing_step",  # the live list of open work before a case closes
}

# The case page's sections from the features, in page order (each template is given its rows).
CASE_PANELS = (
    CasePanel("closure", "closure/_case_panel.html", closed.closure_of, near_top=True),
    CasePanel("safer_sleep", "safer_sleep/_case_panel.html", near_top=True),  # reads safer_sleep_summary itself
    CasePanel("meetings", "meetings/_case_panel.html", meetings.meetings_on_case),
    CasePanel("actions", "minutes/_case_panel.html", minutes.case_actions),
    CasePanel("plans", "plans/_case_panel.html", plan_documents),
    CasePanel("visits", "visits/_case_panel.html", visits.case_visits),
    CasePanel("escalations", "escalations/_case_panel.html", escalations.on_case),
    CasePanel("information_requests", "information_requests/_case_panel.html", information_requests.requests_on_case),
)

# The team dashboard's tables from the features, after its own (steps due, the day-20 gate).
DASHBOARD_TABLES = (
    DashboardTable("Information requests outstanding, by agency", ("Agency", "Outstanding", "Chased", "Escalated"),
                   information_requests.unanswered_by_agency, "No request is waiting for an answer."),
    DashboardTable("Statutory visits overdue", ("Case", "Child last seen", "Visit due by", "Social worker"),
                   lambda visible: visits.overdue_visits(visible, visits.london_day(utc_now())),
                   "No statutory visit is overdue."),
)

# What the features have booked on a case, for "what happens next" when no step waits (meetings).
UPCOMING = (meetings.booked_upcoming,)

# What each feature adds to a child's subject access export, beside the steps and audit trail of each case.
SUBJECT_ACCESS_PARTS = (meetings_part, requests_part, assessments_part, escalations_part, documents_part, visits_part)

# The PDFs the features make; webapp/documents queues, renders (in the worker) and stores them all.
DOCUMENT_KINDS = {
    minutes.MINUTES_DOCUMENT: DocumentKind("minutes", minutes_html, require_minutes_document_reader),
    PLAN_DOCUMENT: DocumentKind("child in need plan", plan_html, require_plan_reader),
}

# How the audit trail names each kind of record it is about, a page of ids at once (webapp/audit/records.py).
AUDIT_RECORD_NAMES: dict[str, Describer] = {
    "users": name_users, "teams": name_teams, "agencies": name_agencies, "cases": name_cases,
    "children": name_children, "meetings": name_meetings, "information_requests": name_requests,
    "escalations": name_escalations, "pregnancy_notifications": name_notifications, "outbox_messages": name_messages,
    "admin_alerts": name_alerts, "workflow_versions": name_versions, "workflow_instances": name_instances,
}


def install_tables() -> None:
    """Hand the core its tables (create_app does, once). Diagram expressions read working days and settings from
    the partnership's tables, and meeting times."""
    install(Wiring(handlers=SERVICE_HANDLERS, contract=DIAGRAM_CONTRACT, step_refusal=step_refusal,
                   role_named=role_value_from_text))
    configure_domain(DomainSources(extra_holidays=extra_holidays, setting=setting_value,
                                   setting_names=frozenset(DEFINITIONS), meeting_start=meetings.meeting_start))
    install_step_hooks(STEP_HOOKS)
    install_flag_sources(FLAG_SOURCES)
    install_document_kinds(DOCUMENT_KINDS)
    install_case_tables(CaseTables(panels=CASE_PANELS, dashboard=DASHBOARD_TABLES, step_pages=STEP_PAGES,
                                   subject_access=SUBJECT_ACCESS_PARTS, upcoming=UPCOMING))
    install_record_describers(AUDIT_RECORD_NAMES)
