"""Agencies are managed by administrators, with clear messages for bad input."""
import re

import pytest

from tests.helpers import post_form, sign_in
from webapp.agencies import services
from webapp.agencies.models import Agency
from webapp.audit.services import NO_ORIGIN
from webapp.auth.roles import Role
from webapp.errors import InvalidInput, PermissionDenied


def test_administrator_adds_and_changes_an_agency(client, factory, db_session):
    admin = factory.user(Role.ADMINISTRATOR)
    sign_in(client, admin.username)
    created = post_form(client, "/admin/agencies/new", {"name": "Riverside Surgery", "kind": "gp_practice",
                                                        "email": "Safeguarding@Riverside.example", "is_active": "y"})
    assert created.status_code == 302
    agency = db_session.query(Agency).filter_by(name="Riverside Surgery").one()
    assert agency.email == "safeguarding@riverside.example" and agency.kind_label == "GP practice"
    post_form(client, f"/admin/agencies/{agency.id}", {"name": "Riverside Surgery", "kind": "gp_practice"})
    db_session.refresh(agency)
    assert agency.is_active is False


def test_bad_agency_input_is_explained_and_changes_nothing(client, factory, db_session):
    admin = factory.user(Role.ADMINISTRATOR)
    factory.agency(name="Existing Practice")
    sign_in(client, admin.username)
    page = post_form(client, "/admin/agencies/new", {"name": "existing practice", "kind": "spaceship",
                                                     "email": "not-an-address"})
    assert page.status_code == 200
    assert "There is a problem" in page.text
    assert "Enter an e-mail address in the correct format" in page.text
    assert db_session.query(Agency).count() == 1
    with pytest.raises(InvalidInput) as refused:
        services.save_agency(admin, name="Existing Practice", kind="school", email=None, origin=NO_ORIGIN)
    assert "exists already" in refused.value.field_errors["name"]


def test_only_administrators_manage_agencies(factory):
    worker = factory.user(Role.TEAM_MANAGER)
    with pytest.raises(PermissionDenied):
        services.save_agency(worker, name="Rogue", kind="other", email=None, origin=NO_ORIGIN)
    with pytest.raises(PermissionDenied):
        services.list_agencies(worker)


def test_an_agency_names_one_of_its_own_practitioners_as_safeguarding_lead(client, partnership):
    from sqlalchemy import select

    from webapp.auth.models import User
    from webapp.demo import DEMO_PASSWORD

    school = partnership.scalar(select(User).where(User.username == "school1")).agency
    gp1 = partnership.scalar(select(User).where(User.username == "gp1"))
    sign_in(client, "admin", DEMO_PASSWORD)
    page = client.get(f"/admin/agencies/{school.id}")
    assert "Designated safeguarding lead" in page.text and "Demo Class Teacher" in page.text
    refused = post_form(client, f"/admin/agencies/{school.id}", {
        "name": school.name, "kind": school.kind, "email": "", "is_active": "y",
        "safeguarding_lead_id": str(gp1.id)})
    assert "There is a problem" in refused.text and "own practitioners" in refused.text
    teacher = partnership.scalar(select(User).where(User.username == "school1"))
    post_form(client, f"/admin/agencies/{school.id}", {"name": school.name, "kind": school.kind, "email": "",
                                                      "is_active": "y", "safeguarding_lead_id": str(teacher.id)})
    partnership.expire_all()
    assert partnership.get(Agency, school.id).safeguarding_lead_id == teacher.id


def test_the_form_asks_whether_the_mailbox_is_accredited_and_the_list_shows_it(client, factory, db_session):
    from webapp.audit.models import AuditEvent

    admin = factory.user(Role.ADMINISTRATOR)
    sign_in(client, admin.username)
    page = client.get("/admin/agencies/new")
    assert "This mailbox is accredited for OFFICIAL-SENSITIVE mail (for example NHSmail)" in page.text
    assert "only the case reference and a sign-in link" in page.text  # the hint says what the choice changes
    post_form(client, "/admin/agencies/new", {"name": "Riverside Surgery", "kind": "gp_practice",
                                              "email": "riverside.surgery@nhs.net", "is_active": "y",
                                              "is_secure_mailbox": "y"})
    post_form(client, "/admin/agencies/new", {"name": "Hillside School", "kind": "school",
                                              "email": "office@hillside.example", "is_active": "y"})
    surgery = db_session.query(Agency).filter_by(name="Riverside Surgery").one()
    school = db_session.query(Agency).filter_by(name="Hillside School").one()
    assert surgery.is_secure_mailbox is True and school.is_secure_mailbox is False
    marked = db_session.query(AuditEvent).filter_by(action="agency.mailbox_security_changed").all()
    assert [(event.subject_id, event.actor_id, event.detail["is_secure_mailbox"]) for event in marked] == [
        (surgery.id, admin.id, True)]
    assert re.search(r'id="is_secure_mailbox"[^>]* checked', client.get(f"/admin/agencies/{surgery.id}").text)
    assert not re.search(r'id="is_secure_mailbox"[^>]* checked', client.get(f"/admin/agencies/{school.id}").text)
    listing = client.get("/admin/agencies/").text
    assert listing.count("Accredited: e-mails name the child") == 1
    assert listing.count("Not accredited: case reference only") == 1
