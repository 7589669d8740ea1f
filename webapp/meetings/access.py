"""Who may see a meeting: the case's own staff, and agency practitioners on a need-to-know basis: invited by name
and not removed, or, for an invitation sent to an agency's shared mailbox, that agency's designated safeguarding
lead. Being in an invited person's agency is not enough (a class teacher does not read the minutes of a meeting
only the school's safeguarding lead was invited to). The meeting page, the minutes, their PDFs, the API, My
meetings and escalations about a meeting all ask here; nobody else learns the meeting exists."""
from __future__ import annotations

from sqlalchemy import and_, false, or_, select

from webapp.agencies.models import Agency
from webapp.auth.roles import Role
from webapp.cases.access import can_see
from webapp.errors import NotFound
from webapp.extensions import db
from webapp.meetings.models import Invitee, Meeting

NOT_FOUND = "There is no such meeting, or it is not one you were invited to."


def invited_filter(actor):
    """A WHERE clause on Meeting: the meetings this agency practitioner needs to know about."""
    if not actor.has_role(Role.AGENCY_PRACTITIONER):
        return false()
    named = Invitee.user_id == actor.id
    # A shared mailbox is read on the agency's behalf by its designated safeguarding lead, who already holds
    # the agency's side of an escalation; other members of the agency were not invited.
    led = select(Agency.id).where(Agency.id == actor.agency_id, Agency.safeguarding_lead_id == actor.id)
    mailbox = and_(Invitee.user_id.is_(None), Invitee.agency_id.in_(led)) if actor.agency_id is not None else false()
    return Meeting.id.in_(select(Invitee.meeting_id).where(Invitee.removed_at.is_(None), or_(named, mailbox)))


def is_invited(actor, meeting: Meeting) -> bool:
    """The agency practitioner was invited to this meeting, as `invited_filter` says."""
    return db.session.scalar(select(Meeting.id).where(Meeting.id == meeting.id, invited_filter(actor))) is not None


def reads_as_staff(actor, meeting: Meeting) -> bool:
    """The actor works on the meeting's case (its team's staff, senior managers)."""
    return can_see(actor, meeting.case)


def may_see_meeting(actor, meeting: Meeting) -> bool:
    return reads_as_staff(actor, meeting) or is_invited(actor, meeting)


def require_meeting(actor, meeting_id: int, *, staff_only: bool = False) -> Meeting:
    """The meeting if the actor may see it (with `staff_only`, only its case's staff); the same "not found" for
    a meeting that does not exist and one the actor may not see."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not (reads_as_staff(actor, meeting) or (not staff_only and is_invited(actor, meeting))):
        raise NotFound(NOT_FOUND)
    return meeting


def meetings_invited_to(actor) -> list[Meeting]:
    """The meetings the agency practitioner was invited to, newest first."""
    return list(db.session.scalars(select(Meeting).where(invited_filter(actor)).order_by(Meeting.starts_at.desc())))
