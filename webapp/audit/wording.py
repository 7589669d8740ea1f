"""The audit trail in words: every action code that record_event writes, said as people say it, grouped by area
for the trail's "kind of event" filter. Kept as data so that a reader finds every code in one place; a test reads
webapp/ for the codes it writes and fails on one without words here. A code met without words (an old row, a
new feature) still reads: "Meeting: time proposed", never a crash."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Area:
    key: str  # in the filter's query string: kind=area:<key>
    name: str
    actions: dict[str, str]  # action code -> what happened, in words


AREAS: tuple[Area, ...] = (
    Area("sign_in", "Signing in and accounts", {
        "auth.signed_in": "Signed in",
        "auth.signed_out": "Signed out",
        "auth.sign_in_failed": "Sign-in failed",
        "auth.password_changed": "Changed their password",
        "calendar_feed.issued": "Set up a calendar feed address",
        "calendar_feed.revoked": "Turned off their calendar feed address",
        "api.token_created": "Created an API token",
        "api.token_revoked": "Revoked an API token",
        "api.tokens_listed": "Looked at every API token",
    }),
    Area("people", "People, teams and agencies", {
        "user.created": "Created an account",
        "user.updated": "Changed an account's details",
        "user.deactivated": "Deactivated an account",
        "user.reactivated": "Reactivated an account",
        "user.password_reset": "Reset an account's password",
        "team.saved": "Saved a team",
        "agency.saved": "Saved an agency's details",
        "agency.mailbox_security_changed": "Changed whether an agency's mailbox is secure",
    }),
    Area("cases", "Referrals and cases", {
        "referral.draft_saved": "Saved a draft referral",
        "referral.own_listed": "Looked at the referrals they made",
        "household.matches_shown": "Was shown households that may be the child's",
        "household.member_updated": "Updated a household member's details",
        "case.created": "Recorded a referral: the case opened",
        "case.household_teams_told": "Told the teams working with the household's other children",
        "case.viewed": "Looked at the case",
        "case.step_viewed": "Opened a step",
        "case.step_draft_saved": "Saved a draft of a step",
        "case.step_completed": "Completed a step",
        "case.step_corrected": "Corrected a step's answers",
        "case.stage_changed": "The case moved to its next stage",
        "case.allocated": "Allocated the case to a social worker",
        "case.allocation_viewed": "Looked at who the case could be reallocated to",
        "case.reallocated": "Reallocated the case",
        "case.diagram_viewed": "Looked at the process diagram",
        "case.audit_viewed": "Looked at who looked at or changed the case",
        "case.agency_added": "Added an agency to the case",
        "case.agencies_notified": "Told the agencies on the case's register",
        "case.gp_not_notified": "Could not tell the child's GP practice",
        "case.overdue_alert": "Alerted the team to overdue work",
        "case.open_work_resolved": "Settled the open work before the case closed",
        "case.debrief_requested": "Asked the team managers to hold a debrief",
        "child.subject_access_exported": "Exported a child's records (subject access request)",
        "document.downloaded": "Downloaded a document",
    }),
    Area("meetings", "Meetings, minutes and actions", {
        "meeting.convened": "Booked a meeting",
        "meeting.viewed": "Looked at a meeting",
        "meeting.rescheduled": "Moved a meeting to a new time or place",
        "meeting.cancelled": "Cancelled a meeting",
        "meeting.invitee_added": "Invited someone to a meeting",
        "meeting.invitee_removed": "Withdrew someone's invitation to a meeting",
        "meeting.answered": "Answered a meeting invitation",
        "meeting.time_proposed": "Proposed a new time for a meeting",
        "meeting.reply_refused": "Sent a calendar reply that changed nothing",
        "meeting.proposal_accepted": "Accepted a proposed new time for a meeting",
        "meeting.proposal_declined": "Declined a proposed new time for a meeting",
        "meeting.attendance_recorded": "Recorded who attended a meeting",
        "meeting.convenor_reminded": "Reminded the convenor of unanswered invitations",
        "meeting.unmatched_replies_viewed": "Looked at calendar replies that matched no invitation",
        "minutes.draft_saved": "Saved draft minutes",
        "minutes.submitted": "Sent minutes for approval",
        "minutes.returned": "Sent minutes back for changes",
        "minutes.issued": "Approved and issued minutes",
        "minutes.correction_started": "Started a correction of issued minutes",
        "minutes.viewed": "Read minutes",
        "minutes.meetings_listed": "Looked at the meetings they were invited to",
        "minutes.late_alerted": "Told the chair the minutes are late",
        "case.action_done": "Marked an action done",
    }),
    Area("information_requests", "Information requests", {
        "case.information_requested": "Asked an agency for information",
        "information_request.viewed": "Looked at an information request",
        "case.information_received": "Recorded an agency's answer to an information request",
        "information_request.chased": "Chased an unanswered information request",
        "information_request.escalated": "Escalated an unanswered information request",
        "case.information_request_withdrawn": "Withdrew an information request",
    }),
    Area("escalations", "Escalations", {
        "escalation.raised": "Raised an escalation",
        "escalation.viewed": "Looked at an escalation",
        "escalation.entry_added": "Recorded a discussion on an escalation",
        "escalation.outcome_proposed": "Wrote an escalation's outcome statement",
        "escalation.outcome_disagreed": "Did not agree an escalation's outcome",
        "escalation.not_resolved": "Took an escalation to its next stage",
        "case.escalation_resolved": "An escalation was resolved",
        "escalation.report_viewed": "Looked at the escalation report",
    }),
    Area("safer_sleep", "Safer sleep", {
        "case.safer_sleep_form_viewed": "Opened the safer sleep assessment",
        "case.safer_sleep_recorded": "Recorded a safer sleep assessment",
        "case.safer_sleep_viewed": "Looked at the safer sleep assessments",
    }),
    Area("visits", "Statutory visits", {
        "case.visit_form_viewed": "Opened the form to record a visit",
        "case.visit_recorded": "Recorded a visit to the child",
        "case.visits_viewed": "Looked at the visits to the child",
    }),
    Area("returns", "Statutory returns", {
        "returns.census_exported": "Downloaded the Children in Need census",
    }),
    Area("pregnancy", "Pregnancy notifications", {
        "pregnancy.notified": "Notified a pregnancy",
        "pregnancy.viewed": "Looked at a pregnancy notification",
        "pregnancy.acknowledged": "Took on a pregnancy notification",
        "pregnancy.chased": "Chased a pregnancy notification no one had taken on",
        "pregnancy.escalated": "Escalated a pregnancy notification no one had taken on",
        "pregnancy.matches_shown": "Was shown pregnancy notifications that may match a household",
        "pregnancy.match_confirmed": "Confirmed the household of a pregnancy notification",
        "pregnancy.match_rejected": "Decided a pregnancy notification matches no household",
        "case.unborn_sibling_linked": "Linked an unborn sibling to the case",
    }),
    Area("processes", "Processes", {
        "process.draft_saved": "Saved a draft of a process",
        "process.draft_discarded": "Discarded a draft of a process",
        "process.deployed": "Deployed a new version of a process",
        "process.exported": "Downloaded a process's files",
        "process.instances_migrated": "Moved running work to a process's newest version",
        "workflow.deployed": "A process version was stored",
        "workflow.started": "A process started",
        "workflow.task_completed": "A step of a process was completed",
        "workflow.milestone": "A process reached a milestone",
        "workflow.message_received": "A process received a message",
        "workflow.timers_fired": "A process's deadline came",
        "workflow.timers_rearmed": "A process's deadlines were worked out again",
        "workflow.migrated": "A process moved to a new version",
    }),
    Area("service", "Running the service", {
        "setting.changed": "Changed the partnership's settings",
        "bank_holiday.added": "Added a bank holiday",
        "bank_holiday.removed": "Removed a bank holiday",
        "alert.dismissed": "Dismissed an alert",
        "mail.retried": "Sent a failed e-mail again",
        "audit.list_viewed": "Looked at the audit trail",
        "access.refused": "Was refused a page",
    }),
)

ACTION_WORDS: dict[str, str] = {code: words for area in AREAS for code, words in area.actions.items()}
AREAS_BY_KEY: dict[str, Area] = {area.key: area for area in AREAS}

# Who acted, when no person did (record_event's actor_label for the service's own work).
SERVICE_ACTORS = {"workflow": "The process (automatic)", "worker": "The background worker",
                  "anonymous": "The service"}


def action_words(code: str) -> str:
    """What an action code means, in words; an unknown code reads as its parts ("Meeting: time proposed")."""
    words = ACTION_WORDS.get(code)
    if words is not None:
        return words
    area, _, what = (code or "").partition(".")
    area, what = area.replace("_", " ").strip(), what.replace("_", " ").replace(".", " ").strip()
    if not what:
        return area[:1].upper() + area[1:] if area else "Something happened"
    return f"{area[:1].upper()}{area[1:]}: {what}"


def reason_words(reason) -> str:
    """A detail's reason ("wrong_password") as words ("wrong password")."""
    return str(reason).replace("_", " ")
