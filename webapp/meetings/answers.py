"""Answering an invitation from its personal link (meetings/links.py signs them): no account, so the link says
who answers; a link that no longer fits the meeting says why, and every answer is audited under the address."""
from __future__ import annotations

from datetime import datetime

from webapp.audit.services import Origin, record_event
from webapp.errors import InvalidInput
from webapp.extensions import db
from webapp.meetings.links import AnswerLinks
from webapp.meetings.models import Invitee
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


def answer_by_link(token: str, answer: str, comment: str, *, links: AnswerLinks, origin: Origin,
                   now: datetime) -> Invitee:
    """Record (or change) an invitee's answer from their personal link."""
    invitee = invitee_for_link(token, links, now)
    if answer not in ANSWERS:
        raise InvalidInput("Your answer was not recorded", {"answer": "Select whether you can come"})
    invitee.answer, invitee.answer_comment = answer, comment.strip()[:2000] or None
    invitee.answered_at, invitee.answer_sequence = now, invitee.meeting.sequence
    invitee.answer_stamp, invitee.answer_via = now, "link"
    record_event("meeting.answered", actor_label=f"link: {invitee.email}"[:120], subject=invitee.meeting.case,
                 origin=origin, detail={"meeting_id": invitee.meeting_id, "invitee_id": invitee.id, "answer": answer})
    return invitee
