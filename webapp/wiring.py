"""Where features plug into the core: the tables `create_app` hands the workflow core at start-up. A feature
adds itself by adding rows here (its service-task handlers in webapp/service_handlers.py, the diagram ids its
code relies on in DIAGRAM_CONTRACT); the core imports none of them."""
from __future__ import annotations

from webapp.auth.roles import role_value_from_text, step_refusal
from webapp.cases import closure, dashboard, flags, plan_actions, referrals, steps
from webapp.escalations import services as escalations
from webapp.information_requests import models as information_request_models, services as information_requests
from webapp.meetings import services as meetings
from webapp.minutes import services as minutes
from webapp.partnership.definitions import DEFINITIONS
from webapp.partnership.services import extra_holidays, setting_value
from webapp.pregnancy import services as pregnancy
from webapp.safer_sleep import services as safer_sleep
from webapp.service_handlers import SERVICE_HANDLERS
from webapp.workflow.contract import contract_table
from webapp.workflow.expressions import DomainSources, configure_domain
from webapp.workflow.wiring import Wiring, install

# Every diagram id, form key, message and task-data name that Python relies on: a deploy that removes or
# renames one is refused, naming the module (webapp/workflow/contract.py).
DIAGRAM_CONTRACT = contract_table(
    referrals.NEEDS, flags.NEEDS, dashboard.NEEDS, closure.NEEDS, plan_actions.NEEDS, steps.NEEDS,
    safer_sleep.NEEDS, meetings.NEEDS, minutes.NEEDS, information_request_models.NEEDS, information_requests.NEEDS,
    pregnancy.NEEDS, escalations.NEEDS,
)


def wire_workflow() -> None:
    install(Wiring(handlers=SERVICE_HANDLERS, contract=DIAGRAM_CONTRACT, step_refusal=step_refusal,
                   role_named=role_value_from_text))


def wire_expressions() -> None:
    """Diagram expressions read working days and settings from the partnership's tables, and meeting times."""
    configure_domain(DomainSources(extra_holidays=extra_holidays, setting=setting_value,
                                   setting_names=frozenset(DEFINITIONS), meeting_start=meetings.meeting_start))
