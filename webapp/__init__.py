"""The application factory: configuration, extensions and blueprints, wired explicitly."""
from __future__ import annotations

import logging
import re
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from webapp.config import PROJECT_ROOT, ConfigError, Settings
from webapp.database import begin_writes_early, prepare_sqlite
from webapp.extensions import csrf, db, login_manager, migrate
from webapp.shell.json import BoundedJSONProvider


def create_app(config_overrides: dict | None = None, settings: Settings | None = None) -> Flask:
    """Build the app; refuses to start when the configuration has problems."""
    settings = settings or Settings.from_environment()
    if settings.problems:
        raise ConfigError(settings.problems)

    app = Flask(__name__, template_folder=None, static_folder="static",
                instance_path=str(PROJECT_ROOT / "instance"))
    app.json = BoundedJSONProvider(app)  # a body nested too deeply to read is a 400, not a 500
    app.config.from_mapping(settings.flask_config())
    app.config.update(config_overrides or {})
    Path(app.instance_path).mkdir(exist_ok=True)  # the default SQLite file lives here
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(PROJECT_ROOT / "templates"),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    if settings.trusted_proxies:
        # Behind N reverse proxies the client is the Nth address from the right of X-Forwarded-For: sign-in
        # limits and the audit trail use it. Headers are never trusted with no proxy configured.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies,
                                x_host=settings.trusted_proxies)
    _configure_logging(settings.log_format)
    if settings.environment == "production" and settings.mail.security == "none":
        logging.getLogger(__name__).warning(
            "SMTP_SECURITY=none with SMTP_ALLOW_UNENCRYPTED: mail leaves this host unencrypted to %s:%s",
            settings.mail.host, settings.mail.port)
    _bind_extensions(app)
    _wire_core()
    _register_blueprints(app)
    return app


class _NoQueryStrings(logging.Filter):
    """Request logs keep the path but drop the query string: a search for a child's name must not be logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):  # logging's one-mapping form: "%(path)s", {"path": ...}
            record.args = {key: _without_query(arg) if isinstance(arg, str) else arg
                           for key, arg in record.args.items()}
        else:
            record.args = tuple(_without_query(arg) if isinstance(arg, str) else arg for arg in record.args or ())
        record.msg = _without_query(record.msg) if isinstance(record.msg, str) else record.msg
        return True


# A query string ends only where the request line's protocol begins (the last " HTTP/"), or else at the end of
# the text: its values may hold quotes, raw spaces and anything %-decoded, so no character inside can end it.
_QUERY_IN_REQUEST_LINE = re.compile(r"\?.*(?= HTTP/\d)", re.DOTALL)
_QUERY_TO_THE_END = re.compile(r"\?.*", re.DOTALL)
# http.server's own complaints quote pieces of a request line split at raw spaces (the query's last word).
_QUOTED_REQUEST_PIECE = re.compile(r"(Bad request (?:version|syntax)) \(.*\)", re.DOTALL)


def _without_query(text: str) -> str:
    text = _QUOTED_REQUEST_PIECE.sub(r"\1 (…)", text)
    if "?" not in text:
        return text
    redacted, found = _QUERY_IN_REQUEST_LINE.subn("?…", text, count=1)
    return redacted if found else _QUERY_TO_THE_END.sub("?…", text, count=1)


class JsonLogFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message (messages never carry personal data)."""

    def format(self, record: logging.LogRecord) -> str:
        import json

        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def _configure_logging(log_format: str = "text") -> None:
    # SpiffWorkflow's loggers attach whole task data (children's details) to INFO records, and
    # SQLAlchemy's echo logs statement parameters: neither may ever reach a log.
    for name in ("spiff", "spiff.metrics", "spiff.task", "spiff.workflow", "sqlalchemy"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if log_format == "json":
        root = logging.getLogger()
        if not any(isinstance(h.formatter, JsonLogFormatter) for h in root.handlers):
            handler = logging.StreamHandler()
            handler.setFormatter(JsonLogFormatter())
            root.addHandler(handler)
            root.setLevel(min(root.level, logging.INFO) if root.level else logging.INFO)
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, _NoQueryStrings) for f in werkzeug.filters):
        werkzeug.addFilter(_NoQueryStrings())


