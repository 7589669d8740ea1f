"""The records an audit row is about, in words ("Case CIN-000001", "Initial child in need meeting on 3 December
2026", "Information request to Demo Primary School"), each kind read once for a whole page; and a case's own
trail in the same words, for its managers only."""
from datetime import datetime, timedelta, timezone

import lxml.html
from sqlalchemy import event, select

from tests.cases.builders import open_case, referral_answers
from tests.helpers import signed_in
from webapp.agencies.models import Agency
from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.extensions import db
from webapp.information_requests.models import InformationRequest
from webapp.meetings.models import Meeting

MEETING_AT = datetime(2026, 12, 3, 16, 25, tzinfo=timezone.utc)


def user(session, name) -> User:
    return session.scalar(select(User).where(User.username == name))


def meeting(session, case, convenor, starts_at=MEETING_AT) -> Meeting:
    row = Meeting(case_id=case.id, kind="initial_cin", uid=f"test-{starts_at.isoformat()}@example.org",
                  starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), location="Room 1",
                  convened_by_id=convenor.id)
    session.add(row)
    session.flush()
    return row


def rows(page) -> list[list[str]]:
    return [[" ".join(" ".join(cell.itertext()).split()) for cell in row.xpath("td")]
            for row in lxml.html.fromstring(page.text).xpath("//table/tbody/tr")]


def test_the_record_column_names_cases_meetings_and_requests_in_words(app, partnership):
    sw1, gp1 = user(partnership, "sw1"), user(partnership, "gp1")
    case = open_case(sw1, referral_answers())
    booked = meeting(partnership, case, sw1)
    school = partnership.scalar(select(Agency).where(Agency.name == "Demo Primary School"))
    asked = InformationRequest(case_id=case.id, agency_id=school.id, question="Attendance?", requested_by_id=sw1.id)
    partnership.add(asked)
    partnership.flush()
    record_event("meeting.viewed", actor=sw1, subject=case, detail={"meeting_id": booked.id})
    record_event("information_request.viewed", actor=gp1, subject=asked)
    record_event("case.diagram_viewed", actor=sw1, subject=case)
    record_event("test.something_new", actor=sw1, subject=("widgets", 7))

    shown = rows(signed_in(app, "admin").get("/admin/audit/"))
    whats = {row[2]: row for row in shown}
    assert whats["Looked at a meeting"][1:4] == [
        "Demo Social Worker One (sw1)", "Looked at a meeting",
        f"Case {case.reference} Initial child in need meeting on 3 December 2026"]
    assert whats["Looked at an information request"][1:4] == [
        "Demo GP (gp1)", "Looked at an information request", "Information request to Demo Primary School"]
    assert whats["Looked at the process diagram"][3] == f"Case {case.reference}"
    assert whats["Test: something new"][3] == "Widget 7"  # no words for either: readable all the same
    assert not any(row[2] in {"meeting.viewed", "case.diagram_viewed"} for row in shown)


def test_each_kind_of_record_is_read_once_for_the_page(app, partnership):
    sw1 = user(partnership, "sw1")
    case = open_case(sw1, referral_answers())
    for day in range(20):
        booked = meeting(partnership, case, sw1, MEETING_AT + timedelta(days=day))
        record_event("meeting.viewed", actor=sw1, subject=case, detail={"meeting_id": booked.id})
    admin = signed_in(app, "admin")
    statements = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        page = admin.get("/admin/audit/")
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert "Initial child in need meeting on 22 December 2026" in page.text
    assert len([s for s in statements if "FROM meetings" in s]) == 1
    # The names of who acted and of the accounts rows are about: one read (the signed-in person is another).
    assert len([s for s in statements if s.startswith("SELECT users.id, users.full_name, users.username")]) == 1


def test_a_case_s_own_trail_is_in_the_same_words_for_its_managers_only(app, partnership):
    sw1 = user(partnership, "sw1")
    case = open_case(sw1, referral_answers())
    booked = meeting(partnership, case, sw1)
    record_event("meeting.rescheduled", actor=sw1, subject=case, detail={"meeting_id": booked.id})
    partnership.commit()

    worker = signed_in(app, "sw1")
    assert worker.get(f"/cases/{case.id}/diagram.json").status_code == 200
    assert worker.get(f"/cases/{case.id}/audit").status_code == 403
    assert signed_in(app, "gp1").get(f"/cases/{case.id}/audit").status_code == 404
    assert signed_in(app, "admin").get(f"/cases/{case.id}/audit").status_code in {403, 404}

    page = signed_in(app, "tm1").get(f"/cases/{case.id}/audit")
    assert page.status_code == 200
    shown = rows(page)
    assert ["Demo Social Worker One (sw1)", "Looked at the process diagram", ""] in [row[1:4] for row in shown]
    assert ["Demo Social Worker One (sw1)", "Moved a meeting to a new time or place",
            "Initial child in need meeting on 3 December 2026"] in [row[1:4] for row in shown]
    assert "Recorded a referral: the case opened" in page.text
    assert "case.diagram_viewed" not in page.text and "meeting.rescheduled" not in page.text
