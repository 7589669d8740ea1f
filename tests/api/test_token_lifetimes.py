"""Every API token has an end: its expiry (a setting), a revocation (by its owner or an administrator), or its
owner's password changed or reset or account deactivated (reactivation revives nothing); service tokens too.
Driven through the real pages and the real bearer header."""
import dataclasses
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tests.helpers import csrf_token, post_form, sign_in
from webapp.api import tokens
from webapp.api.models import ApiToken
from webapp.audit.models import AuditEvent
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.demo import DEMO_PASSWORD

NEW_PASSWORD = "a-brand-new-passphrase-7"


def user(session, name) -> User:
    return session.scalar(select(User).where(User.username == name))


def signed_in(app, username: str, password: str = DEMO_PASSWORD):
    client = app.test_client()
    assert sign_in(client, username, password).status_code == 302
    return client


def works(app, token: str) -> bool:
    """Whether the API takes the token (a fresh client: no cookie can help)."""
    status = app.test_client().get("/api/v1/escalations", headers={"Authorization": f"Bearer {token}"}).status_code
    assert status in (200, 401)
    return status == 200


def make_on_page(client, name: str) -> tuple[str, str]:
    """Make a personal token on the account page: (the token, the page's text)."""
    made = post_form(client, "/account/api-tokens/", {"name": name})
    assert made.status_code == 200
    token = re.search(r'<code id="new-token">([^<]+)</code>', made.text).group(1)
    return token, made.text


def states_on(page: str) -> dict[str, str]:
    """Each token row's name and state tag, from a tokens table."""
    found = {}
    for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S):
        cells = re.findall(r'<td class="govuk-table__cell">(.*?)</td>', row, re.S)
        tag = re.search(r'<strong class="govuk-tag[^"]*">\s*(\w+)\s*</strong>', row)
        if cells and tag:
            found[" ".join(re.sub(r"<[^>]+>", " ", cells[0]).split())] = tag.group(1)
    return found


def test_a_new_token_is_shown_once_with_its_expiry_from_the_setting(app, partnership, clock, monkeypatch):
    monkeypatch.setitem(app.config, "APP_SETTINGS",
                        dataclasses.replace(app.config["APP_SETTINGS"], api_token_days_personal=30))
    client = signed_in(app, "sw1")
    token, page = make_on_page(client, "nightly export")
    assert "It works until 1 Apr 2026 10:00" in page and "A token works for 30 days" in page  # BST by then
    assert token not in client.get("/account/api-tokens/").text
    row = partnership.scalar(select(ApiToken).where(ApiToken.name == "nightly export"))
    assert row.expires_at == datetime(2026, 4, 1, 9, 0, tzinfo=timezone.utc)


def test_a_token_works_the_day_before_it_expires_and_not_the_day_after(app, partnership, clock):
    token, _ = make_on_page(signed_in(app, "sw1"), "script")  # 90 days by default
    clock.move_to(datetime(2026, 5, 30, 9, 0, tzinfo=timezone.utc))
    assert works(app, token)
    clock.move_to(datetime(2026, 5, 31, 9, 0, tzinfo=timezone.utc))
    assert not works(app, token)
    clock.move_to(datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc))
    assert not works(app, token)
    assert states_on(signed_in(app, "sw1").get("/account/api-tokens/").text) == {"script": "Expired"}


def test_changing_one_s_own_password_ends_one_s_tokens(app, partnership, clock):
    client = signed_in(app, "sw1")
    token, _ = make_on_page(client, "script")
    other_token = tokens.create_personal_token(user(partnership, "tm1"), "tm", days=90, origin=NO_ORIGIN,
                                               now=datetime.now(timezone.utc))[1]
    partnership.commit()
    assert works(app, token)
    changed = post_form(client, "/account/password", {"current_password": DEMO_PASSWORD,
                                                      "new_password": NEW_PASSWORD})
    assert changed.status_code == 302
    assert not works(app, token)
    assert works(app, other_token)  # only the person's own tokens end
    page = client.get("/account/api-tokens/").text
    assert states_on(page) == {"script": "Ended"} and "The password was changed or reset" in page
    fresh, _ = make_on_page(client, "after the change")
    assert works(app, fresh) and not works(app, token)


def test_an_administrator_s_password_reset_ends_the_person_s_tokens(app, partnership, clock):
    token, _ = make_on_page(signed_in(app, "sw1"), "script")
    assert works(app, token)
    sw1_id = user(partnership, "sw1").id
    reset = post_form(signed_in(app, "admin"), f"/admin/users/{sw1_id}/reset-password", {},
                      page=f"/admin/users/{sw1_id}")
    assert reset.status_code == 200 and "Temporary password" in reset.text
    assert not works(app, token)


def test_deactivation_ends_tokens_and_reactivation_does_not_revive_them(app, partnership, clock):
    token, _ = make_on_page(signed_in(app, "sw1"), "script")
    admin, sw1_id = signed_in(app, "admin"), user(partnership, "sw1").id
    assert works(app, token)
    assert post_form(admin, f"/admin/users/{sw1_id}/deactivate", {}, page=f"/admin/users/{sw1_id}").status_code == 302
    assert not works(app, token)
    assert post_form(admin, f"/admin/users/{sw1_id}/reactivate", {}, page=f"/admin/users/{sw1_id}").status_code == 302
    assert not works(app, token)
    sw1 = user(partnership, "sw1")
    assert states_on(admin.get("/admin/api-tokens").text) == {f"{sw1.full_name} (sw1)": "Ended"}


