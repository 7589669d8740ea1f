"""Personal answer links: GET records nothing; expired, altered, other people's and withdrawn links change
nothing and say why."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests.cases.builders import convene, open_case, referral_answers, start_assessment
from tests.helpers import csrf_token
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.meetings import services
from webapp.meetings.services import configured_mailing
from webapp.meetings.links import AnswerLinks
from webapp.meetings.models import Invitee
from webapp.workflow.models import OpenTask

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def at_day_20_meeting(session):
    """A case whose assessment has started, with sw1 allocated: the day-20 meeting waits to be convened."""
    sw1, tm1 = (session.scalar(select(User).where(User.username == name)) for name in ("sw1", "tm1"))
    case = open_case(sw1, referral_answers(domestic_abuse="yes", domestic_abuse_details="Police call-outs"))
    start_assessment(case, sw1, tm1)
    session.commit()
    return case, sw1


def convened_meeting(session):
    """The day-20 meeting of a new case, a week ahead, with everyone proposed invited and sent an invitation."""
    case, sw1 = at_day_20_meeting(session)
    made = convene(sw1, case, "convene_by_day_20", NOW + timedelta(days=7))
    session.commit()
    return made


@pytest.fixture
def meeting(app, partnership, clock):
    made = convened_meeting(partnership)
    mailing = configured_mailing()
    return made, mailing.links, mailing, made.convened_by


def token(links, invitee):
    return links.token(invitee.meeting_id, invitee.id)


def test_a_get_alone_records_nothing_and_the_button_does(client, partnership, meeting):
    made, links, _, _ = meeting
    invitee = made.invitees[0]
    page = client.get(f"/answer/{token(links, invitee)}?answer=accepted")
    assert page.status_code == 200 and "Civic Centre" in page.text  # who is named where: test_briefing.py
    partnership.expire_all()
    assert partnership.get(Invitee, invitee.id).answer == "needs_action"
    client.post(f"/answer/{token(links, invitee)}", data={"csrf_token": csrf_token(page.text), "answer": "tentative"})
    client.post(f"/answer/{token(links, invitee)}", data={"csrf_token": csrf_token(page.text), "answer": "accepted",
                                                         "comment": "Changed my mind"})
    partnership.expire_all()
    changed = partnership.get(Invitee, invitee.id)
    assert (changed.answer, changed.answer_comment, changed.answer_sequence) == ("accepted", "Changed my mind", 0)


@pytest.mark.parametrize("spoil", ["altered", "other_meeting", "unsigned"])
def test_altered_and_foreign_links_are_refused(client, partnership, meeting, spoil):
    made, links, _, _ = meeting
    invitee = made.invitees[0]
    bad = {"altered": token(links, invitee)[:-2] + "xx",
           "other_meeting": links.token(made.id + 1, invitee.id),
           "unsigned": AnswerLinks("another-secret", "x").token(made.id, invitee.id)}[spoil]
    page = client.get(f"/answer/{bad}")
    assert page.status_code == 410 and "not one we sent" in page.text
    token_page = client.get(f"/answer/{token(links, invitee)}")  # a valid form, for a CSRF token
    refused = client.post(f"/answer/{bad}", data={"csrf_token": csrf_token(token_page.text), "answer": "declined"})
    assert refused.status_code == 410 and "not one we sent" in refused.text
    partnership.expire_all()
    assert partnership.get(Invitee, invitee.id).answer == "needs_action"


def test_expired_cancelled_and_withdrawn_links_say_why(client, partnership, meeting, clock):
    made, links, mailing, sw1 = meeting
    first, second = made.invitees[0], made.invitees[1]
    services.remove_invitee(sw1, made.id, second.id, mailing=mailing, origin=NO_ORIGIN, now=NOW)
    partnership.commit()
    assert "no longer invited" in client.get(f"/answer/{token(links, second)}").text
    clock.move_to(NOW + timedelta(days=8))
    assert "link has expired" in client.get(f"/answer/{token(links, first)}").text


def test_invitations_name_only_their_invitee(partnership, meeting):
    from webapp.mail.models import OutboxMessage

    made, *_ = meeting
    messages = partnership.scalars(select(OutboxMessage).where(OutboxMessage.kind == "meeting_request")).all()
    assert len(messages) == len(made.invitees)
    for message in messages:
        others = [i for i in made.invitees if i.email != message.to_address]
        for other in others:
            assert other.email not in message.raw_mime and other.name not in message.raw_mime
        for private in ("Ava", "Demochild", "bruise"):
            assert private not in message.raw_mime and private not in message.subject


def test_private_calendar_feed_lists_my_meetings_and_can_be_revoked(app, partnership, meeting):
    import re

    from icalendar import Calendar

    from tests.helpers import sign_in
    from webapp.demo import DEMO_PASSWORD

    made, *_ = meeting
    client = app.test_client()
    sign_in(client, "tm1", DEMO_PASSWORD)
    page = client.get("/account/calendar")
    client.post("/account/calendar", data={"csrf_token": csrf_token(page.text), "action": "issue"})
    shown = client.get("/account/calendar").text
    address = re.search(r'id="feed-address">[^<]*(/calendar/[^<]+\.ics)', shown).group(1)
    anonymous = app.test_client()
    feed = anonymous.get(address)
    assert feed.status_code == 200 and feed.headers["Content-Type"].startswith("text/calendar")
    event, = Calendar.from_ical(feed.data).walk("VEVENT")
    assert str(event["UID"]) == made.uid and made.case.reference in str(event["SUMMARY"])
    assert b"Demochild" not in feed.data
    page = client.get("/account/calendar")
    client.post("/account/calendar", data={"csrf_token": csrf_token(page.text), "action": "issue"})
    assert anonymous.get(address).status_code == 404  # a new address revokes the old one
    page = client.get("/account/calendar")
    new_address = re.search(r'id="feed-address">[^<]*(/calendar/[^<]+\.ics)', page.text).group(1)
    client.post("/account/calendar", data={"csrf_token": csrf_token(page.text), "action": "revoke"})
    assert anonymous.get(new_address).status_code == 404
    assert anonymous.get("/calendar/not-a-token.ics").status_code == 404


def convene_page(client, case):
    from tests.helpers import sign_in
    from webapp.demo import DEMO_PASSWORD

    sign_in(client, "sw1", DEMO_PASSWORD)
    case_page = client.get(f"/cases/{case.id}").text
    step = re.search(r'href="(/cases/\d+/steps/[^"]+)"[^>]*>Convene the multi-agency meeting', case_page).group(1)
    found = client.get(step)
    assert found.status_code == 302  # the step has a page of its own
    return found.headers["Location"], client.get(found.headers["Location"]).text


def test_the_agenda_carries_the_standard_sections_and_the_flagged_concerns(client, partnership):
    case, _ = at_day_20_meeting(partnership)
    address, page = convene_page(client, case)
    keys = re.findall(r'name="invitees" type="checkbox" value="([^"]+)"', page)
    done = client.post(address, data={
        "csrf_token": csrf_token(page), "date-day": "14", "date-month": "12", "date-year": "2030",
        "time": "16:00", "duration": "60", "location": "Civic Centre", "invitees": keys})
    assert done.status_code == 302
    meeting_page = client.get(done.headers["Location"]).text
    assert "Worries and risks" in meeting_page and "Domestic abuse" in meeting_page


def test_convening_with_bad_details_explains_and_sends_nothing(client, partnership):
    from webapp.mail.models import OutboxMessage
    from webapp.meetings.models import Meeting

    case, _ = at_day_20_meeting(partnership)
    address, page = convene_page(client, case)
    before = partnership.scalar(select(func.count(OutboxMessage.id)))
    refused = client.post(address, data={
        "csrf_token": csrf_token(page), "date-day": "31", "date-month": "2", "date-year": "2030", "time": "25:00",
        "duration": "60", "location": "", "other_name": "Gran", "other_email": "not-an-address"})
    assert refused.status_code == 400
    assert "Enter a real date and a time like 09:30" in refused.text
    assert "Enter where the meeting is" in refused.text and "Select who to invite" in refused.text
    assert "Enter the other person&#39;s e-mail address" in refused.text
    partnership.expire_all()
    assert partnership.scalar(select(Meeting.id)) is None
    assert partnership.scalar(select(func.count(OutboxMessage.id))) == before
    assert "convene_by_day_20" in {t.bpmn_id for t in partnership.scalars(select(OpenTask))}


def test_a_senior_manager_sees_the_meeting_but_cannot_change_it(app, partnership, meeting):
    from tests.helpers import sign_in
    from webapp.demo import DEMO_PASSWORD

    made, _, _, _ = meeting
    client = app.test_client()
    sign_in(client, "sm1", DEMO_PASSWORD)
    page = client.get(f"/meetings/{made.id}")
    assert page.status_code == 200 and "Invitees and their answers" in page.text
    assert "Cancel the meeting" not in page.text and "Invite someone else" not in page.text
    refused = client.post(f"/meetings/{made.id}/cancel", data={"csrf_token": csrf_token(page.text)})
    assert refused.status_code == 403
    partnership.expire_all()
    assert partnership.get(type(made), made.id).status == "planned"
