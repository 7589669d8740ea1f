"""A meeting's time reads as people write it: the day once when the meeting starts and ends on it, in UK time
(British Summer Time included), on its page as in the minutes."""
from datetime import datetime, timezone

from sqlalchemy import select

from tests.cases.builders import (
    convene, open_case, open_task, referral_answers, start_assessment, take_to_first_review,
)
from tests.helpers import sign_in
from webapp.auth.models import User
from webapp.columns import time_span
from webapp.demo import DEMO_PASSWORD


def test_one_day_gives_its_date_once_and_two_days_give_both():
    assert time_span(datetime(2026, 12, 3, 16, 25, tzinfo=timezone.utc),
                     datetime(2026, 12, 3, 17, 25, tzinfo=timezone.utc)) == "3 December 2026, 16:25 to 17:25"
    assert time_span(datetime(2026, 6, 3, 9, 0, tzinfo=timezone.utc),  # 10:00 BST
                     datetime(2026, 6, 4, 8, 30, tzinfo=timezone.utc)) == "3 June 2026, 10:00 to 4 June 2026, 09:30"


def test_the_meeting_page_shows_the_time_so(client, partnership, clock):
    sw1, tm1 = (partnership.scalar(select(User).where(User.username == name)) for name in ("sw1", "tm1"))
    case = open_case(sw1, referral_answers())
    start_assessment(case, sw1, tm1)
    meeting = convene(sw1, case, "convene_by_day_20", datetime(2026, 3, 10, 10, 0, tzinfo=timezone.utc))
    partnership.commit()
    sign_in(client, "sw1", DEMO_PASSWORD)
    assert "10 March 2026, 10:00 to 11:00" in client.get(f"/meetings/{meeting.id}").text


def test_only_the_day_20_meeting_speaks_of_the_rationale(client, partnership, clock):
    sw1, tm1 = (partnership.scalar(select(User).where(User.username == name)) for name in ("sw1", "tm1"))
    day20 = open_case(sw1, referral_answers())
    start_assessment(day20, sw1, tm1)
    review = open_case(sw1, referral_answers("Leo", "Example", "HG2 2BB"))
    take_to_first_review(review, sw1, tm1, "2026-03-02")
    partnership.commit()
    sign_in(client, "sw1", DEMO_PASSWORD)
    rationale = "or the team manager must sign a rationale"
    first = client.get(f"/cases/{day20.id}/steps/{open_task(day20, 'convene_by_day_20').task_id}/convene").text
    later = client.get(f"/cases/{review.id}/steps/{open_task(review, 'convene_meeting').task_id}/convene").text
    assert rationale in first and "Child in need review meeting" in later and rationale not in later
