"""One rule says how a child is identified to a reader (webapp/agencies/identification.py): name, date of birth
and the NHS number where recorded; a health agency and the records every agency files say when there is none;
the referral records a real NHS number and refuses one whose check digit is wrong. What a GP practice receives
is read back as it receives it (the e-mail from a real SMTP server, the answer page its link opens, the minutes
PDF) and shows the same identifiers; subjects and calendar invitations never do."""
import html
import io
import re
from datetime import date, datetime, timedelta, timezone
from email import message_from_bytes, policy
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.cases.builders import (
    convene, open_case, record_attendance, referral_answers, start_assessment, start_meeting_now,
)
from tests.minutes.builders import approve, write
from webapp.agencies.identification import (
    formatted_nhs_number, normal_nhs_number, patient_identification, valid_nhs_number,
)
from webapp.agencies.models import Agency, AgencyKind
from webapp.auth.models import User
from webapp.config import MailSettings
from webapp.documents.models import Document
from webapp.errors import InvalidInput
from webapp.worker import render_documents, send_due_mail


def child(nhs_number=None, born=date(2019, 4, 3), expected=None):
    return SimpleNamespace(full_name="Ava Demochild", date_of_birth=born, expected_delivery_on=expected,
                           nhs_number=nhs_number)


def agency(kind: AgencyKind):
    return SimpleNamespace(kind=kind.value)


def test_every_reader_gets_name_birth_and_nhs_number_and_a_gp_is_told_which_patient():
    ava = child("9434765919")
    for reader in (None, agency(AgencyKind.GP_PRACTICE), agency(AgencyKind.SCHOOL), agency(AgencyKind.POLICE)):
        shown = patient_identification(ava, reader)
        assert shown.rows == (("Name", "Ava Demochild"), ("Date of birth", "3 April 2019"),
                              ("NHS number", "943 476 5919"))
        assert shown.line == "Ava Demochild, born 3 April 2019, NHS number 943 476 5919"
    assert patient_identification(ava, agency(AgencyKind.GP_PRACTICE)).heading == "Which patient this is"
    assert patient_identification(ava, agency(AgencyKind.HEALTH_VISITING)).heading == "Which patient this is"
    assert patient_identification(ava, agency(AgencyKind.SCHOOL)).heading == "Which child this is"
    assert patient_identification(ava).heading == "Which child this is"


def test_without_an_nhs_number_health_and_the_records_say_so_other_agencies_are_not_told_of_it():
    ava = child()
    for reader in (None, agency(AgencyKind.GP_PRACTICE), agency(AgencyKind.MIDWIFERY)):
        assert patient_identification(ava, reader).rows[-1] == ("NHS number", "Not recorded")
        assert patient_identification(ava, reader).line == "Ava Demochild, born 3 April 2019, NHS number not recorded"
    assert patient_identification(ava, agency(AgencyKind.SCHOOL)).rows == (
        ("Name", "Ava Demochild"), ("Date of birth", "3 April 2019"))
    unborn = child(born=None, expected=date(2026, 6, 10))
    assert patient_identification(unborn, agency(AgencyKind.SCHOOL)).line == "Ava Demochild, expected 10 June 2026"


def test_the_nhs_number_check_digit():
    assert valid_nhs_number("9434765919") and valid_nhs_number("9990000018")
    assert not valid_nhs_number("9434765918")  # one digit wrong
    assert not valid_nhs_number("0000000000") and not valid_nhs_number("943476591")
    assert not valid_nhs_number("943476591x") and not valid_nhs_number("٩٤٣٤٧٦٥٩١٩")  # Arabic-Indic digits
    assert normal_nhs_number(" 943 476-5919 ") == "9434765919" and normal_nhs_number("  ") is None
    assert formatted_nhs_number("9434765919") == "943 476 5919"


