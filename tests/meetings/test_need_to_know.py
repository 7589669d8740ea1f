"""Need-to-know for meetings: a school's designated safeguarding lead is invited and the class teacher is not.
The class teacher reads nothing of that meeting anywhere (its page, minutes, PDF, the API, My meetings, an
escalation about it); the lead reads all of it. An invitation to the agency's shared mailbox is the lead's to
read. Refusals read exactly like a record that does not exist."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests.cases.builders import (
    convene, open_case, record_attendance, referral_answers, start_assessment, start_meeting_now,
)
from tests.helpers import csrf_token, signed_in
from tests.minutes.builders import approve, user, write
from webapp.agencies.models import Agency, AgencyKind
from webapp.api import tokens
from webapp.audit.services import NO_ORIGIN
from webapp.documents.models import Document
from webapp.documents.services import queue_document, store_pdf
from webapp.escalations.models import Escalation
from webapp.information_requests.services import request_information
from webapp.meetings import services as meeting_services
from webapp.meetings.services import configured_mailing
from webapp.meetings.models import Invitee
from webapp.worker import render_documents

MISSING = 2**31 - 1


def now():
    return datetime.now(timezone.utc)


@pytest.fixture
def lead_only(app, partnership, clock):
    """A case with the school involved; its day-20 meeting, with the school's safeguarding lead invited (not the
    class teacher), held, and its minutes issued and printed."""
    session = partnership
    sw1, tm1, lead = user(session, "sw1"), user(session, "tm1"), user(session, "school_lead1")
    agencies = {a.kind: a.id for a in session.scalars(select(Agency))}
    case = open_case(sw1, referral_answers(gp_id=agencies[AgencyKind.GP_PRACTICE.value],
                                           agencies_involved=[agencies[AgencyKind.SCHOOL.value]]))
    start_assessment(case, sw1, tm1)
    offered = [c.key for c in meeting_services.candidates(sw1, case.id)]
    assert f"user-{user(session, 'school1').id}" in offered  # the class teacher could have been invited
    meeting = convene(sw1, case, "convene_by_day_20", now() + timedelta(hours=1),
                      invitees=[key for key in offered if key != f"user-{user(session, 'school1').id}"])
    assert {i.user_id for i in meeting.current_invitees} >= {lead.id}
    start_meeting_now(meeting)
    record_attendance(sw1, case, meeting)
    write(sw1, case)
    version = approve(tm1, case)
    session.commit()
    render_documents(limit=10)
    return meeting.id, version.document_id



def api_token(session, username):
    _, token = tokens.create_personal_token(user(session, username), "need-to-know", days=30,
                                            origin=NO_ORIGIN, now=now())
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def escalation_form(client, about):
    page = client.get("/escalations/new")
    return page, {"csrf_token": csrf_token(page.text), "immediate_risk": "no", "about": about, "category": "roles",
                  "description": "Who visits", "risk_now": "Low", "outcome_sought": "Clarity"}


def test_the_class_teacher_reads_nothing_of_a_meeting_only_the_lead_was_invited_to(app, partnership, lead_only):
    meeting_id, document_id = lead_only
    teacher = signed_in(app, "school1")
    assert teacher.get(f"/meetings/{meeting_id}").status_code == 404
    assert teacher.get(f"/meetings/{meeting_id}/minutes").status_code == 404
    assert teacher.get(f"/documents/{document_id}.pdf").status_code == 404
    assert app.test_client().get(f"/api/v1/meetings/{meeting_id}",
                                 headers=api_token(partnership, "school1")).status_code == 404
    assert f"/meetings/{meeting_id}/minutes" not in teacher.get("/my-meetings").text
    page, forged = escalation_form(teacher, f"meeting-{meeting_id}")
    assert f'value="meeting-{meeting_id}"' not in page.text  # not offered
    refused = teacher.post("/escalations/new", data=forged)
    assert refused.status_code == 400 and "Select what you disagree with" in refused.text
    assert partnership.scalar(select(func.count(Escalation.id))) == 0


def test_the_invited_safeguarding_lead_reads_all_of_it(app, partnership, lead_only):
    meeting_id, document_id = lead_only
    lead = signed_in(app, "school_lead1")
    page = lead.get(f"/meetings/{meeting_id}")  # the invitee's page: not the staff's, with every invitee's answer
    assert page.status_code == 200 and "Agenda" in page.text and "Invitees and their answers" not in page.text
    minutes = lead.get(f"/meetings/{meeting_id}/minutes")
    assert minutes.status_code == 200 and f"/documents/{document_id}.pdf" in minutes.text
    pdf = lead.get(f"/documents/{document_id}.pdf")
    assert pdf.status_code == 200 and pdf.data == partnership.get(Document, document_id).pdf
    api = app.test_client().get(f"/api/v1/meetings/{meeting_id}", headers=api_token(partnership, "school_lead1"))
    assert api.status_code == 200 and api.json["minutes"][0]["document_id"] == document_id
    assert "invitees" not in api.json  # the family's answers are for the staff
    assert f"/meetings/{meeting_id}/minutes" in lead.get("/my-meetings").text
    page, form = escalation_form(lead, f"meeting-{meeting_id}")
    assert f'value="meeting-{meeting_id}"' in page.text
    assert lead.post("/escalations/new", data=form).status_code == 302
    raised = partnership.scalar(select(Escalation))
    assert raised.raised_by.username == "school_lead1" and raised.about.startswith("Multi-agency meeting on")
    staff = app.test_client().get(f"/api/v1/meetings/{meeting_id}", headers=api_token(partnership, "sw1"))
    assert staff.status_code == 200
    assert "Demo Designated Safeguarding Lead" in {i["name"] for i in staff.json["invitees"]}


def test_an_information_request_to_the_lead_by_name_is_challenged_by_the_lead_only(app, partnership, lead_only):
    """Escalation choices follow the same per-person rule for information requests as the requests page."""
    school = partnership.scalar(select(Agency).where(Agency.kind == AgencyKind.SCHOOL.value))
    named = request_information(user(partnership, "sw1"), partnership.get(Document, lead_only[1]).case_id, school.id,
                                "What do you know?", addressed_to_id=user(partnership, "school_lead1").id,
                                origin=NO_ORIGIN, now=now())
    partnership.commit()
    assert f'value="request-{named.id}"' in signed_in(app, "school_lead1").get("/escalations/new").text
    teacher = signed_in(app, "school1")
    page, forged = escalation_form(teacher, f"request-{named.id}")
    assert f'value="request-{named.id}"' not in page.text
    assert teacher.post("/escalations/new", data=forged).status_code == 400


def test_an_invitation_to_the_agency_mailbox_is_the_safeguarding_lead_s_to_read(app, partnership, clock):
    """Sent to the school's shared mailbox, not to a person: its designated safeguarding lead reads it, the other
    teachers do not; nor does the lead once someone else is designated, nor anyone once it is withdrawn."""
    session = partnership
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    school = session.scalar(select(Agency).where(Agency.kind == AgencyKind.SCHOOL.value))
    case = open_case(sw1, referral_answers(given="Bo", family="Democase"))
    start_assessment(case, sw1, tm1)
    meeting = convene(sw1, case, "convene_by_day_20", now() + timedelta(days=2), invitees=[f"user-{sw1.id}"])
    assert not any(i.agency_id == school.id for i in meeting.current_invitees)
    mailbox = Invitee(name=school.name, email=school.email, kind="agency", user_id=None, agency_id=school.id)
    meeting.invitees.append(mailbox)
    session.commit()
    address = f"/meetings/{meeting.id}/minutes"
    assert signed_in(app, "school_lead1").get(address).status_code == 200
    assert signed_in(app, "school1").get(address).status_code == 404
    assert signed_in(app, "gp1").get(address).status_code == 404
    school.safeguarding_lead_id = user(session, "school1").id
    session.commit()
    assert signed_in(app, "school_lead1").get(address).status_code == 404
    assert signed_in(app, "school1").get(address).status_code == 200
    meeting_services.remove_invitee(sw1, meeting.id, mailbox.id, mailing=configured_mailing(), origin=NO_ORIGIN,
                                    now=now())
    session.commit()
    assert signed_in(app, "school1").get(address).status_code == 404


def _refusal(response) -> tuple[int, str]:
    """Status and page, less what differs on every response (the CSP nonce and the form token)."""
    body = re.sub(r'nonce="[^"]*"', 'nonce=""', response.text)
    return response.status_code, re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', body)


def test_a_forbidden_record_and_a_missing_one_are_refused_word_for_word(app, partnership, lead_only):
    meeting_id, document_id = lead_only
    case_id = partnership.get(Document, document_id).case_id
    plan = queue_document(case_id, "cin_plan", 1, "Child in need plan", now())
    store_pdf(plan, b"%PDF-1.7 plan", now())
    partnership.commit()
    teacher = signed_in(app, "school1")
    missing = _refusal(teacher.get(f"/documents/{MISSING}.pdf"))
    assert missing[0] == 404 and "There is no such document" in missing[1]
    assert _refusal(teacher.get(f"/documents/{document_id}.pdf")) == missing  # minutes, not invited
    assert _refusal(teacher.get(f"/documents/{plan.id}.pdf")) == missing  # a plan, no case access
    assert signed_in(app, "sw1").get(f"/documents/{plan.id}.pdf").status_code == 200
    assert _refusal(teacher.get(f"/meetings/{meeting_id}")) == _refusal(teacher.get(f"/meetings/{MISSING}"))
    assert (_refusal(teacher.get(f"/meetings/{meeting_id}/minutes"))
            == _refusal(teacher.get(f"/meetings/{MISSING}/minutes")))
    headers = api_token(partnership, "school1")
    api = app.test_client()
    forbidden, absent = api.get(f"/api/v1/meetings/{meeting_id}", headers=headers), \
        api.get(f"/api/v1/meetings/{MISSING}", headers=headers)
    assert (forbidden.status_code, forbidden.json) == (absent.status_code, absent.json) and absent.status_code == 404
