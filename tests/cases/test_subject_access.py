"""A subject access export holds every record about one child and nothing about their sibling; a case's audit
trail is for its managers."""
import io
import json
import zipfile

import pytest
from sqlalchemy import select

from tests.cases.builders import complete, open_case, referral_answers, start_assessment
from tests.helpers import sign_in
from tests.safer_sleep import builders as safer_sleep
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.cases import services
from webapp.cases.subject_access import export_child
from webapp.demo import DEMO_PASSWORD
from webapp.errors import NotFound, PermissionDenied


def user(session, name):
    return session.scalar(select(User).where(User.username == name))


def test_the_export_holds_the_child_s_records_and_nothing_about_the_sibling(app, partnership, client, clock):
    sw1, tm1 = user(partnership, "sw1"), user(partnership, "tm1")
    ava = open_case(sw1, referral_answers(concern_what="Ava arrives hungry", child_date_of_birth="2026-01-05"))
    start_assessment(ava, sw1, tm1)
    safer_sleep.record(sw1, ava, safer_sleep.RISKY)
    sibling = open_case(sw1, referral_answers(given="Zed", concern_what="Zed's bruise on the left arm"),
                        household_id=ava.child.household_id)
    complete(tm1, sibling, "referral_decision", {"decision": "no_further_action", "decision_reasons": "Zed is fine",
                                                 "referrer_acknowledged": False})
    partnership.commit()
    name, archive = export_child(tm1, ava.child_id, origin=NO_ORIGIN, now=ava.opened_at)
    files = zipfile.ZipFile(io.BytesIO(archive))
    assert {f"{ava.reference}/steps.json", f"{ava.reference}/audit.json", "child.json", "README.txt"} <= set(
        files.namelist())
    steps = json.loads(files.read(f"{ava.reference}/steps.json"))
    assert [s["step"] for s in steps] == ["Record the referral", "Decide on the referral"]
    assert steps[0]["answers"]["concern_what"] == "Ava arrives hungry"
    assert any(e["what"] == "case.created" for e in json.loads(files.read(f"{ava.reference}/audit.json")))
    sleep, = json.loads(files.read(f"{ava.reference}/safer_sleep.json"))
    assert (sleep["recorded_by"], sleep["answers"]["substances_details"]) == (sw1.full_name, "Father drinks most evenings")
    everything = b"".join(files.read(n) for n in files.namelist()).decode()
    assert "Zed" not in everything and sibling.reference not in everything and "left arm" not in everything
    assert name == f"subject-access-{ava.reference}.zip"
    with pytest.raises(PermissionDenied):
        export_child(sw1, ava.child_id, origin=NO_ORIGIN, now=ava.opened_at)
    with pytest.raises(NotFound):
        export_child(user(partnership, "gp1"), ava.child_id, origin=NO_ORIGIN, now=ava.opened_at)

    sign_in(client, "tm1", DEMO_PASSWORD)
    response = client.get(f"/children/{ava.child_id}/subject-access.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    audit = client.get(f"/cases/{ava.id}/audit")
    assert audit.status_code == 200 and "child.subject_access_exported" not in audit.text  # filed on the child
    assert "Recorded a referral: the case opened" in audit.text  # in words, not case.created


def test_a_case_s_audit_trail_is_for_its_managers(app, partnership):
    sw1 = user(partnership, "sw1")
    case = open_case(sw1, referral_answers())
    found, events, more = services.case_audit(user(partnership, "tm1"), case.id, origin=NO_ORIGIN)
    assert found.id == case.id and events and not more
    with pytest.raises(PermissionDenied):
        services.case_audit(sw1, case.id, origin=NO_ORIGIN)
    with pytest.raises(NotFound):
        services.case_audit(user(partnership, "gp1"), case.id, origin=NO_ORIGIN)