def _bind_extensions(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    import webapp.models  # noqa: F401  (the whole schema, for migrations)
    from webapp.auth.views import load_user

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            prepare_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    WTFormsHelpers(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


def _wire_core() -> None:
    """The core gets its tables (handlers, diagram contract, role rule, expression sources, step hooks, document
    kinds) here, from webapp/wiring.py."""
    from webapp.wiring import install_tables

    install_tables()


def _register_blueprints(app: Flask) -> None:
    from webapp.agencies.views import blueprint as agencies_blueprint
    from webapp.audit.views import blueprint as audit_blueprint
    from webapp.auth.admin_views import blueprint as auth_admin_blueprint
    from webapp.auth.views import blueprint as auth_blueprint
    from webapp.cases.views import blueprint as cases_blueprint
    from webapp.closure.views import blueprint as closure_blueprint
    from webapp.escalations.views import blueprint as escalations_blueprint
    from webapp.processes.views import blueprint as processes_blueprint
    from webapp.api.pages import blueprint as api_tokens_blueprint
    from webapp.api.views import blueprint as api_blueprint
    from webapp.information_requests.views import blueprint as information_requests_blueprint
    from webapp.mail.views import blueprint as mail_blueprint
    from webapp.meetings.inbox_views import blueprint as meeting_replies_blueprint
    from webapp.meetings.views import blueprint as meetings_blueprint
    from webapp.minutes.views import blueprint as minutes_blueprint
    from webapp.monitoring.views import blueprint as monitoring_blueprint
    from webapp.partnership.views import blueprint as partnership_blueprint
    from webapp.plans.views import blueprint as plans_blueprint
    from webapp.pregnancy.views import blueprint as pregnancy_blueprint
    from webapp.safer_sleep.views import blueprint as safer_sleep_blueprint
    from webapp.visits.views import blueprint as visits_blueprint
    from webapp.returns.views import blueprint as returns_blueprint
    from webapp.cli import register_commands
    from webapp.auth.session_guard import register_session_guard
    from webapp.shell.security import register_security
    from webapp.frame.views import blueprint as frame_blueprint, register_error_pages

    app.before_request(begin_writes_early)  # first: before anything reads the database
    register_security(app)  # the CSP nonce first: every later hook's page may need it
    register_session_guard(app)
    register_error_pages(app)
    app.register_blueprint(frame_blueprint)
    app.register_blueprint(auth_blueprint)
    app.register_blueprint(auth_admin_blueprint)
    app.register_blueprint(agencies_blueprint)
    app.register_blueprint(cases_blueprint)
    app.register_blueprint(closure_blueprint)
    app.register_blueprint(information_requests_blueprint)
    app.register_blueprint(pregnancy_blueprint)
    app.register_blueprint(safer_sleep_blueprint)
    app.register_blueprint(partnership_blueprint)
    app.register_blueprint(mail_blueprint)
    app.register_blueprint(monitoring_blueprint)  # and the administrators' alert banner on every page
    app.register_blueprint(meetings_blueprint)
    app.register_blueprint(meeting_replies_blueprint)
    app.register_blueprint(minutes_blueprint)
    app.register_blueprint(plans_blueprint)
    app.register_blueprint(visits_blueprint)
    app.register_blueprint(returns_blueprint)
    app.register_blueprint(escalations_blueprint)
    app.register_blueprint(processes_blueprint)
    app.register_blueprint(api_blueprint)
    app.register_blueprint(api_tokens_blueprint)
    if app.config["APP_SETTINGS"].environment == "development":
        from webapp.mail.dev_views import blueprint as dev_mail_blueprint

        app.register_blueprint(dev_mail_blueprint)
    app.register_blueprint(audit_blueprint)
    register_commands(app)
