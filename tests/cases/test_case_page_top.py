"""The top of the case page as a working record: the child's age beside the date of birth, what happens next."""
from datetime import date

from sqlalchemy import select

from tests.cases.builders import complete, open_case, referral_answers
from tests.helpers import sign_in
from webapp.auth.models import User
from webapp.columns import age_on
from webapp.demo import DEMO_PASSWORD


def test_a_child_s_age_reads_as_practitioners_say_it():
    today = date(2026, 3, 2)
    assert age_on(date(2026, 2, 20), today) == "1 week old"
    assert age_on(date(2025, 12, 1), today) == "3 months old"
    assert age_on(date(2024, 3, 3), today) == "23 months old"
    assert age_on(date(2019, 4, 3), today) == "6 years old"


def test_the_case_page_gives_the_age_with_the_date_of_birth(client, partnership, clock):
    sw1 = partnership.scalar(select(User).where(User.username == "sw1"))
    case = open_case(sw1, referral_answers())  # born 3 April 2019; the clock stands at 2 March 2026
    partnership.commit()
    sign_in(client, "sw1", DEMO_PASSWORD)
    assert "3 April 2019 (6 years old)" in client.get(f"/cases/{case.id}").text


def _manager(session):
    return session.scalar(select(User).where(User.username == "tm1"))


def test_a_case_closed_at_referral_shows_when_and_why_and_offers_no_new_work(client, partnership, clock):
    sw1 = partnership.scalar(select(User).where(User.username == "sw1"))
    case = open_case(sw1, referral_answers())
    complete(_manager(partnership), case, "referral_decision",
             {"decision": "no_further_action", "decision_reasons": "Concern resolved by the school nurse",
              "referrer_acknowledged": False})
    partnership.commit()
    assert case.closed_at is not None
    sign_in(client, "tm1", DEMO_PASSWORD)
    page = client.get(f"/cases/{case.id}").text
    closure = page[page.index('id="closure"'):page.index("</div>", page.index('id="closure"'))]
    assert "Closed on 2 Mar 2026 09:00" in closure
    assert "Referral: no further action: Concern resolved by the school nurse" in closure
    assert "Reason for closure (Children in Need census): RC8" in closure
    assert "Decided by Demo Team Manager in 'Decide on the referral' on 2 Mar 2026 09:00" in closure
    for prompt in ("Current steps", ">Reallocate", "Request information from an agency"):
        assert prompt not in page
    assert "None: the case is closed" in page


def test_an_open_case_shows_its_next_deadline_and_no_closure(client, partnership, clock):
    sw1 = partnership.scalar(select(User).where(User.username == "sw1"))
    case = open_case(sw1, referral_answers())
    partnership.commit()
    sign_in(client, "tm1", DEMO_PASSWORD)
    page = client.get(f"/cases/{case.id}").text
    assert 'id="closure"' not in page
    summary = page[page.index("Next deadline"):page.index("What happens next")]
    assert "Due 3 Mar 2026, 1 working day left" in summary  # the referral decision: 1 working day
    assert "Current steps" in page


def test_the_history_is_collapsed_with_each_step_named_and_dated(client, partnership, clock):
    sw1 = partnership.scalar(select(User).where(User.username == "sw1"))
    case = open_case(sw1, referral_answers())
    partnership.commit()
    sign_in(client, "sw1", DEMO_PASSWORD)
    page = client.get(f"/cases/{case.id}").text
    entry = page[page.index('<details class="govuk-details app-history"'):]
    opening = entry[:entry.index(">")]
    assert " open" not in opening  # collapsed until opened
    summary = entry[:entry.index("</summary>")]
    assert "Record the referral" in summary and "Demo Social Worker One, 2 Mar 2026 09:00" in summary
