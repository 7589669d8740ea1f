"""The development mail page (registered only in development) is for administrators alone."""
import pytest

from tests.conftest import IsolatedClient
from tests.helpers import sign_in
from webapp import create_app
from webapp.auth.roles import Role
from webapp.config import Settings
from webapp.extensions import db


@pytest.fixture
def development(app):
    """A development app on the test database (the page exists only there)."""
    built = create_app(settings=Settings.from_environment({
        "APP_ENV": "development", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}))
    built.test_client_class = IsolatedClient
    yield built
    with built.app_context():
        db.engine.dispose()


def test_only_administrators_read_the_development_mail(development, client, committed_factory):
    committed_factory.user(Role.SOCIAL_WORKER, username="devworker")
    committed_factory.user(Role.ADMINISTRATOR, username="devadmin")
    anonymous = development.test_client().get("/dev/mail/")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/sign-in")
    for username, status in (("devworker", 403), ("devadmin", 200)):
        browser = development.test_client()
        sign_in(browser, username)
        page = browser.get("/dev/mail/")
        assert page.status_code == status
        assert ("Mail received" in page.text) == (status == 200)
    sign_in(client, "devadmin")
    assert client.get("/dev/mail/").status_code == 404  # outside development the page does not exist

