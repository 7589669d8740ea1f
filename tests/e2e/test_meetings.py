"""Convening a multi-agency meeting in a real browser; invitations through a real SMTP server on loopback;
answers by personal link; reschedule, removal and cancellation reach the right people."""
import re
from datetime import datetime, timezone
from email import message_from_bytes, policy

import vobject
from icalendar import Calendar
from playwright.sync_api import expect
from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers, start_assessment
from tests.e2e.steps import open_my_task, sign_in, sign_out
from tests.meetings import clients
from webapp.agencies.models import Agency, AgencyKind
from webapp.auth.models import User
from webapp.config import MailSettings
from webapp.demo import DEMO_PASSWORD
from webapp.worker import send_due_mail


def delivered(smtp_server, start=0):
    """(recipient, method, sequence, text) of each calendar message the SMTP server took since `start`."""
    found = []
    for envelope in smtp_server.envelopes[start:]:
        message = message_from_bytes(envelope.content, policy=policy.default)
        part = next((p for p in message.walk() if p.get_content_type() == "text/calendar"), None)
        if part is None:
            continue  # the GP's "assessment started" notice
        calendar = Calendar.from_ical(part.get_content())
        event, = calendar.walk("VEVENT")
        second = vobject.readOne(part.get_content())  # an independent parser reads the same
        assert str(calendar["METHOD"]) == second.method.value == part.get_param("method")
        assert second.vevent.uid.value == str(event["UID"]) and int(second.vevent.sequence.value) == int(event["SEQUENCE"])
        assert [a.value.lower() for a in second.vevent.contents["attendee"]] == [f"mailto:{envelope.rcpt_tos[0]}"]
        text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_content()
        found.append((envelope.rcpt_tos[0], part.get_param("method"), int(event["SEQUENCE"]), text))
    return found


def request_to(smtp_server, start, recipient):
    """(UID, SEQUENCE) of the last invitation a recipient was sent since `start`, as their calendar holds it."""
    for envelope in reversed(smtp_server.envelopes[start:]):
        if envelope.rcpt_tos == [recipient]:
            message = message_from_bytes(envelope.content, policy=policy.default)
            part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
            event, = Calendar.from_ical(part.get_content()).walk("VEVENT")
            return str(event["UID"]), int(event["SEQUENCE"])
    raise AssertionError(f"nothing was sent to {recipient}")


def ingest(app, tmp_path, raw: bytes) -> str:
    """`flask meetings ingest-reply FILE` on a saved e-mail, as a mail rule or an operator would run it."""
    saved = tmp_path / f"reply-{len(list(tmp_path.iterdir()))}.eml"
    saved.write_bytes(raw)
    result = app.test_cli_runner().invoke(args=["meetings", "ingest-reply", str(saved)])
    assert result.exit_code == 0, result.output
    return result.output


def link(text, answer):
    """The path of the personal link for one answer (the host is the service's address in configuration)."""
    return re.search(rf"{answer.capitalize()}: \S+?(/answer/\S+)", text).group(1)


