"""An information request shows its due date, the running timer's own, on the agency's list, the request page,
the request e-mail and the case page; "Overdue" once it passed unanswered and "Chased" once the chaser went. An
administrator's settings change mid-request moves every one of them, and the chaser fires on the new date."""
from datetime import datetime, timezone

from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers
from tests.helpers import deadline_pass, signed_in
from webapp.agencies.models import Agency, AgencyKind
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.information_requests import services
from webapp.mail.models import OutboxMessage
from webapp.partnership.services import change_settings
from webapp.workflow.dues import timer_due


def user(session, username):
    return session.scalar(select(User).where(User.username == username))




def mail(session, subject_start):
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.subject.like(f"{subject_start}%"),
                                                            OutboxMessage.to_address == "school1@example.org")))


def row_of(html: str, reference: str) -> str:
    """The agency list's row for a case (its cells' text, tags included)."""
    start = html.index(f"case {reference}")
    return html[start:html.index("</tr>", start)]


def test_the_due_date_is_the_timer_s_everywhere_and_moves_with_the_setting(app, partnership_committed, clock):
    session = partnership_committed
    clock.move_to(datetime(2026, 3, 6, 10, 0, tzinfo=timezone.utc))  # Friday: 5 working days -> Fri 13 March
    case = open_case(user(session, "sw1"), referral_answers())
    school = session.scalar(select(Agency).where(Agency.kind == AgencyKind.SCHOOL.value))
    request = services.request_information(user(session, "sw1"), case.id, school.id, "What do you know?",
                                           addressed_to_id=None, origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    session.commit()
    asked, = mail(session, "Information request:")
    assert "Please answer by 13 March 2026." in asked.body_text
    assert timer_due(request.workflow_instance_id, "answer_due").at == datetime(2026, 3, 13, 23, 59, 59,
                                                                                tzinfo=timezone.utc)

    change_settings(user(session, "admin"), {"information_request_working_days": "7"}, origin=NO_ORIGIN)
    session.commit()
    deadline_pass()  # re-armed: due Tue 17 March, the team manager told after Thu 19 March
    due = timer_due(request.workflow_instance_id, "answer_due")
    assert due.at == datetime(2026, 3, 17, 23, 59, 59, tzinfo=timezone.utc) and due.waiting
    school1 = signed_in(app, "school1")
    assert "17 March 2026" in row_of(school1.get("/requests").text, case.reference)
    assert "17 March 2026" in school1.get(f"/requests/{request.id}").text
    assert "Answer: Due 17 Mar 2026" in signed_in(app, "sw1").get(f"/cases/{case.id}").text

    clock.move_to(datetime(2026, 3, 14, 0, 0, 1, tzinfo=timezone.utc))  # the old date: nothing happens
    deadline_pass()
    assert mail(session, "Reminder") == []
    row = row_of(signed_in(app, "school1").get("/requests").text, case.reference)
    assert "Overdue" not in row and "Awaiting an answer" in row

    clock.move_to(datetime(2026, 3, 18, 0, 0, 1, tzinfo=timezone.utc))  # past the new date, before the pass
    row = row_of(signed_in(app, "school1").get("/requests").text, case.reference)
    assert "Overdue" in row and "Awaiting an answer" in row
    deadline_pass()
    reminder, = mail(session, "Reminder")
    assert "It was due by 17 March 2026." in reminder.body_text
    assert "If it is not answered by 19 March 2026, the team manager is told." in reminder.body_text
    school1 = signed_in(app, "school1")
    row = row_of(school1.get("/requests").text, case.reference)
    assert "Chased" in row and "Overdue" in row and "17 March 2026" in row
    page = school1.get(f"/requests/{request.id}").text
    assert "Chased" in page and "Overdue" in page and "17 March 2026" in page
    case_page = signed_in(app, "sw1").get(f"/cases/{case.id}").text
    assert "chased" in case_page and "Answer: Overdue since 17 Mar 2026" in case_page
