"""Taking in what calendar clients send to the organizer mailbox (a file, IMAP or the mail gateway): each answer
is matched on the meeting's UID and the attendee's address alone and recorded, or kept with the reason it
changed nothing. Never fooled: a reply for someone else, for a version never sent, older than the answer held,
or received twice changes nothing. A proposed new time (COUNTER) waits for the convenor, who moves the meeting
or declines it (DECLINECOUNTER)."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from webapp.audit.services import Origin, record_event
from webapp.auth.user_admin import require_administrator
from webapp.errors import Conflict, NotFound
from webapp.extensions import db
from webapp.meetings.invitations import Mailing, queue_invitation
from webapp.meetings.models import CalendarReply, Invitee, Meeting
from webapp.meetings.replies import CalendarAnswer, UnreadableReply, envelope_of, read_answers
from webapp.meetings.services import get_meeting, reschedule, require_convenor

log = logging.getLogger(__name__)
ANSWERS = {"ACCEPTED": "accepted", "TENTATIVE": "tentative", "DECLINED": "declined"}


class NotMatched(Exception):
    """Why an answer changes nothing; the message is kept for the administrators."""


def ingest_message(raw: bytes, *, via: str, now: datetime) -> list[CalendarReply]:
    """Read one received message and record what it says; every row is kept, with the message itself."""
    envelope = envelope_of(raw)
    seen_before = envelope.message_id is not None and db.session.scalar(
        select(CalendarReply.id).where(CalendarReply.message_id == envelope.message_id).limit(1)) is not None
    base = dict(received_at=now, via=via, message_id=envelope.message_id, from_address=envelope.sender, raw=raw)
    try:
        answers = read_answers(raw, envelope.sender)
    except UnreadableReply as problem:
        answers, reason = [], str(problem)
    else:
        reason = "this message was received already (same Message-ID)" if seen_before else None
    if not answers:
        rows = [CalendarReply(**base, outcome="unmatched", reason=reason[:300])]
    else:
        rows = [_take(CalendarReply(**base, **_fields(answer)), answer, envelope.sender, reason, now)
                for answer in answers]
    db.session.add_all(rows)
    db.session.flush()
    for row in rows:
        _audit(row)
        log.info("Calendar reply %s via %s: %s", row.id, via, row.outcome)
    return rows


def _fields(answer: CalendarAnswer) -> dict:
    return dict(method=answer.method, uid=answer.uid[:250], attendee=(answer.attendee or "")[:254] or None,
                partstat=answer.partstat[:20], sequence=answer.sequence, dtstamp=answer.dtstamp,
                comment=(answer.comment or "").strip()[:2000] or None, proposed_starts_at=answer.starts_at,
                proposed_ends_at=answer.ends_at)


def _take(row: CalendarReply, answer: CalendarAnswer, sender: str | None, reason: str | None,
          now: datetime) -> CalendarReply:
    try:
        if reason is not None:
            raise NotMatched(reason)
        invitee = _match(row, answer, sender, now)
        if answer.method == "COUNTER":
            _check_proposal(answer)
            row.outcome = "counter"
        else:
            _record(invitee, row, answer, now)
            row.outcome = "recorded"
    except NotMatched as problem:
        row.outcome, row.reason = "unmatched", str(problem)[:300]
    return row


def _match(row: CalendarReply, answer: CalendarAnswer, sender: str | None, now: datetime) -> Invitee:
    """The invitee an answer is from, or NotMatched with the reason."""
    meeting = db.session.scalar(select(Meeting).where(Meeting.uid == answer.uid))
    if meeting is None:
        raise NotMatched("no meeting has this calendar UID")
    row.meeting_id = meeting.id
    addresses = {answer.attendee, answer.also_known_as} - {None}
    invitee = next((i for i in reversed(meeting.invitees) if i.email.lower() in addresses), None)
    if invitee is None:
        raise NotMatched(f"{answer.attendee} is not invited to this meeting")
    row.invitee_id = invitee.id
    if sender is None or sender not in addresses | {answer.sent_by}:
        # The From header alone proves nothing (RFC 6047), but a reply that does not even claim to come from
        # the attendee (or their SENT-BY delegate) is not taken as theirs.
        raise NotMatched(f"it answers for {answer.attendee} but was sent by {sender or 'an unnamed sender'}")
    if invitee.removed_at is not None:
        raise NotMatched(f"{answer.attendee} is no longer invited to this meeting")
    if meeting.status == "cancelled":
        raise NotMatched("the meeting was cancelled")
    if meeting.status == "held" or meeting.ends_at <= now:
        raise NotMatched("the meeting has taken place")
    if answer.sequence > invitee.sent_sequence:
        raise NotMatched(f"it answers version {answer.sequence} of the invitation, which was never sent to them")
    if answer.sequence < invitee.sent_sequence:
        raise NotMatched(f"it answers version {answer.sequence} of the invitation; the meeting has changed since "
                         f"(version {invitee.sent_sequence})")
    return invitee


def _record(invitee: Invitee, row: CalendarReply, answer: CalendarAnswer, now: datetime) -> None:
    if answer.partstat not in ANSWERS:
        raise NotMatched(f"PARTSTAT {answer.partstat} is not an answer we record (accepted, tentative or "
                         "declined); if they sent someone in their place, invite that person")
    stamp = answer.dtstamp or now
    if invitee.answer_stamp is not None and stamp == invitee.answer_stamp and invitee.answer_via == "calendar":
        raise NotMatched("the same reply (same DTSTAMP) was recorded already")
    if invitee.answer_stamp is not None and stamp < invitee.answer_stamp:
        raise NotMatched("it is older than the answer already recorded")
    invitee.answer, invitee.answer_comment = ANSWERS[answer.partstat], row.comment
    invitee.answered_at, invitee.answer_sequence = now, answer.sequence
    invitee.answer_stamp, invitee.answer_via = stamp, "calendar"


def _check_proposal(answer: CalendarAnswer) -> None:
    if answer.starts_at is None or answer.ends_at is None or answer.ends_at <= answer.starts_at:
        raise NotMatched("the proposed new time has no start and end")


def _audit(row: CalendarReply) -> None:
    if row.meeting is None:
        return  # no case to file it under; it is on the administrators' list
    action = {"recorded": "meeting.answered", "counter": "meeting.time_proposed"}.get(row.outcome,
                                                                                      "meeting.reply_refused")
    detail = {"meeting_id": row.meeting_id, "calendar_reply_id": row.id, "via": row.via}
    if row.outcome == "recorded":
        detail |= {"invitee_id": row.invitee_id, "answer": row.invitee.answer}
    record_event(action, actor_label=f"calendar: {row.attendee}"[:120], subject=row.meeting.case, detail=detail)


def unmatched_replies(actor, *, origin: Origin, limit: int = 200) -> list[CalendarReply]:
    """Newest first: what reached the organizer mailbox and changed nothing, with the reason (administrators)."""
    require_administrator(actor)
    record_event("meeting.unmatched_replies_viewed", actor=actor, origin=origin)
    return list(db.session.scalars(select(CalendarReply).where(CalendarReply.outcome == "unmatched")
                                   .order_by(CalendarReply.id.desc()).limit(limit)))


def open_proposals(meeting: Meeting) -> list[CalendarReply]:
    """New times invitees proposed for a meeting that the convenor has not dealt with."""
    return list(db.session.scalars(select(CalendarReply).where(CalendarReply.meeting_id == meeting.id,
                                                               CalendarReply.outcome == "counter")
                                   .order_by(CalendarReply.id)))


def _open_proposal(actor, meeting_id: int, reply_id: int) -> CalendarReply:
    meeting = get_meeting(actor, meeting_id)
    require_convenor(actor, meeting.case)
    proposal = db.session.get(CalendarReply, reply_id)
    if proposal is None or proposal.meeting_id != meeting.id or proposal.method != "COUNTER":
        raise NotFound("There is no such proposal for this meeting.")
    if proposal.outcome != "counter":
        raise Conflict("This proposal has been dealt with already.")
    return proposal


def accept_proposal(actor, meeting_id: int, reply_id: int, *, mailing: Mailing, origin: Origin,
                    now: datetime) -> Meeting:
    """Move the meeting to the proposed time: everyone gets the update, as with any move."""
    proposal = _open_proposal(actor, meeting_id, reply_id)
    meeting = reschedule(actor, meeting_id, starts_at=proposal.proposed_starts_at, ends_at=proposal.proposed_ends_at,
                         location=proposal.meeting.location, mailing=mailing, origin=origin, now=now)
    proposal.outcome, proposal.handled_by_id, proposal.handled_at = "counter_accepted", actor.id, now
    record_event("meeting.proposal_accepted", actor=actor, subject=meeting.case, origin=origin,
                 detail={"meeting_id": meeting_id, "calendar_reply_id": proposal.id})
    for other in open_proposals(meeting):  # they proposed changes to a time that no longer stands
        other.outcome, other.handled_by_id, other.handled_at = "counter_declined", actor.id, now
    return meeting


def decline_proposal(actor, meeting_id: int, reply_id: int, *, mailing: Mailing, origin: Origin,
                     now: datetime) -> CalendarReply:
    """Keep the time: the proposer gets a DECLINECOUNTER (their calendar shows the proposal declined)."""
    proposal = _open_proposal(actor, meeting_id, reply_id)
    proposal.outcome, proposal.handled_by_id, proposal.handled_at = "counter_declined", actor.id, now
    queue_invitation(proposal.meeting, proposal.invitee, "DECLINECOUNTER", links=mailing.links,
                     organizer=mailing.organizer, now=now)
    record_event("meeting.proposal_declined", actor=actor, subject=proposal.meeting.case, origin=origin,
                 detail={"meeting_id": meeting_id, "calendar_reply_id": proposal.id})
    return proposal
