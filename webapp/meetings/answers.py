"""Answering an invitation: from its personal link (meetings/links.py signs them; no account, so the link says
who answers, and a link that no longer fits the meeting says why), or signed in, by an invited practitioner on
the meeting's page. Every answer, and every look through a link, is audited (under the address for a link)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from webapp.agencies.models import Agency
from webapp.audit.services import Origin, record_event
from webapp.errors import Conflict, InvalidInput, PermissionDenied
from webapp.extensions import db
from webapp.meetings import access
from webapp.meetings.links import AnswerLinks
from webapp.meetings.models import Invitee, Meeting
from webapp.meetings.services import ANSWERS


class LinkProblem(Exception):
    """An answer link that cannot be used; the message is shown as it is."""


def invitee_for_link(token: str, links: AnswerLinks, now: datetime) -> Invitee:
    """The invitee a personal link belongs to, if it can still be used."""
    found = links.read(token)
    invitee = db.session.get(Invitee, found[1]) if found else None
    if invitee is None or invitee.meeting_id != found[0]:
        raise LinkProblem("This link is not one we sent, or it has been altered. Use the link in your invitation.")
    if invitee.removed_at is not None:
        raise LinkProblem("You are no longer invited to this meeting.")
    if invitee.meeting.status == "cancelled":
        raise LinkProblem("This meeting has been cancelled.")
    if invitee.meeting.ends_at <= now:
        raise LinkProblem("This meeting has taken place, so the link has expired.")
    return invitee


def record_link_view(invitee: Invitee, *, identified: bool, origin: Origin) -> None:
    """A look at the answer page: whether it named the child is kept too (briefing.py decides)."""
    record_event("meeting.viewed", actor_label=f"link: {invitee.email}"[:120], subject=invitee.meeting.case,
                 origin=origin, detail={"meeting_id": invitee.meeting_id, "invitee_id": invitee.id, "via": "link",
                                        "identified": identified})


def answer_by_link(token: str, answer: str, comment: str, *, links: AnswerLinks, origin: Origin,
                   now: datetime) -> Invitee:
    """Record (or change) an invitee's answer from their personal link."""
    invitee = invitee_for_link(token, links, now)
    _record(invitee, answer, comment, "link", now)
    record_event("meeting.answered", actor_label=f"link: {invitee.email}"[:120], subject=invitee.meeting.case,
                 origin=origin, detail={"meeting_id": invitee.meeting_id, "invitee_id": invitee.id, "answer": answer})
    return invitee


def own_invitation(actor, meeting: Meeting) -> Invitee | None:
    """The actor's own invitation to the meeting: to them by name, or, for their agency's designated safeguarding
    lead, one sent to the agency's shared mailbox (as meetings/access.py lets them see it); None if neither."""
    named = [i for i in meeting.current_invitees if i.user_id == actor.id]
    if named:
        return named[0]
    if actor.agency_id is None:
        return None
    lead = db.session.scalar(select(Agency.id).where(Agency.id == actor.agency_id,
                                                     Agency.safeguarding_lead_id == actor.id))
    return next((i for i in meeting.current_invitees if lead and i.user_id is None and i.agency_id == lead), None)


def answer_signed_in(actor, meeting_id: int, answer: str, comment: str, *, origin: Origin,
                     now: datetime) -> Invitee:
    """Record (or change) the signed-in invitee's own answer, on the same terms as their link."""
    meeting = access.require_meeting(actor, meeting_id)
    invitee = own_invitation(actor, meeting)
    if invitee is None:
        raise PermissionDenied("Only the people invited answer an invitation.")
    if meeting.status == "cancelled":
        raise Conflict("This meeting has been cancelled.")
    if meeting.ends_at <= now:
        raise Conflict("This meeting has taken place, so it can no longer be answered.")
    _record(invitee, answer, comment, "signed_in", now)
    record_event("meeting.answered", actor=actor, subject=meeting.case, origin=origin,
                 detail={"meeting_id": meeting.id, "invitee_id": invitee.id, "answer": answer})
    return invitee


def _record(invitee: Invitee, answer: str, comment: str, via: str, now: datetime) -> None:
    if answer not in ANSWERS:
        raise InvalidInput("Your answer was not recorded", {"answer": "Select whether you can come"})
    invitee.answer, invitee.answer_comment = answer, comment.strip()[:2000] or None
    invitee.answered_at, invitee.answer_sequence = now, invitee.meeting.sequence
    invitee.answer_stamp, invitee.answer_via = now, via