def test_a_service_token_ends_when_its_system_account_s_password_is_reset(app, partnership, clock):
    admin, gp1_id = signed_in(app, "admin"), user(partnership, "gp1").id
    made = post_form(admin, "/admin/api-tokens", {"user_id": str(gp1_id), "name": "Practice system"})
    token = re.search(r'<code id="new-token">([^<]+)</code>', made.text).group(1)
    assert works(app, token)
    post_form(admin, f"/admin/users/{gp1_id}/reset-password", {}, page=f"/admin/users/{gp1_id}")
    assert not works(app, token)


def test_administrators_list_every_token_make_service_tokens_and_revoke(app, partnership, clock):
    sw1, gp1 = user(partnership, "sw1"), user(partnership, "gp1")
    personal = tokens.create_personal_token(sw1, "sw1's script", days=90, origin=NO_ORIGIN,
                                            now=datetime.now(timezone.utc))[1]
    partnership.commit()
    admin = signed_in(app, "admin")

    made = post_form(admin, "/admin/api-tokens", {"user_id": str(gp1.id), "name": "Practice system"})
    assert made.status_code == 200 and "It works until 2 Mar 2027 09:00" in made.text  # a year by default
    service = re.search(r'<code id="new-token">([^<]+)</code>', made.text).group(1)
    assert works(app, service) and works(app, personal)
    refused = post_form(admin, "/admin/api-tokens", {"user_id": str(gp1.id), "name": " "})
    assert refused.status_code == 400 and "Error: " in refused.text and 'href="#name"' in refused.text
    assert post_form(admin, "/admin/api-tokens", {"user_id": "", "name": "x"}).status_code == 400

    page = admin.get("/admin/api-tokens")
    assert page.status_code == 200
    assert states_on(page.text) == {f"{gp1.full_name} ({gp1.username})": "Active",
                                    f"{sw1.full_name} ({sw1.username})": "Active"}
    for text in ("Service", "Personal", "Practice system", "sw1&#39;s script", personal[:10], service[:10],
                 "31 May 2026 10:00"):
        assert text in page.text, text
    assert partnership.scalar(select(AuditEvent).where(AuditEvent.action == "api.tokens_listed")) is not None

    row = partnership.scalar(select(ApiToken).where(ApiToken.user_id == sw1.id))
    revoked = admin.post(f"/admin/api-tokens/{row.id}/revoke", data={"csrf_token": csrf_token(page.text)})
    assert revoked.status_code == 302
    assert not works(app, personal) and works(app, service)
    after = admin.get("/admin/api-tokens").text
    assert states_on(after)[f"{sw1.full_name} ({sw1.username})"] == "Revoked" and "by an administrator" in after
    audit = partnership.scalar(select(AuditEvent).where(AuditEvent.action == "api.token_revoked"))
    assert audit.actor_id == user(partnership, "admin").id and audit.detail["token_id"] == row.id
    own_page = signed_in(app, "sw1").get("/account/api-tokens/").text
    assert states_on(own_page) == {"sw1&#39;s script": "Revoked"}


def test_a_revoke_without_its_form_s_csrf_token_is_refused(app, partnership, clock):
    row, token = tokens.create_personal_token(user(partnership, "sw1"), "script", days=90, origin=NO_ORIGIN,
                                              now=datetime.now(timezone.utc))
    partnership.commit()
    assert signed_in(app, "admin").post(f"/admin/api-tokens/{row.id}/revoke").status_code == 400
    assert works(app, token)


@pytest.mark.parametrize("username", ["sw1", "tm1", "sm1", "gp1", "po1", "chair1"])
def test_only_administrators_reach_the_tokens_of_every_account(app, partnership, clock, username):
    row, token = tokens.create_personal_token(user(partnership, "tm1" if username == "sw1" else "sw1"), "script",
                                              days=90, origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    own = tokens.create_personal_token(user(partnership, username), "mine", days=90, origin=NO_ORIGIN,
                                       now=datetime.now(timezone.utc))[0]
    partnership.commit()
    client = signed_in(app, username)
    assert client.get("/admin/api-tokens").status_code == 403
    csrf = csrf_token(client.get("/account/api-tokens/").text)
    gp1_id = user(partnership, "gp1").id
    assert client.post("/admin/api-tokens", data={"csrf_token": csrf, "user_id": gp1_id, "name": "x"}).status_code \
        == 403
    assert client.post(f"/admin/api-tokens/{row.id}/revoke", data={"csrf_token": csrf}).status_code == 403
    assert client.post(f"/admin/api-tokens/{own.id}/revoke", data={"csrf_token": csrf}).status_code == 403
    assert client.post(f"/account/api-tokens/{row.id}/revoke", data={"csrf_token": csrf}).status_code == 404
    assert works(app, token)
    assert partnership.scalar(select(ApiToken).where(ApiToken.kind == "service")) is None
    assert "/admin/api-tokens" not in client.get("/").text  # not in their navigation
