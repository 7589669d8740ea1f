"""One place commits (webapp/database.py, commit_each_request): what a view did is committed when it returns and
rolled back when it raises; a refusal a page shows again undoes only the refused call; views never commit."""
import re
from pathlib import Path

from sqlalchemy import func, select

from tests.cases.builders import referral_answers
from tests.helpers import csrf_token, signed_in
from webapp.api import pages as token_pages
from webapp.audit.models import AuditEvent
from webapp.audit.services import record_event
from webapp.cases import referrals
from webapp.cases.models import Case
from webapp.errors import InvalidInput

WEBAPP = Path(__file__).resolve().parents[2] / "webapp"


def referral_form(answers: dict) -> dict:
    form = {key: value for key, value in answers.items() if not isinstance(value, (list, bool))}
    form |= {key: ("true" if value else "false") for key, value in answers.items() if isinstance(value, bool)}
    return form | {"child_date_of_birth-day": "3", "child_date_of_birth-month": "4", "child_date_of_birth-year": "2021"}


def test_a_view_that_raises_after_writing_leaves_nothing(app, partnership_committed, monkeypatch):
    session = partnership_committed
    client = signed_in(app, "sw1")
    page = client.get("/referrals/new")

    def fails_after_the_case_was_made(actor):
        raise RuntimeError("the draft could not be discarded")

    monkeypatch.setattr(referrals, "discard_referral_draft", fails_after_the_case_was_made)
    form = referral_form(referral_answers("Una", "Onlyone", "YO1 7AA"))
    failed = client.post("/referrals/new", data={"csrf_token": csrf_token(page.text), **form})
    assert failed.status_code == 500
    session.rollback()
    assert session.scalar(select(func.count(Case.id))) == 0
    assert session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "case.created")) == 0


def test_a_refusal_undoes_only_the_refused_call(app, partnership_committed, monkeypatch):
    session = partnership_committed
    client = signed_in(app, "sw1")
    page = client.get("/account/api-tokens/")

    def writes_then_refuses(actor, name, **_):
        record_event("test.half_done", actor=actor, detail={"name": name})
        raise InvalidInput("Nothing was made", {"name": "Refused for this test"})

    monkeypatch.setattr(token_pages.tokens, "create_personal_token", writes_then_refuses)
    refused = client.post("/account/api-tokens/", data={"csrf_token": csrf_token(page.text), "name": "laptop"})
    assert refused.status_code == 400 and "Refused for this test" in refused.text
    session.rollback()
    assert session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "test.half_done")) == 0
    # what the request did outside the refused call (the sign-in's session touch, say) is not held back either
    assert session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "auth.signed_in")) == 1


def test_a_look_is_committed_by_the_request_itself(app, partnership_committed):
    from tests.cases.builders import open_case
    from webapp.auth.models import User

    session = partnership_committed
    case = open_case(session.scalar(select(User).where(User.username == "sw1")), referral_answers())
    session.commit()
    assert signed_in(app, "sw1").get(f"/cases/{case.id}").status_code == 200
    session.rollback()
    assert session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "case.viewed", AuditEvent.subject_id == case.id)) == 1


def test_views_never_commit():
    pages = [*WEBAPP.glob("*/views.py"), *WEBAPP.glob("*/*_views.py"), WEBAPP / "api" / "pages.py",
             WEBAPP / "shell" / "form_pages.py", WEBAPP / "shell" / "forms.py"]
    committing = [f"{path.relative_to(WEBAPP.parent)}:{number}" for path in pages
                  for number, line in enumerate(path.read_text().splitlines(), 1) if re.search(r"\.commit\(\)", line)]
    assert len(pages) > 15 and committing == []