def test_the_referral_records_the_nhs_number_and_refuses_a_wrong_one(app, partnership):
    sw1 = partnership.scalar(select(User).where(User.username == "sw1"))
    case = open_case(sw1, referral_answers(child_nhs_number="943 476 5919"))
    assert case.child.nhs_number == "9434765919"
    assert open_case(sw1, referral_answers("Mia", "Sampleton", postcode="HG2 2BB")).child.nhs_number is None
    with pytest.raises(InvalidInput) as refused:
        open_case(sw1, referral_answers("Leo", child_nhs_number="943 476 5918"))
    assert refused.value.field_errors == {"child_nhs_number": "Enter a real NHS number: 10 digits, like 943 476 5919"}
    with pytest.raises(InvalidInput) as refused:
        open_case(sw1, referral_answers("Leo", child_nhs_number="NHS 943"))
    assert refused.value.field_errors == {"child_nhs_number": "Enter the child's NHS number in the correct format"}
    gp = partnership.scalar(select(Agency).where(Agency.kind == AgencyKind.GP_PRACTICE.value))
    assert patient_identification(case.child, gp).line == "Ava Demochild, born 3 April 2019, NHS number 943 476 5919"


# -- what each recipient gets, read back: the e-mail from a real SMTP server, the answer page, the PDF --------

def received(smtp_server, address):
    """[(subject, text parts, calendar parts)] delivered to the address."""
    found = []
    for envelope in smtp_server.envelopes:
        if address in envelope.rcpt_tos:
            message = message_from_bytes(envelope.content, policy=policy.default)
            parts = [p.get_content() for p in message.walk() if p.get_content_type() in ("text/plain", "text/html")]
            calendars = [p.get_content() if isinstance(p.get_content(), str) else p.get_content().decode()
                         for p in message.walk() if p.get_content_type() in ("text/calendar", "application/ics")
                         or p.get_filename() == "invite.ics"]
            found.append((message["Subject"], parts, calendars))
    return found


def page_text(page) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


def test_the_gp_reads_the_same_identifiers_in_its_e_mail_on_its_answer_page_and_in_the_minutes_pdf(
        app, partnership, clock, smtp_server, client):
    session = partnership
    agencies = {a.kind: a for a in session.scalars(select(Agency))}
    gp, school = agencies[AgencyKind.GP_PRACTICE.value], agencies[AgencyKind.SCHOOL.value]
    sw1, tm1 = (session.scalar(select(User).where(User.username == name)) for name in ("sw1", "tm1"))
    case = open_case(sw1, referral_answers(gp_id=gp.id, agencies_involved=[school.id],
                                           child_nhs_number="999 000 0018"))
    start_assessment(case, sw1, tm1)
    meeting = convene(sw1, case, "convene_by_day_20", datetime.now(timezone.utc) + timedelta(days=7))
    session.commit()
    send_due_mail(MailSettings(host=smtp_server.host, port=smtp_server.port, sender="cin@partnership.example",
                               organizer="meetings@partnership.example", service_url="https://cin.example"))
    rule = patient_identification(case.child, gp)
    values = [value for _, value in rule.rows]
    assert values == ["Ava Demochild", "3 April 2019", "999 000 0018"]

    (subject, parts, _), = received(smtp_server, gp.email)  # the practice's notice: assessment started
    assert f"Child: {rule.line}" in parts[0].splitlines()
    (invite_subject, invite_parts, calendars), = received(smtp_server, "gp1@example.org")
    answer_path = re.search(r"Accept: \S+?(/answer/\S+)", invite_parts[0]).group(1)
    answer_page = page_text(client.get(answer_path))
    assert "Which patient this is" in answer_page
    for label, value in rule.rows:
        assert f"{label} {value}" in answer_page, (label, value)

    start_meeting_now(meeting)
    record_attendance(sw1, case, meeting)
    write(sw1, case)
    version = approve(tm1, case)
    session.commit()
    assert render_documents(limit=10) == (1, False)
    session.expire_all()
    pdf = PdfReader(io.BytesIO(session.get(Document, version.document_id).pdf))
    first_page = re.sub(r"\s+", " ", pdf.pages[0].extract_text())
    for label, value in patient_identification(case.child).rows:  # the record every reader files: the same three
        assert f"{'Child' if label == 'Name' else label} {value}" in first_page, (label, value)

    # Never in a subject or a calendar invitation; the school's mailbox, not secure, is not told them by e-mail.
    (school_subject, school_parts, _), = received(smtp_server, school.email)
    for value in (*values, "9990000018", "Ava"):
        for text in (subject, invite_subject, school_subject, *calendars, *school_parts):
            assert value not in text, (value, text[:80])
    assert len(calendars) == 2 and all("BEGIN:VEVENT" in text for text in calendars)  # the part and invite.ics
