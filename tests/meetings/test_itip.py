"""Invitations read back by icalendar and by vobject (an independent parser) as calendar clients need them."""
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar

from webapp.meetings.itip import Invitation, invitation_email

LONDON = ZoneInfo("Europe/London")


def invitation(starts_at, **changes):
    base = dict(uid="meeting-7@cin-workflow.local", sequence=0, starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=1), summary="Multi-agency meeting: case CIN-000007",
                location="Harrogate Civic Centre, Room 2", organizer_email="meetings@cin.example",
                organizer_name="CIN meetings", attendee_email="gp1@example.org", attendee_name="Demo GP",
                stamp=datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc))
    return Invitation(**{**base, **changes})


def sent(inv, method="REQUEST"):
    message = invitation_email(inv, method, sender="meetings@cin.example", subject="Meeting: case CIN-000007",
                               text="See the invitation.", html="<p>See the invitation.</p>", message_id="<m7@cin>")
    return message_from_bytes(message.as_bytes(), policy=policy.default)


def calendar_parts(message):
    return [part for part in message.walk() if part.get_content_type() in {"text/calendar", "application/ics"}]


@pytest.mark.parametrize("starts_at", [datetime(2026, 3, 27, 9, 30, tzinfo=LONDON),   # GMT
                                       datetime(2026, 3, 30, 9, 30, tzinfo=LONDON),   # BST, after the change
                                       datetime(2026, 10, 26, 9, 30, tzinfo=LONDON)])  # GMT again
def test_an_invitation_reads_the_same_in_two_parsers(starts_at):
    message = sent(invitation(starts_at))
    alternative = next(p for p in message.walk() if p.get_content_type() == "multipart/alternative")
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html", "text/calendar"]
    calendar_part, attachment = calendar_parts(message)
    assert attachment.get_filename() == "invite.ics"
    raw = calendar_part.get_content().encode() if isinstance(calendar_part.get_content(), str) else calendar_part.get_content()
    assert calendar_part.get_param("method") == "REQUEST"

    parsed = Calendar.from_ical(raw)
    event, = parsed.walk("VEVENT")
    assert parsed["METHOD"] == "REQUEST"
    assert str(event["UID"]) == "meeting-7@cin-workflow.local" and int(event["SEQUENCE"]) == 0
    assert event["DTSTAMP"].dt == datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc)
    assert str(event["ORGANIZER"]).lower() == "mailto:meetings@cin.example"
    attendee = event["ATTENDEE"]
    assert not isinstance(attendee, list), "one attendee per copy"
    assert str(attendee).lower() == "mailto:gp1@example.org"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION" and attendee.params["RSVP"] == "TRUE"
    assert event["DTSTART"].dt.astimezone(LONDON) == starts_at

    second = vobject.readOne(raw.decode())
    assert second.method.value == "REQUEST"
    vevent = second.vevent
    assert vevent.uid.value == "meeting-7@cin-workflow.local" and vevent.sequence.value == "0"
    assert vevent.dtstart.value.astimezone(LONDON) == starts_at
    assert [a.value.lower() for a in vevent.contents["attendee"]] == ["mailto:gp1@example.org"]
    assert vevent.organizer.value.lower() == "mailto:meetings@cin.example"
    assert vevent.attendee.params["PARTSTAT"] == ["NEEDS-ACTION"]


def test_a_cancellation_carries_a_higher_sequence_and_the_cancelled_status():
    message = sent(invitation(datetime(2026, 3, 30, 9, 30, tzinfo=LONDON), sequence=2), "CANCEL")
    calendar_part, _ = calendar_parts(message)
    assert calendar_part.get_param("method") == "CANCEL"
    event, = Calendar.from_ical(calendar_part.get_content()).walk("VEVENT")
    assert int(event["SEQUENCE"]) == 2 and str(event["STATUS"]) == "CANCELLED"


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        sent(invitation(datetime(2026, 3, 30, 9, 30)))
