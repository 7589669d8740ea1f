"""Professional curiosity: a concern answered "yes" at referral stays in view on the assessment, the meeting's
agenda and the minutes (page and PDF) of that case."""
import io
import re
from datetime import datetime, timedelta, timezone

from pypdf import PdfReader

from tests.cases.builders import (
    convene, open_case, open_task, record_attendance, referral_answers, start_assessment, start_meeting_now,
)
from tests.helpers import sign_in
from tests.minutes.builders import FAMILY, approve, user, write
from webapp.demo import DEMO_PASSWORD
from webapp.documents.models import Document
from webapp.worker import render_documents

CONCERN = "Police called twice in January"


def test_a_concern_from_the_referral_follows_the_case(app, partnership, client, clock):
    sw1, tm1 = user(partnership, "sw1"), user(partnership, "tm1")
    case = open_case(sw1, referral_answers(domestic_abuse="yes", domestic_abuse_details=CONCERN,
                                           household_members=FAMILY))
    start_assessment(case, sw1, tm1)
    partnership.commit()
    sign_in(client, "sw1", DEMO_PASSWORD)
    assessment = client.get(f"/cases/{case.id}/steps/{open_task(case, 'assessment').task_id}")
    assert "Concerns flagged on this case" in assessment.text and f"Domestic abuse: {CONCERN}" in assessment.text

    meeting = convene(sw1, case, "convene_by_day_20", datetime.now(timezone.utc) + timedelta(hours=1))
    partnership.commit()
    agenda = client.get(f"/meetings/{meeting.id}")
    assert f"Domestic abuse: {CONCERN}" in agenda.text
    start_meeting_now(meeting)
    record_attendance(sw1, case, meeting)
    partnership.commit()
    writing = client.get(f"/cases/{case.id}/steps/{open_task(case, 'record_minutes').task_id}/minutes")
    assert f"Domestic abuse: {CONCERN}" in writing.text
    write(sw1, case)
    version = approve(tm1, case)
    partnership.commit()
    render_documents(limit=10)
    assert f"Domestic abuse: {CONCERN}" in client.get(f"/meetings/{meeting.id}/minutes").text
    pdf = partnership.get(Document, version.document_id).pdf
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    assert "Concerns flagged on the case" in text and f"Domestic abuse: {CONCERN}" in text
