"""The one explicit table of service-task handlers: diagram name -> domain function. Diagrams name these in
`camunda:topic` on a service task (`camunda:type="external"`); deploy refuses any other name."""
from __future__ import annotations

from webapp.audit.services import record_event
from webapp.cases import agency_notices, handlers as cases
from webapp.cases.models import Stage
from webapp.closure import handlers as closure
from webapp.escalations import handlers as escalations
from webapp.information_requests import handlers as requests
from webapp.meetings import handlers as meetings
from webapp.meetings.models import MeetingKind
from webapp.minutes import handlers as minutes
from webapp.pregnancy import handlers as pregnancy
from webapp.workflow.handlers import ServiceCall, ServiceHandler


def record_milestone(call: ServiceCall) -> dict:
    """Write a milestone of the process to the audit trail of its subject."""
    row_id = record_event("workflow.milestone", actor_label="workflow", subject=(call.subject_type, call.subject_id),
                          detail={"instance_id": call.instance_id, "step": call.bpmn_id})
    return {"milestone_recorded": row_id}


SERVICE_HANDLERS: dict[str, ServiceHandler] = {
    "record_milestone": ServiceHandler(record_milestone, frozenset({"milestone_recorded"}),
                                       "Records a milestone in the audit trail"),
    "set_case_stage": ServiceHandler(cases.set_case_stage, description="Moves the case to a stage",
                                     outputs=frozenset(f"{stage.value}_started_on" for stage in Stage),
                                     properties={"stage": frozenset(stage.value for stage in Stage)}),
    "allocate_case": ServiceHandler(cases.allocate_case,
                                    description="Allocates the social worker chosen (allocated_worker_id)"),
    "notify_gp": ServiceHandler(cases.notify_gp, description="Queues a notification to the child's GP practice",
                                properties={"milestone": frozenset(agency_notices.MILESTONES) - {"case_open"}}),
    "count_open_work": ServiceHandler(closure.count_open_work, frozenset({"open_work_count"}),
                                      "Counts the case's open actions, unanswered information requests, booked "
                                      "meetings and open escalations before it closes"),
    "notify_agencies": ServiceHandler(cases.notify_agencies,
                                      description="Tells every agency on the case's register of a milestone",
                                      properties={"milestone": agency_notices.REGISTER_MILESTONES}),
    "chase_information_request": ServiceHandler(requests.chase_information_request,
                                                description="Reminds the agency of an unanswered request"),
    "escalate_information_request": ServiceHandler(requests.escalate_information_request,
                                                   description="Tells the team manager a request is unanswered"),
    "information_request_answered": ServiceHandler(requests.information_request_answered,
                                                   description="Tells the social worker the answer arrived"),
    "alert_case_team": ServiceHandler(cases.alert_case_team, description="E-mails the case's team about an overdue step",
                                      properties={"reason": frozenset(cases.ALERTS)}),
    "request_debrief": ServiceHandler(closure.request_debrief,
                                      description="Tells the team manager and the practitioners a debrief is due"),
    "plan_meeting": ServiceHandler(meetings.plan_meeting, frozenset({"meeting_kind", "next_review_on"}),
                                   "Names the kind of meeting the meeting process will hold (and, for a review, "
                                   "the date the last minutes set for it)",
                                   properties={"kind": frozenset(kind.value for kind in MeetingKind)}),
    "send_meeting_invitations": ServiceHandler(meetings.send_meeting_invitations,
                                               description="Sends each invitee their calendar invitation"),
    "remind_unanswered_invitees": ServiceHandler(meetings.remind_unanswered_invitees,
                                                 description="Tells the convenor who has not answered"),
    "finish_meeting": ServiceHandler(meetings.finish_meeting, frozenset({"meeting_outcome", "meeting_held_on"}),
                                     "Tells the calling process how the meeting ended",
                                     properties={"outcome": meetings.OUTCOMES}),
    "start_escalation_stage": ServiceHandler(escalations.start_escalation_stage, frozenset({"stage_started_on"}),
                                             "Opens an escalation's stage, names its holders and tells them",
                                             properties={"stage": escalations.STAGE_NUMBERS}),
    "chase_pregnancy_notification": ServiceHandler(pregnancy.chase_pregnancy_notification,
                                                   description="Reminds health visiting to acknowledge a pregnancy"),
    "escalate_pregnancy_notification": ServiceHandler(
        pregnancy.escalate_pregnancy_notification,
        description="Tells health visiting's safeguarding lead and the midwife a notification is unacknowledged"),
    "pregnancy_notification_acknowledged": ServiceHandler(pregnancy.pregnancy_notification_acknowledged,
                                                          description="Tells the midwife health visiting took it on"),
    "alert_minutes_late": ServiceHandler(minutes.alert_minutes_late,
                                         description="Tells the chair the minutes are not issued in time"),
}
