"""The one explicit table of service-task handlers: diagram name -> domain function. Diagrams name these in
`camunda:topic` on a service task (`camunda:type="external"`); deploy refuses any other name."""
from __future__ import annotations

from webapp.audit.services import record_event
from webapp.workflow.handlers import ServiceCall, ServiceHandler


def record_milestone(call: ServiceCall) -> dict:
    """Write a milestone of the process to the audit trail of its subject."""
    row_id = record_event("workflow.milestone", actor_label="workflow", subject=(call.subject_type, call.subject_id),
                          detail={"instance_id": call.instance_id, "step": call.bpmn_id})
    return {"milestone_recorded": row_id}


SERVICE_HANDLERS: dict[str, ServiceHandler] = {
    "record_milestone": ServiceHandler(record_milestone, frozenset({"milestone_recorded"}),
                                       "Records a milestone in the audit trail"),
}
