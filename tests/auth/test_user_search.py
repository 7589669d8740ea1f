"""Users at a council's size: administrators search by name, username or e-mail address and filter by role,
team or agency and status, a page at a time; the address keeps the search; nothing found says so."""
import html
import re

import pytest

from tests.factories import PASSWORD
from tests.helpers import signed_in
from webapp.auth import user_admin
from webapp.auth.roles import Role
from webapp.auth.user_admin import UserSearch
from webapp.errors import PermissionDenied


@pytest.fixture
def people(factory):
    team, other_team = factory.team("North team"), factory.team("South team")
    school = factory.agency(name="Oak Primary")
    made = {
        "admin": factory.user(Role.ADMINISTRATOR, username="admin.one", full_name="Alex Admin"),
        "pat": factory.user(Role.SOCIAL_WORKER, username="pat.smith", full_name="Patricia Smith", team=team),
        "sam": factory.user(Role.TEAM_MANAGER, username="s_jones", full_name="Sam Jones", team=team),
        "kim": factory.user(Role.SOCIAL_WORKER, username="kim.smithson", full_name="Kim Smithson", team=other_team,
                            is_active=False),
        "lee": factory.user(Role.AGENCY_PRACTITIONER, username="lee.teacher", full_name="Lee Teacher", agency=school),
    }
    made["lee"].email = "lee@oak-primary.example.org"
    factory.session.commit()
    return made, team, school


def names(page: str) -> list[str]:
    return re.findall(r'href="/admin/users/\d+">([^<]+)</a>', page)


def test_search_by_name_username_or_e_mail(app, people):
    client = signed_in(app, "admin.one", PASSWORD)
    assert names(client.get("/admin/users?q=smith").text) == ["Patricia Smith", "Kim Smithson"]  # active first
    assert names(client.get("/admin/users?q=SAM+jones").text) == ["Sam Jones"]  # every word, any case
    assert names(client.get("/admin/users?q=s_jones").text) == ["Sam Jones"]  # an underscore is not a wildcard
    assert names(client.get("/admin/users?q=pat.smi").text) == ["Patricia Smith"]  # the username
    assert names(client.get("/admin/users?q=oak-primary").text) == ["Lee Teacher"]  # the e-mail address


def test_filters_by_role_team_agency_and_status(app, people):
    made, team, school = people
    client = signed_in(app, "admin.one", PASSWORD)
    assert names(client.get("/admin/users?role=social_worker").text) == ["Patricia Smith", "Kim Smithson"]
    assert names(client.get(f"/admin/users?group=team-{team.id}").text) == ["Patricia Smith", "Sam Jones"]
    assert names(client.get(f"/admin/users?group=agency-{school.id}").text) == ["Lee Teacher"]
    assert names(client.get("/admin/users?status=deactivated").text) == ["Kim Smithson"]
    assert "Kim Smithson" not in names(client.get("/admin/users?status=active").text)
    page = client.get(f"/admin/users?q=smith&role=social_worker&group=team-{team.id}&status=active").text
    assert names(page) == ["Patricia Smith"] and "1 user found" in page
    assert f'<option value="team-{team.id}" selected>Team: North team</option>' in page  # the choice kept
    assert len(names(client.get("/admin/users?role=bogus&group=team-x&status=maybe").text)) == len(made)


def test_nothing_found_says_so(app, people):
    client = signed_in(app, "admin.one", PASSWORD)
    page = client.get("/admin/users?q=nobody-like-this").text
    assert "No users found" in page and "No account matches your search." in page and "<table" not in page
    assert 'href="/admin/users">Clear the search</a>' in page


def test_paging_keeps_the_search(app, people, monkeypatch):
    monkeypatch.setattr(user_admin, "USERS_PAGE", 1)
    client = signed_in(app, "admin.one", PASSWORD)
    first = client.get("/admin/users?q=smith&role=social_worker").text
    assert names(first) == ["Patricia Smith"] and "2 users found, page 1 of 2" in first
    following = html.unescape(re.search(r'href="([^"]+)" rel="next"', first).group(1))
    assert following == "/admin/users?page=2&q=smith&role=social_worker"
    assert names(client.get(following).text) == ["Kim Smithson"]
    assert names(client.get("/admin/users?q=smith&role=social_worker&page=40").text) == ["Kim Smithson"]


@pytest.mark.parametrize("role", [role for role in Role if role is not Role.ADMINISTRATOR], ids=lambda r: r.value)
def test_only_administrators_search_people(app, factory, people, role):
    someone = factory.user(role)
    factory.session.commit()
    with pytest.raises(PermissionDenied):
        user_admin.search_users(someone, UserSearch("smith"))
    assert signed_in(app, someone.username, PASSWORD).get("/admin/users?q=smith").status_code == 403
