"""Every setting in one place, read from the environment and validated at start."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The constant key earlier versions shipped for development: refused everywhere, since anyone could forge with it.
RETIRED_DEVELOPMENT_KEYS = frozenset({"development-only-secret-key-not-for-production"})
ENVIRONMENTS = ("development", "test", "production")


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message lists every problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Configuration problems:\n" + "\n".join(f"- {p}" for p in problems))


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class MailSettings:
    """How the worker sends mail. The organiser mailbox (for calendar replies) comes with the meetings work."""

    host: str = "127.0.0.1"
    port: int = 8025
    security: str = "none"  # none | starttls | ssl
    username: str = ""
    password: str = ""
    sender: str = "cin-workflow@localhost"
    # The mailbox calendar replies go to (ORGANIZER of every invitation): the service reads it, nobody is invited as it.
    organizer: str = "meetings@localhost"
    max_attempts: int = 8
    # Each read or write of an SMTP conversation, and the whole message (connect to QUIT): a server that hangs or
    # drips a byte at a time cannot hold the worker longer than the deadline.
    timeout_seconds: int = 20
    message_deadline_seconds: int = 60
    # Production refuses SMTP_SECURITY=none unless this override says the unencrypted hop is intended
    # (a relay on the same host, for example).
    allow_unencrypted: bool = False
    service_url: str = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class ReplySettings:
    """Where calendar replies are read: the organizer mailbox over IMAP (the worker polls it when a host is set)
    and/or a mail gateway posting each message (enabled by a shared secret)."""

    imap_host: str = ""
    imap_port: int = 993
    imap_security: str = "ssl"  # ssl | starttls | none
    imap_username: str = ""
    imap_password: str = ""
    imap_folder: str = "INBOX"
    poll_seconds: int = 60
    gateway_secret: str = ""

    @property
    def imap_configured(self) -> bool:
        return bool(self.imap_host)


@dataclass
class Settings:
    environment: str = "development"
    secret_key: str = ""
    database_url: str = ""
    debug: bool = False
    allow_demo_data: bool = True
    service_name: str = "Child in Need workflow"
    partnership_name: str = "Demo Safeguarding Children Partnership"
    session_idle_minutes: int = 30
    session_max_hours: int = 12  # a session's whole life, however active
    trusted_proxies: int = 0  # reverse proxies in front of the web processes (X-Forwarded-For hops to trust)
    api_token_days_personal: int = 90
    api_token_days_service: int = 365
    session_cookie_secure: bool = False
    login_max_failures: int = 5
    login_window_minutes: int = 15
    login_max_failures_per_address: int = 30
    mail: MailSettings = field(default_factory=MailSettings)
    replies: ReplySettings = field(default_factory=ReplySettings)
    worker_interval_seconds: int = 5
    # Per pass, after every due timer has fired: how long mail may take, then documents (one render at least).
    worker_mail_budget_seconds: int = 30
    render_timeout_seconds: int = 120  # a render over this (wall clock) is stopped and counted as failed
    render_memory_mb: int = 1024  # the render's child process is refused more memory than this
    alert_mail_stalled_minutes: int = 30  # mail waiting this long with none sent: administrators are alerted
    # /ready answers 503 when no worker has finished a pass for this long (0: worker_interval_seconds x 12).
    worker_stale_seconds: int = 0
    db_connect_timeout_seconds: int = 10
    # PostgreSQL, worker connections only: a frozen worker gives its locks back.
    worker_statement_timeout_seconds: int = 300
    worker_idle_in_transaction_seconds: int = 60
    log_format: str = "text"  # text | json (one JSON object a line, for log collectors)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> "Settings":
        """Read settings from environment variables; collect every problem instead of stopping at the first."""
        env = dict(os.environ if environ is None else environ)
        problems: list[str] = []
        environment = env.get("APP_ENV", "development").strip().lower()
        if environment not in ENVIRONMENTS:
            problems.append(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {environment!r}.")
            environment = "production"  # judge the rest by the strictest rules
        production = environment == "production"

        def integer(name: str, default: int, minimum: int) -> int:
            raw = env.get(name, "")
            if raw == "":
                return default
            try:
                value = int(raw)
            except ValueError:
                problems.append(f"{name} must be a whole number, not {raw!r}.")
                return default
            if value < minimum:
                problems.append(f"{name} must be at least {minimum}, not {value}.")
            return value

        settings = cls(
            environment=environment,
            secret_key=env.get("SECRET_KEY", "") or ("" if production else instance_secret_key()),
            database_url=_normalise_database_url(env.get("DATABASE_URL", "")),
            debug=_flag(env.get("FLASK_DEBUG"), False),
            allow_demo_data=_flag(env.get("ALLOW_DEMO_DATA"), not production),
            service_name=env.get("SERVICE_NAME", cls.service_name),
            partnership_name=env.get("PARTNERSHIP_NAME", cls.partnership_name),
            session_idle_minutes=integer("SESSION_IDLE_MINUTES", 30, 1),
            session_max_hours=integer("SESSION_MAX_HOURS", 12, 1),
            trusted_proxies=integer("TRUSTED_PROXIES", 0, 0),
            api_token_days_personal=integer("API_TOKEN_DAYS_PERSONAL", 90, 1),
            api_token_days_service=integer("API_TOKEN_DAYS_SERVICE", 365, 1),
            session_cookie_secure=_flag(env.get("SESSION_COOKIE_SECURE"), production),
            login_max_failures=integer("LOGIN_MAX_FAILURES", 5, 1),
            login_window_minutes=integer("LOGIN_WINDOW_MINUTES", 15, 1),
            login_max_failures_per_address=integer("LOGIN_MAX_FAILURES_PER_ADDRESS", 30, 1),
            mail=MailSettings(
                host=env.get("SMTP_HOST", "" if production else MailSettings.host),
                port=integer("SMTP_PORT", MailSettings.port, 1),
                security=env.get("SMTP_SECURITY", MailSettings.security).strip().lower(),
                username=env.get("SMTP_USERNAME", ""),
                password=env.get("SMTP_PASSWORD", ""),
                sender=env.get("MAIL_SENDER", MailSettings.sender),
                organizer=env.get("MAIL_ORGANIZER", MailSettings.organizer),
                max_attempts=integer("MAIL_MAX_ATTEMPTS", MailSettings.max_attempts, 1),
                timeout_seconds=integer("SMTP_TIMEOUT_SECONDS", MailSettings.timeout_seconds, 1),
                message_deadline_seconds=integer("SMTP_MESSAGE_DEADLINE_SECONDS",
                                                 MailSettings.message_deadline_seconds, 1),
                allow_unencrypted=_flag(env.get("SMTP_ALLOW_UNENCRYPTED"), False),
                service_url=env.get("SERVICE_URL", MailSettings.service_url).rstrip("/"),
            ),
            replies=ReplySettings(
                imap_host=env.get("IMAP_HOST", ""),
                imap_port=integer("IMAP_PORT", ReplySettings.imap_port, 1),
                imap_security=env.get("IMAP_SECURITY", ReplySettings.imap_security).strip().lower(),
                imap_username=env.get("IMAP_USERNAME", ""),
                imap_password=env.get("IMAP_PASSWORD", ""),
                imap_folder=env.get("IMAP_FOLDER", ReplySettings.imap_folder),
                poll_seconds=integer("IMAP_POLL_SECONDS", ReplySettings.poll_seconds, 10),
                gateway_secret=env.get("MAIL_GATEWAY_SECRET", ""),
            ),
            worker_interval_seconds=integer("WORKER_INTERVAL_SECONDS", 5, 1),
            worker_mail_budget_seconds=integer("WORKER_MAIL_BUDGET_SECONDS", 30, 1),
            render_timeout_seconds=integer("RENDER_TIMEOUT_SECONDS", 120, 5),
            render_memory_mb=integer("RENDER_MEMORY_MB", 1024, 128),
            alert_mail_stalled_minutes=integer("ALERT_MAIL_STALLED_MINUTES", 30, 1),
            worker_stale_seconds=integer("WORKER_STALE_SECONDS", 0, 0),
            db_connect_timeout_seconds=integer("DB_CONNECT_TIMEOUT_SECONDS", 10, 1),
            worker_statement_timeout_seconds=integer("WORKER_STATEMENT_TIMEOUT_SECONDS", 300, 0),
            worker_idle_in_transaction_seconds=integer("WORKER_IDLE_IN_TRANSACTION_SECONDS", 60, 0),
            log_format=env.get("LOG_FORMAT", "text").strip().lower(),
        )
        if settings.log_format not in {"text", "json"}:
            problems.append(f"LOG_FORMAT must be text or json, not {settings.log_format!r}.")
        if settings.mail.security not in {"none", "starttls", "ssl"}:
            problems.append(f"SMTP_SECURITY must be none, starttls or ssl, not {settings.mail.security!r}.")
        if settings.replies.imap_security not in {"none", "starttls", "ssl"}:
            problems.append(f"IMAP_SECURITY must be none, starttls or ssl, not {settings.replies.imap_security!r}.")
        if settings.replies.gateway_secret and len(settings.replies.gateway_secret) < 32:
            problems.append("MAIL_GATEWAY_SECRET must be a random value of at least 32 characters.")
        if settings.secret_key in RETIRED_DEVELOPMENT_KEYS:
            problems.append("SECRET_KEY is the constant development key published with earlier versions: "
                            "unset it (development makes its own) or set a random value.")
        settings.problems = problems + settings.production_problems()
        return settings

    def production_problems(self) -> list[str]:
        """What a production deployment must never run with."""
        if self.environment != "production":
            return []
        problems = []
        if not self.secret_key:
            problems.append("SECRET_KEY must be set in production.")
        elif len(self.secret_key) < 32:
            problems.append("SECRET_KEY must be a random value of at least 32 characters.")
        if self.debug:
            problems.append("FLASK_DEBUG must be off in production: the debugger runs code sent to it.")
        if self.allow_demo_data:
            problems.append("ALLOW_DEMO_DATA must be off in production: demo accounts share a known password.")
        if not self.session_cookie_secure:
            problems.append("SESSION_COOKIE_SECURE must be on in production.")
        if self.database_url.startswith("sqlite"):
            problems.append("DATABASE_URL must point at PostgreSQL in production.")
        if not self.mail.host:
            problems.append("SMTP_HOST must be set in production: notifications and invitations go by e-mail.")
        if self.mail.security == "none" and not self.mail.allow_unencrypted:
            problems.append("SMTP_SECURITY must be starttls or ssl in production: mail carries case references and "
                            "sign-in links. Set SMTP_ALLOW_UNENCRYPTED=true only for a relay on the same host.")
        if self.replies.imap_configured and self.replies.imap_security == "none":
            problems.append("IMAP_SECURITY must be ssl or starttls in production: the mailbox password and the "
                            "replies would cross the network in clear.")
        if not self.mail.service_url.startswith("https://"):
            problems.append("SERVICE_URL must be the service's https:// address in production (links in e-mails).")
        return problems

    def engine_options(self) -> dict:
        """SQLAlchemy engine options for the database this configuration names."""
        options = {
            # Statement parameters hold children's details: never put them in exception messages or logs.
            "hide_parameters": True,
            # A pooled connection the server dropped (a restart, an idle timeout) is found and replaced before
            # use, instead of failing the first statement of a request.
            "pool_pre_ping": True,
        }
        if self.database_url.startswith("postgresql"):
            # A server that does not answer fails the connection after this long rather than hanging the
            # request. (SQLite waits for its write lock with its own busy timeout: webapp/database.py.)
            options["connect_args"] = {"connect_timeout": self.db_connect_timeout_seconds}
        return options

    def flask_config(self) -> dict:
        """The Flask and extension settings derived from these settings."""
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": self.engine_options(),
            "DEBUG": self.debug,
            "TESTING": self.environment == "test",
            "APP_SETTINGS": self,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.session_cookie_secure,
            "SESSION_COOKIE_NAME": "cin_session",
            "REMEMBER_COOKIE_DURATION": 0,
            "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the (idle-limited) session
            "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
        }


def instance_secret_key(instance_path: Path = PROJECT_ROOT / "instance") -> str:
    """Development and test: a random key made on first start and kept in instance/, so sessions survive a
    restart and every process of one installation signs alike, yet no two installations share a key."""
    path = instance_path / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
            handle.write(key + "\n")
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text().strip()
    return key


def _normalise_database_url(url: str) -> str:
    """The SQLite file in instance/ by default; plain postgresql:// URLs use the psycopg 3 driver we ship."""
    if not url:
        return f"sqlite:///{PROJECT_ROOT / 'instance' / 'app.db'}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
