"""Configuration is validated at start; production refuses unsafe settings."""
import pytest

from webapp import create_app
from webapp.config import RETIRED_DEVELOPMENT_KEYS, ConfigError, Settings, instance_secret_key

SAFE_PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "x" * 48,
    "DATABASE_URL": "postgresql+psycopg://app@db.internal/cin",
    "SMTP_HOST": "smtp.partnership.example",
    "SERVICE_URL": "https://cin.partnership.example",
    "SMTP_SECURITY": "starttls",
}
RETIRED_KEY = next(iter(RETIRED_DEVELOPMENT_KEYS))


def test_a_safe_production_configuration_has_no_problems():
    assert Settings.from_environment(SAFE_PRODUCTION).problems == []
    settings = Settings.from_environment({**SAFE_PRODUCTION, "IMAP_HOST": "imap.partnership.example",
                                          "IMAP_USERNAME": "meetings", "MAIL_GATEWAY_SECRET": "g" * 40})
    assert settings.problems == [] and settings.replies.imap_configured
    assert (settings.replies.imap_port, settings.replies.imap_security, settings.replies.imap_folder) == \
        (993, "ssl", "INBOX")


@pytest.mark.parametrize("override, expected", [
    ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
    ({"SECRET_KEY": RETIRED_KEY}, "constant development key"),
    ({"SECRET_KEY": "short"}, "at least 32 characters"),
    ({"FLASK_DEBUG": "1"}, "FLASK_DEBUG must be off"),
    ({"ALLOW_DEMO_DATA": "true"}, "ALLOW_DEMO_DATA must be off"),
    ({"SESSION_COOKIE_SECURE": "0"}, "SESSION_COOKIE_SECURE must be on"),
    ({"DATABASE_URL": "sqlite:///cin.db"}, "must point at PostgreSQL"),
    ({"SMTP_HOST": ""}, "SMTP_HOST must be set"),
    ({"SERVICE_URL": "http://cin.partnership.example"}, "SERVICE_URL must be the service's https://"),
    ({"SMTP_SECURITY": "none"}, "SMTP_SECURITY must be starttls or ssl in production"),
    ({"SMTP_SECURITY": "tls-please"}, "SMTP_SECURITY must be none, starttls or ssl"),
    ({"IMAP_HOST": "imap.partnership.example", "IMAP_SECURITY": "none"}, "IMAP_SECURITY must be ssl or starttls"),
    ({"IMAP_SECURITY": "maybe"}, "IMAP_SECURITY must be none, starttls or ssl"),
    ({"MAIL_GATEWAY_SECRET": "letmein"}, "MAIL_GATEWAY_SECRET must be a random value of at least 32"),
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be text or json"),
])
def test_production_refuses_unsafe_settings(override, expected):
    settings = Settings.from_environment({**SAFE_PRODUCTION, **override})
    assert any(expected in problem for problem in settings.problems), settings.problems
    with pytest.raises(ConfigError, match=expected):
        create_app(settings=settings)


def test_every_problem_is_reported_at_once():
    problems = Settings.from_environment({"APP_ENV": "production", "FLASK_DEBUG": "1",
                                          "SESSION_IDLE_MINUTES": "soon"}).problems
    assert len(problems) >= 4
    assert any("SESSION_IDLE_MINUTES must be a whole number" in p for p in problems)


def test_unknown_environment_is_refused():
    assert any("APP_ENV must be one of" in p for p in Settings.from_environment({"APP_ENV": "staging"}).problems)


def test_plain_postgresql_urls_use_the_shipped_driver():
    settings = Settings.from_environment({"DATABASE_URL": "postgresql://postgres@127.0.0.1/test"})
    assert settings.database_url == "postgresql+psycopg://postgres@127.0.0.1/test"


def test_seed_demo_refuses_when_demo_data_is_off(app):
    settings = Settings.from_environment({"APP_ENV": "test", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                                          "ALLOW_DEMO_DATA": "0"})
    guarded = create_app(settings=settings)
    result = guarded.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "Demo data is switched off" in result.output


def test_unencrypted_smtp_in_production_needs_the_explicit_override():
    settings = Settings.from_environment({**SAFE_PRODUCTION, "SMTP_SECURITY": "none", "SMTP_ALLOW_UNENCRYPTED": "true"})
    assert settings.problems == [] and settings.mail.allow_unencrypted


def test_the_retired_constant_key_is_refused_in_every_environment():
    for environment in ("development", "test"):
        problems = Settings.from_environment({"APP_ENV": environment, "SECRET_KEY": RETIRED_KEY}).problems
        assert any("constant development key" in p for p in problems)


def test_development_makes_its_own_random_key_once_and_keeps_it(tmp_path):
    first = instance_secret_key(tmp_path / "instance")
    again = instance_secret_key(tmp_path / "instance")
    other = instance_secret_key(tmp_path / "elsewhere")
    assert first == again and first != other and len(first) >= 32
    assert first not in RETIRED_DEVELOPMENT_KEYS
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0  # readable by its owner only


def test_without_secret_key_development_uses_the_instance_key():
    settings = Settings.from_environment({"APP_ENV": "development"})
    assert settings.secret_key == instance_secret_key() and settings.problems == []
