"""Who may read minutes: the case's own staff (every version, drafts included), and agency practitioners whose
agency (or who themselves) were invited to that meeting, issued versions only. Nobody else learns they exist."""
from __future__ import annotations

from webapp.auth.roles import Role
from webapp.cases.access import can_see
from webapp.errors import NotFound
from webapp.extensions import db
from webapp.meetings.models import Meeting
from webapp.minutes.models import MinutesVersion

NOT_FOUND = "There are no such minutes, or they are not for a meeting you were invited to."


def invited(actor, meeting: Meeting) -> bool:
    """The person, or their agency, was invited (and not removed)."""
    return any(i.user_id == actor.id or (actor.agency_id is not None and i.agency_id == actor.agency_id)
               for i in meeting.current_invitees)


def reads_as_staff(actor, meeting: Meeting) -> bool:
    return can_see(actor, meeting.case)


def require_meeting_reader(actor, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not (reads_as_staff(actor, meeting) or
                               (actor.has_role(Role.AGENCY_PRACTITIONER) and invited(actor, meeting))):
        raise NotFound(NOT_FOUND)
    return meeting


def require_minutes_reader(actor, version_id: int) -> MinutesVersion:
    version = db.session.get(MinutesVersion, version_id)
    if version is None:
        raise NotFound(NOT_FOUND)
    meeting = require_meeting_reader(actor, version.meeting_id)
    if not version.readable and not reads_as_staff(actor, meeting):
        raise NotFound(NOT_FOUND)
    return version
