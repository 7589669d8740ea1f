"""The roles people hold, and which of them work inside children's social care."""
import enum


class Role(str, enum.Enum):
    SOCIAL_WORKER = "social_worker"
    TEAM_MANAGER = "team_manager"
    SENIOR_MANAGER = "senior_manager"
    AGENCY_PRACTITIONER = "agency_practitioner"
    PROCESS_OWNER = "process_owner"
    ADMINISTRATOR = "administrator"
    INDEPENDENT_CHAIR = "independent_chair"  # the safeguarding partnership's, for escalations at stage 4

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.SOCIAL_WORKER: "Social worker",
    Role.TEAM_MANAGER: "Team manager",
    Role.SENIOR_MANAGER: "Senior manager",
    Role.AGENCY_PRACTITIONER: "Agency practitioner",
    Role.PROCESS_OWNER: "Process owner",
    Role.ADMINISTRATOR: "Administrator",
    Role.INDEPENDENT_CHAIR: "Independent chair",
}

# Roles that work on a team's cases; they need a team and never mix with an agency role.
TEAM_ROLES = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER})
CASE_ROLES = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.SENIOR_MANAGER})


def role_from_text(text: str | None) -> Role | None:
    """A role named by its value ("team_manager") or its label ("Team manager"), as diagrams name lanes."""
    wanted = " ".join((text or "").replace("_", " ").split()).lower()
    return next((role for role in Role if role.label.lower() == wanted), None)


def step_refusal(actor, roles: tuple[str, ...]) -> str | None:
    """The one role rule for a step: anyone holding one of the roles its diagram names may do it (a step that
    names none is anyone's). Why not, in the words the step page shows, or None."""
    wanted = [Role(role) for role in roles]
    if not wanted or actor.has_role(*wanted):
        return None
    return f"This step is for a {' or '.join(role.label.lower() for role in wanted)}."


def role_value_from_text(text: str | None) -> str | None:
    role = role_from_text(text)
    return role.value if role else None
