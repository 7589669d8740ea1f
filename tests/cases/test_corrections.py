"""A completed step's answers are corrected by their author or a team manager: a new version with a reason, the
history keeps both; answers that steered the process cannot change."""
import pytest
from sqlalchemy import select

from tests.cases.builders import CONCERNS, assessment_answers, complete, open_case, referral_answers, start_assessment
from tests.helpers import csrf_token, sign_in
from webapp.audit.models import AuditEvent
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.cases import steps
from webapp.cases.models import StepRecord
from webapp.demo import DEMO_PASSWORD
from webapp.errors import InvalidInput, PermissionDenied

ASSESSMENT = assessment_answers(child_wishes_and_feelings="Quiet", findings="Needs breakfast support")


def user(session, name):
    return session.scalar(select(User).where(User.username == name))


@pytest.fixture
def assessed(app, partnership, clock):
    sw1, tm1 = user(partnership, "sw1"), user(partnership, "tm1")
    case = open_case(sw1, referral_answers())
    start_assessment(case, sw1, tm1)
    complete(sw1, case, "assessment", ASSESSMENT)
    record = partnership.scalar(select(StepRecord).where(StepRecord.case_id == case.id,
                                                         StepRecord.bpmn_id == "assessment"))
    return case, record, sw1, tm1


def test_the_author_corrects_with_a_reason_and_both_versions_stay(partnership, assessed, client):
    case, record, sw1, tm1 = assessed
    corrected = {**ASSESSMENT, "findings": "Needs breakfast support and a school nurse referral"}
    with pytest.raises(InvalidInput) as refused:
        steps.correct_step(sw1, case.id, record.id, corrected, " ", origin=NO_ORIGIN, now=case.opened_at)
    assert set(refused.value.field_errors) == {"correction_reason"}
    steps.correct_step(sw1, case.id, record.id, corrected, "Left out the referral", origin=NO_ORIGIN,
                       now=case.opened_at)
    assert record.answers["findings"] == "Needs breakfast support"  # the original is kept as it was
    assert record.current_answers["findings"].endswith("school nurse referral")
    assert partnership.scalar(select(AuditEvent).where(AuditEvent.action == "case.step_corrected")) is not None
    partnership.commit()
    sign_in(client, "tm1", DEMO_PASSWORD)
    page = client.get(f"/cases/{case.id}")
    assert "Corrected by Demo Social Worker One" in page.text and "Left out the referral" in page.text
    form = client.get(f"/cases/{case.id}/history/{record.id}/correct")
    assert form.status_code == 200 and "school nurse referral" in form.text
    saved = client.post(f"/cases/{case.id}/history/{record.id}/correct", data={
        "csrf_token": csrf_token(form.text), "child_seen": "false", "child_wishes_and_feelings": "Quiet", "primary_need": "N1",
        "findings": "Breakfast club agreed", "correction_reason": "Agreed at supervision",
        **{key: "no" for key in CONCERNS}})
    assert saved.status_code == 302
    partnership.expire_all()
    assert [c.reason for c in partnership.get(StepRecord, record.id).corrections] == [
        "Left out the referral", "Agreed at supervision"]


def test_others_cannot_correct_and_the_process_path_cannot_change(partnership, assessed):
    case, record, sw1, tm1 = assessed
    with pytest.raises(PermissionDenied):
        steps.correct_step(user(partnership, "sw2"), case.id, record.id, ASSESSMENT, "x", origin=NO_ORIGIN,
                           now=case.opened_at)
    decision = partnership.scalar(select(StepRecord).where(StepRecord.case_id == case.id,
                                                           StepRecord.bpmn_id == "referral_decision"))
    changed = {**decision.answers, "decision": "no_further_action"}
    with pytest.raises(InvalidInput) as refused:
        steps.correct_step(tm1, case.id, decision.id, changed, "Wrong box", origin=NO_ORIGIN, now=case.opened_at)
    assert "steered the process" in refused.value.field_errors["decision"]
