"""The top of the case page as a working record: the child's age beside the date of birth, what happens next."""
from datetime import date

from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers
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
