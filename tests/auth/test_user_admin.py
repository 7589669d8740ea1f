"""Administrators manage people and teams; nobody else can, whatever the page shows."""
import html
import re

import pytest
from sqlalchemy import select

from tests.helpers import post_form, sign_in, signed_in
from webapp.audit.models import AuditEvent
from webapp.audit.services import NO_ORIGIN
from webapp.auth import user_admin
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.auth.user_admin import UserDetails
from webapp.errors import InvalidInput, PermissionDenied

NON_ADMIN_ROLES = [role for role in Role if role is not Role.ADMINISTRATOR]


@pytest.mark.parametrize("role", NON_ADMIN_ROLES, ids=lambda r: r.value)
def test_only_administrators_reach_people_services(factory, role):
    actor = factory.user(role)
    other = factory.user(Role.SOCIAL_WORKER)
    details = UserDetails(full_name="X", email="x@example.org", roles={Role.PROCESS_OWNER})
    calls = [
        lambda: user_admin.search_users(actor, user_admin.UserSearch("x")),
        lambda: user_admin.get_user(actor, other.id),
        lambda: user_admin.create_user(actor, "newbie", details, origin=NO_ORIGIN),
        lambda: user_admin.update_user(actor, other.id, details, origin=NO_ORIGIN),
        lambda: user_admin.set_user_active(actor, other.id, False, origin=NO_ORIGIN),
        lambda: user_admin.reset_password(actor, other.id, origin=NO_ORIGIN),
        lambda: user_admin.list_teams(actor),
        lambda: user_admin.save_team(actor, "Sneaky team", origin=NO_ORIGIN),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert other.is_active and other.roles == {Role.SOCIAL_WORKER}


@pytest.mark.parametrize("role", NON_ADMIN_ROLES, ids=lambda r: r.value)
def test_admin_pages_refuse_other_roles(client, factory, role):
    user = factory.user(role)
    sign_in(client, user.username)
    for path in ("/admin/users", "/admin/users/new", f"/admin/users/{user.id}", "/admin/teams",
                 "/admin/agencies/", "/admin/agencies/new", "/admin/audit/"):
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize("details, field, message", [
    (UserDetails("", "a@example.org", {Role.PROCESS_OWNER}), "full_name", "full name"),
    (UserDetails("A", "a@example.org", set()), "roles", "at least one role"),
    (UserDetails("A", "a@example.org", {Role.SOCIAL_WORKER}), "team_id", "team"),
    (UserDetails("A", "a@example.org", {Role.AGENCY_PRACTITIONER}), "agency_id", "agency"),
    (UserDetails("A", "a@example.org", {Role.AGENCY_PRACTITIONER, Role.SENIOR_MANAGER}), "roles",
     "cannot also hold"),
])
def test_role_rules_are_enforced_and_nothing_is_created(factory, db_session, details, field, message):
    admin = factory.user(Role.ADMINISTRATOR)
    with pytest.raises(InvalidInput) as refused:
        user_admin.create_user(admin, "newperson", details, origin=NO_ORIGIN)
    assert message in refused.value.field_errors[field]
    assert user_admin.find_user_by_username("newperson") is None


def test_created_user_must_change_the_temporary_password(client, factory, db_session):
    admin = factory.user(Role.ADMINISTRATOR)
    team = factory.team()
    user, password = user_admin.create_user(
        admin, "Fresh.Worker", UserDetails("Fresh Worker", "Fresh@Example.org", {Role.SOCIAL_WORKER}, team.id),
        origin=NO_ORIGIN)
    db_session.commit()
    assert user.username == "fresh.worker" and user.email == "fresh@example.org"
    sign_in(client, "fresh.worker", password)
    assert client.get("/").headers["Location"] == "/account/password"
    weak = post_form(client, "/account/password", {"current_password": password, "new_password": "short"})
    assert "12 characters or more" in weak.text
    done = post_form(client, "/account/password", {"current_password": password,
                                                    "new_password": "a much longer passphrase"})
    assert done.status_code == 302
    assert client.get("/").status_code == 200
    actions = db_session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "users", AuditEvent.subject_id == user.id).order_by(AuditEvent.id)).all()
    assert actions == ["user.created", "auth.signed_in", "auth.password_changed"]


def test_deactivation_ends_the_session_at_once(app, factory, db_session):
    admin = factory.user(Role.ADMINISTRATOR)
    leaver = factory.user(Role.SOCIAL_WORKER)
    leaver_browser = app.test_client()
    sign_in(leaver_browser, leaver.username)
    assert leaver_browser.get("/").status_code == 200
    user_admin.set_user_active(admin, leaver.id, False, origin=NO_ORIGIN)
    db_session.commit()
    assert leaver_browser.get("/").status_code == 302
    assert sign_in(leaver_browser, leaver.username).status_code == 401


def test_password_reset_ends_sessions_and_forces_a_change(app, factory, db_session):
    admin = factory.user(Role.ADMINISTRATOR)
    person = factory.user(Role.PROCESS_OWNER)
    browser = app.test_client()
    sign_in(browser, person.username)
    _, temporary = user_admin.reset_password(admin, person.id, origin=NO_ORIGIN)
    db_session.commit()
    assert browser.get("/").headers["Location"].startswith("/sign-in")
    assert sign_in(browser, person.username).status_code == 401  # the old password is gone
    sign_in(browser, person.username, temporary)
    assert browser.get("/").headers["Location"] == "/account/password"


def test_administrators_cannot_lock_themselves_out(factory):
    admin = factory.user(Role.ADMINISTRATOR)
    with pytest.raises(InvalidInput):
        user_admin.set_user_active(admin, admin.id, False, origin=NO_ORIGIN)
    with pytest.raises(InvalidInput) as refused:
        user_admin.update_user(admin, admin.id, UserDetails("A", "a@example.org", {Role.PROCESS_OWNER}),
                               origin=NO_ORIGIN)
    assert "own administrator role" in refused.value.field_errors["roles"]


def test_team_names_are_unique_regardless_of_case(factory):
    admin = factory.user(Role.ADMINISTRATOR)
    user_admin.save_team(admin, "North  team", origin=NO_ORIGIN)
    with pytest.raises(InvalidInput):
        user_admin.save_team(admin, "north team", origin=NO_ORIGIN)


def test_the_reset_banner_reads_as_words_not_markup(app, partnership):
    sw1 = partnership.scalar(select(User).where(User.username == "sw1"))
    reset = post_form(signed_in(app, "admin"), f"/admin/users/{sw1.id}/reset-password", {},
                      page=f"/admin/users/{sw1.id}")
    banner = re.search(r'govuk-notification-banner__content">(.*?)</div>', reset.text, re.S).group(1)
    assert "&lt;" not in banner and "Password reset for Demo Social Worker One" in banner, banner


def test_deactivation_asks_first_and_the_question_changes_nothing(app, partnership):
    sw1 = partnership.scalar(select(User).where(User.username == "sw1"))
    admin = signed_in(app, "admin")
    question = admin.get(f"/admin/users/{sw1.id}/deactivate")
    assert question.status_code == 200 and "Deactivate Demo Social Worker One's account?" in html.unescape(question.text)
    partnership.expire_all()
    assert partnership.get(User, sw1.id).is_active  # only the button on that page deactivates
    assert signed_in(app, "tm1").get(f"/admin/users/{sw1.id}/deactivate").status_code in (403, 404)
    done = post_form(admin, f"/admin/users/{sw1.id}/deactivate", {}, page=f"/admin/users/{sw1.id}/deactivate")
    assert done.status_code == 302
    partnership.expire_all()
    assert not partnership.get(User, sw1.id).is_active
