"""Every model, imported in one place so that migrations and tests see the whole schema."""
from webapp.agencies.models import Agency  # noqa: F401
from webapp.audit.models import AccessRefusal, AuditEvent  # noqa: F401
from webapp.auth.models import Team, User, UserRole, UserSession  # noqa: F401
from webapp.cases.models import (  # noqa: F401
    Case, CaseAgency, Child, Household, HouseholdMember, StepCorrection, StepDraft, StepRecord,
)
from webapp.mail.models import OutboxMessage  # noqa: F401
from webapp.workflow.models import (  # noqa: F401
    OpenTask, RearmRequest, TaskCompletion, WorkflowInstance, WorkflowVersion,
)
from webapp.partnership.models import ExtraBankHoliday, PartnershipSetting  # noqa: F401
from webapp.information_requests.models import InformationRequest  # noqa: F401
from webapp.meetings.models import CalendarReply, Invitee, Meeting  # noqa: F401
from webapp.documents.models import Document  # noqa: F401
from webapp.minutes.models import CaseAction, MinutesVersion  # noqa: F401
from webapp.escalations.models import Escalation, EscalationEntry, EscalationStage  # noqa: F401
from webapp.processes.models import ProcessDraft  # noqa: F401
from webapp.api.models import ApiToken  # noqa: F401
from webapp.pregnancy.models import PregnancyNotification  # noqa: F401
from webapp.safer_sleep.models import SaferSleepAssessment  # noqa: F401
from webapp.monitoring.models import AdminAlert, WorkerHeartbeat  # noqa: F401
from webapp.visits.models import Visit, VisitSchedule  # noqa: F401
