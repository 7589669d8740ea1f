"""Meetings about a case and the people invited to them, with each person's latest answer."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from webapp.columns import UTCDateTime, utc_now
from webapp.extensions import db


class MeetingKind(str, enum.Enum):
    MULTI_AGENCY = "multi_agency"
    INITIAL_CIN = "initial_cin"
    CIN_REVIEW = "cin_review"

    @property
    def label(self) -> str:
        return {"multi_agency": "Multi-agency meeting", "initial_cin": "Initial child in need meeting",
                "cin_review": "Child in need review meeting"}[self.value]

    @property
    def purpose(self) -> str:
        """What the meeting is for, in words an invited GP, teacher or parent reads without knowing the process."""
        return {
            "multi_agency": "Children's social care is assessing whether this child needs help as a child in need "
                            "(Section 17 of the Children Act 1989). This meeting, held within the first 20 working "
                            "days of the assessment, brings together the family and the agencies who know the child "
                            "to share what each knows, so that the assessment can decide what help is needed.",
            "initial_cin": "The assessment found that this child needs help as a child in need. At this first "
                           "meeting of the child in need plan, the family and the agencies agree what needs to "
                           "change for the child, who will do what and by when, and how often the child is seen.",
            "cin_review": "A regular review of the child's child in need plan: how far each outcome has come, what "
                          "the child and the family say, and whether the plan continues, changes, or ends.",
        }[self.value]


ATTENDANCE_LABELS = {"attended": "Attended", "apologies": "Sent apologies", "absent": "Did not attend"}
ROLE_LABELS = {"chair": "Chair", "required": "Required", "optional": "Optional"}
ANSWER_LABELS = {"needs_action": "No answer yet", "accepted": "Accepted", "tentative": "Tentative",
                 "declined": "Declined"}


class Meeting(db.Model):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    uid: Mapped[str] = mapped_column(String(120), unique=True)  # the calendar UID: never changes
    sequence: Mapped[int] = mapped_column(default=0)  # raised on every change the invitees must see
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    location: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned | cancelled | held
    convened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The Section 17 instance whose meeting step convened it: reschedule and cancel reach that step.
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"), index=True)
    invitations_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    case: Mapped["Case"] = relationship()  # noqa: F821
    convened_by: Mapped["User"] = relationship()  # noqa: F821
    invitees: Mapped[list[Invitee]] = relationship(back_populates="meeting", order_by="Invitee.id")

    @property
    def kind_label(self) -> str:
        return MeetingKind(self.kind).label

    @property
    def purpose(self) -> str:
        return MeetingKind(self.kind).purpose

    @property
    def current_invitees(self) -> list[Invitee]:
        return [invitee for invitee in self.invitees if invitee.removed_at is None]


class Invitee(db.Model):
    __tablename__ = "meeting_invitees"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16), default="required")  # chair | required | optional
    kind: Mapped[str] = mapped_column(String(16))  # staff | agency | family | other (typed in by the convenor)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    answer: Mapped[str] = mapped_column(String(16), default="needs_action")
    answer_comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer_sequence: Mapped[int | None]  # the SEQUENCE the answer was given to
    # When the answer was given by its sender's clock (a reply's DTSTAMP; the click, for a link): an older
    # calendar reply never overwrites it.
    answer_stamp: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer_via: Mapped[str | None] = mapped_column(String(16))  # link | calendar
    # The SEQUENCE of the last invitation this person was sent: their replies answer that version.
    sent_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attendance: Mapped[str | None] = mapped_column(String(16))  # attended | apologies | absent
    attendance_note: Mapped[str | None] = mapped_column(Text)  # apologies' reason, or who came instead
    report_received: Mapped[bool] = mapped_column(default=False, server_default="0")

    meeting: Mapped[Meeting] = relationship(back_populates="invitees")

    @property
    def answer_label(self) -> str:
        return ANSWER_LABELS[self.answer]

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


REPLY_OUTCOMES = {"recorded": "Answer recorded", "unmatched": "Not matched", "counter": "New time proposed",
                  "counter_accepted": "Meeting moved to the proposed time", "counter_declined": "Proposal declined"}


class CalendarReply(db.Model):
    """One answer read from a message sent to the organizer mailbox, or the whole message when none could be
    read: kept with the message itself and what it changed, or why it changed nothing."""

    __tablename__ = "calendar_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, index=True)
    via: Mapped[str] = mapped_column(String(16))  # file | imap | gateway
    message_id: Mapped[str | None] = mapped_column(String(250), index=True)
    from_address: Mapped[str | None] = mapped_column(String(254))
    raw: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))  # nothing received is lost
    method: Mapped[str | None] = mapped_column(String(20))
    uid: Mapped[str | None] = mapped_column(String(250))
    attendee: Mapped[str | None] = mapped_column(String(254))
    partstat: Mapped[str | None] = mapped_column(String(20))
    sequence: Mapped[int | None]
    dtstamp: Mapped[datetime | None] = mapped_column(UTCDateTime())
    comment: Mapped[str | None] = mapped_column(Text)
    proposed_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a COUNTER's new time
    proposed_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    invitee_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_invitees.id"))
    outcome: Mapped[str] = mapped_column(String(20), index=True)  # a key of REPLY_OUTCOMES
    reason: Mapped[str | None] = mapped_column(String(300))  # why it changed nothing
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # a proposal moved or declined
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    meeting: Mapped[Meeting | None] = relationship()
    invitee: Mapped[Invitee | None] = relationship()

    @property
    def outcome_label(self) -> str:
        return REPLY_OUTCOMES[self.outcome]
