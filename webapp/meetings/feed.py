"""Each person's private calendar feed of the meetings they are invited to (METHOD:PUBLISH). The address is
signed with the service's secret and a per-person counter: issuing a new address revokes the old one."""
from __future__ import annotations

from datetime import datetime, timezone

from icalendar import Calendar, Event
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from webapp.audit.services import Origin, record_event
from webapp.auth.models import User
from webapp.errors import NotFound
from webapp.extensions import db
from webapp.meetings.itip import PRODID
from webapp.meetings.models import Invitee, Meeting

SALT = "calendar-feed"


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def issue_feed(user: User, secret_key: str, *, origin: Origin) -> str:
    """A new private feed token for the user; any earlier address stops working. An odd counter means a feed
    is in use; each new address moves it to the next odd number."""
    user.calendar_feed_epoch += 2 if user.calendar_feed_epoch % 2 else 1
    record_event("calendar_feed.issued", actor=user, subject=user, origin=origin)
    return feed_token(user, secret_key)


def revoke_feed(user: User, *, origin: Origin) -> None:
    if user.calendar_feed_epoch % 2:
        user.calendar_feed_epoch += 1
    record_event("calendar_feed.revoked", actor=user, subject=user, origin=origin)


def feed_token(user: User, secret_key: str) -> str | None:
    return _serializer(secret_key).dumps({"u": user.id, "e": user.calendar_feed_epoch}) \
        if user.calendar_feed_epoch % 2 == 1 else None


def feed_for_token(token: str, secret_key: str, now: datetime) -> bytes:
    """The calendar for a feed address; NotFound for an address revoked, altered or never issued."""
    try:
        payload = _serializer(secret_key).loads(token)
        user = db.session.get(User, int(payload["u"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        user = None
    if user is None or not user.is_active or payload.get("e") != user.calendar_feed_epoch \
            or user.calendar_feed_epoch % 2 == 0:
        raise NotFound("This calendar address is not in use.")
    meetings = db.session.scalars(
        select(Meeting).join(Invitee).where(Invitee.user_id == user.id, Invitee.removed_at.is_(None),
                                            Meeting.status == "planned").order_by(Meeting.starts_at)).all()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Child in need meetings")
    for meeting in meetings:
        event = Event()
        event.add("uid", meeting.uid)
        event.add("sequence", meeting.sequence)
        event.add("dtstamp", now.astimezone(timezone.utc))
        event.add("dtstart", meeting.starts_at.astimezone(timezone.utc))
        event.add("dtend", meeting.ends_at.astimezone(timezone.utc))
        event.add("summary", f"{meeting.kind_label}: case {meeting.case.reference}")
        event.add("location", meeting.location)
        event.add("class", "CONFIDENTIAL")
        calendar.add_component(event)
    return calendar.to_ical()
