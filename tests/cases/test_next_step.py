"""The next step next: finishing a step lands the person on their own next step of the case when there is one,
else on the case page with a banner saying what the case waits for. The home page is a work queue whose figures
are those of the open steps themselves."""
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from tests.cases.builders import (
    assessment_answers, complete, convene, hold_meeting, open_case, open_task, referral_answers, start_assessment,
)
from tests.helpers import post_form, sign_in
from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.cases.queries import my_tasks
from webapp.demo import DEMO_PASSWORD
from webapp.workflow.models import OpenTask


def user(session, name) -> User:
    return session.scalar(select(User).where(User.username == name))


def banner(page: str) -> str:
    found = re.search(r'govuk-notification-banner__heading">\s*(.*?)\s*</p>', page, re.S)
    return found.group(1) if found else ""


def test_a_manager_lands_on_their_next_step_of_the_case(client, partnership, clock):
    session = partnership
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers())
    start_assessment(case, sw1, tm1)
    complete(sw1, case, "assessment", assessment_answers())
    hold_meeting(sw1, case, "convene_by_day_20")
    session.commit()
    review = open_task(case, "manager_review")
    sign_in(client, "tm1", DEMO_PASSWORD)
    done = post_form(client, f"/cases/{case.id}/steps/{review.task_id}", {"_action": "submit",
                                                                          "assessment_agreed": "true"})
    session.expire_all()  # the request changed the open-step rows under this session
    outcome = open_task(case, "assessment_outcome")
    assert done.status_code == 302 and done.headers["Location"] == f"/cases/{case.id}/steps/{outcome.task_id}"
    landed = client.get(done.headers["Location"])
    assert "Decide the assessment outcome" in landed.text
    assert banner(landed.text) == (f"&#39;Review the assessment&#39; completed. Your next step on case "
                                   f"{case.reference}: &#39;Decide the assessment outcome&#39;.")


def test_with_no_step_of_their_own_the_case_page_says_who_is_next(client, partnership, clock):
    session = partnership
    sw1 = user(session, "sw1")
    case = open_case(sw1, referral_answers())
    session.commit()
    sign_in(client, "sw1", DEMO_PASSWORD)
    page = client.get(f"/cases/{case.id}").text
    decision = open_task(case, "referral_decision")
    assert decision.role == "team_manager"
    expected = f"Next: &#39;{decision.name}&#39;, for the team manager, due"
    assert expected in page  # the case page's "What happens next"


def test_a_booked_meeting_is_what_happens_next_when_no_step_waits(client, partnership, clock):
    session = partnership
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers())
    start_assessment(case, sw1, tm1)
    starts = datetime(2026, 3, 10, 10, 0, tzinfo=timezone.utc)
    convene(sw1, case, "convene_by_day_20", starts, location="Harrogate Civic Centre")
    session.commit()
    assessment = open_task(case, "assessment")
    sign_in(client, "sw1", DEMO_PASSWORD)
    answers = {"_action": "submit", **{k: ("true" if v is True else "false" if v is False else v)
                                       for k, v in assessment_answers().items() if not isinstance(v, list)}}
    done = post_form(client, f"/cases/{case.id}/steps/{assessment.task_id}", answers)
    assert done.status_code == 302, done.text
    session.expire_all()
    assert session.scalars(select(OpenTask).where(OpenTask.subject_type == "cases",
                                                  OpenTask.subject_id == case.id)).all() == []
    # No step is open until the meeting is held: the booked meeting is next, with its time and place.
    assert done.headers["Location"] == f"/cases/{case.id}"
    page = client.get(done.headers["Location"]).text
    assert banner(page) == ("&#39;Carry out the assessment&#39; completed. Next: the multi-agency meeting "
                            "on 10 Mar 2026 10:00 at Harrogate Civic Centre.")
    assert "No step is waiting" not in page


def test_the_home_page_lists_my_steps_due_soonest_first_and_the_navigation_counts_them(client, partnership, clock):
    session = partnership
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    first = open_case(sw1, referral_answers("Ava", "Demochild", "HG1 1AA"))
    clock.shift(timedelta(days=1))
    second = open_case(sw1, referral_answers("Leo", "Example", "HG2 2BB"))
    session.commit()
    decisions = session.scalars(select(OpenTask).where(OpenTask.bpmn_id == "referral_decision")
                                .order_by(OpenTask.due_at)).all()
    assert [t.subject_id for t in decisions] == [first.id, second.id]
    sign_in(client, "tm1", DEMO_PASSWORD)
    home = client.get("/").text
    listed = re.findall(r'/cases/(\d+)/steps/[^"]+">Decide on the referral', home)
    assert [int(case_id) for case_id in listed] == [first.id, second.id]  # due soonest first
    count = session.scalar(select(func.count()).select_from(OpenTask).join(
        Case, Case.id == OpenTask.subject_id).where(OpenTask.subject_type == "cases", Case.team_id == tm1.team_id,
                                                    OpenTask.roles.contains("team_manager")))
    assert count == len(my_tasks(tm1)) >= 2
    assert f"My tasks ({count})" in home and f"Your open steps ({count})" in home


def test_my_tasks_sorts_filters_and_pages_on_the_server(client, partnership, clock):
    session = partnership
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    cases = [open_case(sw1, referral_answers("Ava", f"Example{n}", f"HG{n} 1AA")) for n in range(3)]
    decisions = {t.subject_id: t for t in session.scalars(select(OpenTask).where(OpenTask.bpmn_id == "referral_decision"))}
    decisions[cases[0].id].due_at = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)  # overdue on 2 March
    decisions[cases[1].id].due_at = datetime(2026, 3, 3, 17, 0, tzinfo=timezone.utc)  # due within two working days
    decisions[cases[2].id].due_at = datetime(2026, 3, 20, 17, 0, tzinfo=timezone.utc)
    session.commit()
    sign_in(client, "tm1", DEMO_PASSWORD)

    def listed(query: str) -> list[int]:
        page = client.get(f"/tasks{query}")
        assert page.status_code == 200
        return [int(found) for found in re.findall(r'<td class="govuk-table__cell"><a class="govuk-link" '
                                                  r'href="/cases/(\d+)">', page.text)]

    ours = {c.id for c in cases}
    assert [c for c in listed("") if c in ours] == [cases[0].id, cases[1].id, cases[2].id]  # due soonest first
    assert listed("?show=overdue") == [cases[0].id]
    assert [c for c in listed("?show=soon") if c in ours] == [cases[1].id]
    assert [c for c in listed("?sort=case") if c in ours] == sorted(ours)
    assert len(my_tasks(tm1, order="due", due="overdue", now=datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))) == 1
