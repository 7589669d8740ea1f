"""Contact or referral: the front door's decision records what the contact became (the decision form's
x-front-door), the census counting referrals only; the case page says which."""
import json

import pytest
from sqlalchemy import select

from tests.cases.builders import complete, open_case, referral_answers, start_assessment
from tests.helpers import sign_in
from webapp.auth.models import User
from webapp.cases.contacts import CONTACT, REFERRAL, REFERRAL_NFA
from webapp.config import PROJECT_ROOT
from webapp.demo import DEMO_PASSWORD

DECISION = json.loads((PROJECT_ROOT / "workflows" / "forms" / "referral_decision.json").read_text())


def user(session, name) -> User:
    return session.scalar(select(User).where(User.username == name))


def test_every_decision_choice_says_what_the_contact_became():
    outcomes = {choice["const"]: choice.get("x-front-door") for choice in DECISION["properties"]["decision"]["oneOf"]}
    assert outcomes == {"no_further_action": REFERRAL_NFA, "advice": CONTACT, "early_help": CONTACT,
                        "section17_assessment": REFERRAL, "strategy_discussion": REFERRAL}


@pytest.mark.parametrize(("decision", "outcome", "words"), [
    ("advice", CONTACT, "A contact: it did not become a referral"),
    ("no_further_action", REFERRAL_NFA, "A referral, with no further action"),
])
def test_a_contact_closed_at_the_front_door_is_recorded_as_what_it_became(client, partnership, clock, decision,
                                                                        outcome, words):
    case = open_case(user(partnership, "sw1"), referral_answers())
    assert case.front_door_outcome is None  # a contact until the front door decides
    complete(user(partnership, "tm1"), case, "referral_decision",
             {"decision": decision, "decision_reasons": "x", "referrer_acknowledged": False})
    partnership.commit()
    assert case.front_door_outcome == outcome
    sign_in(client, "tm1", DEMO_PASSWORD)
    page = client.get(f"/cases/{case.id}").text
    assert words in page[page.index("Contact or referral"):]


def test_an_assessment_makes_it_a_referral_and_a_waiting_contact_says_so(client, partnership, clock):
    sw1, tm1 = user(partnership, "sw1"), user(partnership, "tm1")
    waiting = open_case(sw1, referral_answers("Leo"))
    assessed = open_case(sw1, referral_answers())
    start_assessment(assessed, sw1, tm1)
    partnership.commit()
    assert (waiting.front_door_outcome, assessed.front_door_outcome) == (None, REFERRAL)
    sign_in(client, "sw1", DEMO_PASSWORD)
    assert "Waiting for the front door&#39;s decision" in client.get(f"/cases/{waiting.id}").text
