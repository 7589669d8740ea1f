"""Who may read minutes: the case's own staff (every version, drafts included), and the agency practitioners who
may see the meeting (webapp/meetings/access.py: invited by name, not their whole agency), issued versions only.
Nobody else learns they exist."""
from __future__ import annotations

from webapp.errors import NotFound
from webapp.extensions import db
from webapp.meetings.access import may_see_meeting, reads_as_staff
from webapp.meetings.models import Meeting
from webapp.minutes.models import MinutesVersion

NOT_FOUND = "There are no such minutes, or they are not for a meeting you were invited to."

__all__ = ["NOT_FOUND", "reads_as_staff", "require_meeting_reader", "require_minutes_document_reader",
           "require_minutes_reader"]


def require_meeting_reader(actor, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not may_see_meeting(actor, meeting):
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


def require_minutes_document_reader(actor, document) -> None:
    """The PDF of a minutes version is for its readers."""
    require_minutes_reader(actor, document.source_id)