def test_convene_answer_reschedule_remove_and_cancel(ui, app, tmp_path, partnership_committed, smtp_server,
                                                     live_server):
    session = partnership_committed
    agencies = {a.kind: a.id for a in session.scalars(select(Agency))}
    sw1 = session.scalar(select(User).where(User.username == "sw1"))
    case = open_case(sw1, referral_answers(gp_id=agencies[AgencyKind.GP_PRACTICE.value], agencies_involved=[
        agencies[AgencyKind.SCHOOL.value], agencies[AgencyKind.POLICE.value]]))
    start_assessment(case, sw1, session.scalar(select(User).where(User.username == "tm1")))
    session.commit()
    mail = MailSettings(host=smtp_server.host, port=smtp_server.port, sender="cin@partnership.example",
                        organizer="meetings@partnership.example", service_url=live_server)
    page = ui.page
    send_due_mail(mail)  # the GP's "assessment started" notice (it names the child, for the GP's record)
    journey_starts = len(smtp_server.envelopes)

    sign_in(ui, "sw1", DEMO_PASSWORD)
    open_my_task(ui, case.reference, "Convene the multi-agency meeting")  # the day-20 step of the case
    expect(page.get_by_text("convene it by")).to_be_visible()
    page.get_by_label("Role of Demo Police Officer").select_option(label="Optional")
    page.get_by_label("Day", exact=True).fill("14")
    page.get_by_label("Month", exact=True).fill("12")
    page.get_by_label("Year", exact=True).fill("2027")
    page.get_by_label("Start time (UK time)").fill("16:00")
    page.get_by_label("Where, or the online meeting link").fill("Harrogate Civic Centre, Room 2")
    ui.click("Send the invitations")
    expect(page.get_by_text("the invitations are on their way")).to_be_visible()
    meeting_url = page.url
    send_due_mail(mail)
    first = delivered(smtp_server, journey_starts)
    recipients = {to for to, method, sequence, _ in first}
    assert {"gp1@example.org", "school1@example.org", "police1@example.org", "tm1@example.org"} <= recipients
    assert all(method == "REQUEST" and sequence == 0 for _, method, sequence, _ in first)
    texts = {to: text for to, _, _, text in first}

    sign_out(ui)
    ui.goto(link(texts["gp1@example.org"], "accept"))
    expect(page.get_by_label("Yes, I will come")).to_be_checked()  # the link chose; only the button records
    ui.click("Send my answer")
    expect(page.get_by_text("Your answer has been recorded: Accepted.")).to_be_visible()
    ui.goto(link(texts["school1@example.org"], "decline"))
    page.get_by_label("Anything the convenor should know (optional)").fill("INSET day; report to follow")
    ui.click("Send my answer")

    sign_in(ui, "sw1", DEMO_PASSWORD)
    page.goto(meeting_url)
    ui.check_page()
    expect(page.get_by_role("row").filter(has_text="Demo GP")).to_contain_text("Accepted")
    expect(page.get_by_role("row").filter(has_text="Demo Class Teacher")).to_contain_text(
        "Declined: “INSET day; report to follow”")

    page.get_by_label("Day", exact=True).fill("15")
    page.get_by_label("Month", exact=True).fill("12")
    page.get_by_label("Year", exact=True).fill("2027")
    page.get_by_label("Start time (UK time)").fill("16:30")
    ui.click("Move the meeting and send updates")
    expect(page.get_by_role("row").filter(has_text="Demo GP")).to_contain_text("No answer yet")
    count = len(smtp_server.envelopes)
    send_due_mail(mail)
    updates = delivered(smtp_server, count)
    assert {to for to, *_ in updates} == recipients and all(s == 1 and m == "REQUEST" for _, m, s, _ in updates)

    # police1 presses Accept in Outlook: the iTIP REPLY e-mail is taken in by the command.
    uid, sequence = request_to(smtp_server, count, "police1@example.org")
    now = datetime.now(timezone.utc)
    accepted = clients.outlook(uid, "police1@example.org", "Demo Police Officer", "ACCEPTED", sequence=sequence,
                               stamp=now, comment="DC Demo will attend", message_id="<police1-accept@exch.example>")
    assert "Answer recorded" in ingest(app, tmp_path, accepted)
    forged = clients.outlook(uid, "police1@example.org", "Demo Police Officer", "DECLINED", sequence=sequence,
                             stamp=now, sender="someone@elsewhere.example", message_id="<forged@elsewhere.example>")
    assert "Not matched" in ingest(app, tmp_path, forged)
    # gp1 proposes another time from Outlook; sw1 declines the proposal on the meeting page.
    gp_uid, gp_sequence = request_to(smtp_server, count, "gp1@example.org")
    ingest(app, tmp_path, clients.outlook(gp_uid, "gp1@example.org", "Demo GP", "TENTATIVE", method="COUNTER",
                                          sequence=gp_sequence, stamp=now, proposed=datetime(2027, 12, 16, 10, 0),
                                          comment="Surgery all afternoon", message_id="<gp1-counter@exch.example>"))
    page.reload()
    ui.check_page()
    expect(page.get_by_role("row").filter(has_text="Demo Police Officer")).to_contain_text(
        "Accepted: “DC Demo will attend”")
    expect(page.get_by_role("row").filter(has_text="Demo Police Officer")).to_contain_text("(from their calendar)")
    expect(page.get_by_role("row").filter(has_text="Surgery all afternoon")).to_contain_text("10:00")
    ui.click("Decline the time Demo GP proposed")
    expect(page.get_by_text("Proposal declined")).to_be_visible()
    count = len(smtp_server.envelopes)
    send_due_mail(mail)
    assert [(to, m, s) for to, m, s, _ in delivered(smtp_server, count)] == [("gp1@example.org", "DECLINECOUNTER", 1)]

    page.get_by_label("Who", exact=True).select_option(label="Someone else (enter their details below)")
    page.get_by_label("Role", exact=True).select_option(label="Optional")
    page.get_by_label("Their name").fill("Demo Family Friend")
    page.get_by_label("Their e-mail address").fill("friend@example.org")
    ui.click("Invite and send their invitation")
    expect(page.get_by_role("row").filter(has_text="Demo Family Friend")).to_contain_text("optional")
    count = len(smtp_server.envelopes)
    send_due_mail(mail)
    assert [(to, m, s) for to, m, s, _ in delivered(smtp_server, count)] == [("friend@example.org", "REQUEST", 1)]
    recipients.add("friend@example.org")

    page.get_by_role("button", name="Remove Demo Police Officer").click()
    ui.check_page()
    count = len(smtp_server.envelopes)
    send_due_mail(mail)
    assert [(to, m) for to, m, _, _ in delivered(smtp_server, count)] == [("police1@example.org", "CANCEL")]

    ui.click("Cancel the meeting")
    expect(page.get_by_role("link", name="Convene the meeting")).to_be_visible()  # the step opens again
    count = len(smtp_server.envelopes)
    send_due_mail(mail)
    cancels = delivered(smtp_server, count)
    assert {to for to, *_ in cancels} == recipients - {"police1@example.org"}
    assert all(m == "CANCEL" and s == 3 for _, m, s, _ in cancels)

    everything = b"".join(e.content for e in smtp_server.envelopes[journey_starts:]).decode("utf-8", "replace")
    for private in ("Ava", "Demochild", "bruise", "Pat "):
        assert private.lower() not in everything.lower()

    sign_out(ui)
    sign_in(ui, "admin", DEMO_PASSWORD)
    ui.click("Calendar replies", role="link")
    expect(page.get_by_role("row").filter(has_text="someone@elsewhere.example")).to_contain_text(
        "it answers for police1@example.org but was sent by someone@elsewhere.example")


def test_a_private_calendar_feed_address_is_made_and_stopped(ui, partnership_committed):
    sign_in(ui, "sw1", DEMO_PASSWORD)
    ui.click("Calendar feed", role="link")
    ui.click("Make my calendar address")
    expect(ui.page.locator("#feed-address")).to_contain_text("/calendar/")
    ui.click("Stop the feed")
    expect(ui.page.get_by_text("Your calendar address no longer works")).to_be_visible()
