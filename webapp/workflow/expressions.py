"""The restricted evaluator for gateway conditions and timer values. Never plain eval/exec: SpiffWorkflow's
default engine runs arbitrary Python from the diagram. simpleeval evaluates expressions only (no statements,
no imports, no dunder attributes, bounded strings and powers); script tasks are refused."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable

from simpleeval import EvalWithCompoundTypes, InvalidExpression
from SpiffWorkflow.bpmn.script_engine import BasePythonScriptEngineEnvironment, PythonScriptEngine

from webapp.columns import utc_now
from webapp.workflow.calendar import LONDON, add_working_days, end_of_day

ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")


class ExpressionError(Exception):
    """An expression failed to evaluate; the message says why in plain words."""


class ScriptsNotAllowed(PermissionError):
    """Script tasks are refused: diagrams say what happens, domain code does the work."""


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.astimezone(LONDON).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        return parsed.astimezone(LONDON).date() if parsed.tzinfo else parsed.date()
    raise ExpressionError(f"expected a date, not {type(value).__name__}")


@dataclass
class DomainSources:
    """Where expressions read the partnership's figures; create_app wires them (explicitly, once)."""

    extra_holidays: Callable[[], frozenset[date]] = frozenset
    setting: Callable[[str], object] | None = None
    setting_names: frozenset[str] = frozenset()
    meeting_start: Callable[[int], datetime] | None = None


SOURCES = DomainSources()


def configure_domain(sources: DomainSources) -> None:
    global SOURCES
    SOURCES = sources


def working_days_after(start, count: int) -> str:
    """The end of the count-th working day after start, as an ISO timestamp for a timeDate timer."""
    return end_of_day(add_working_days(_as_date(start), int(count), SOURCES.extra_holidays())).isoformat()


def working_days_before(moment, count: int) -> str:
    """08:00 London on the count-th working day before moment: when a reminder goes out."""
    day = add_working_days(_as_date(moment), -int(count), SOURCES.extra_holidays())
    return datetime.combine(day, time(8, 0), tzinfo=LONDON).astimezone(timezone.utc).isoformat()


def meeting_start(meeting_id) -> str:
    """When a meeting starts, read from the meeting itself, so that a moved meeting moves its timers."""
    if SOURCES.meeting_start is None or meeting_id is None:
        raise ExpressionError("no meeting is known here")
    return SOURCES.meeting_start(int(meeting_id)).isoformat()


def setting(name: str):
    """A partnership setting by name, for example setting('information_request_working_days')."""
    if name not in SOURCES.setting_names or SOURCES.setting is None:
        raise ExpressionError(f"there is no setting called {name!r}")
    return SOURCES.setting(name)


def days_after(start, count: int) -> str:
    """The end of the count-th calendar day after start, as an ISO timestamp."""
    return end_of_day(_as_date(start) + timedelta(days=int(count))).isoformat()


def interval_after(start, count: int, unit: str) -> str:
    """The end of the day `count` weeks, working days or calendar days after start (a review cadence)."""
    if unit == "working_days":
        return working_days_after(start, count)
    return days_after(start, int(count) * (7 if unit == "weeks" else 1))


def before_gestation(expected_delivery_on, weeks: int) -> str:
    """The end of the last day before a pregnancy reaches `weeks` weeks (40 weeks at the expected delivery date)."""
    reached = _as_date(expected_delivery_on) - timedelta(weeks=40 - int(weeks))
    return end_of_day(reached - timedelta(days=1)).isoformat()


def today() -> str:
    """Today's date in London, ISO formatted."""
    return utc_now().astimezone(LONDON).date().isoformat()


DOMAIN_FUNCTIONS = {
    "working_days_after": working_days_after,
    "working_days_before": working_days_before,
    "meeting_start": meeting_start,
    "days_after": days_after,
    "setting": setting,
    "interval_after": interval_after,
    "before_gestation": before_gestation,
    "today": today,
    "len": len, "min": min, "max": max, "abs": abs, "round": round,
    "int": int, "str": str, "bool": bool,
}


def is_bare_iso(expression: str) -> bool:
    """Timer values as other modelers write them: P10D, 2026-03-02T09:00:00Z, R3/PT1H."""
    text = expression.strip()
    if ISO_DURATION.match(text) or (text.startswith("R") and "/" in text):
        return True
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return "T" in text or "-" in text


def evaluate(expression: str, data: dict):
    """Evaluate one expression against task data with the domain functions; raise ExpressionError."""
    if is_bare_iso(expression):
        return expression.strip()
    # A name the data does not hold yet reads as None (`review_held_on or plan_agreed_on`); names are checked
    # against the forms and handlers at deploy, so a misspelt name never gets this far.
    evaluator = EvalWithCompoundTypes(names=lambda node: data.get(node.id), functions=DOMAIN_FUNCTIONS)
    try:
        return evaluator.eval(expression)
    except InvalidExpression as error:
        raise ExpressionError(f"{type(error).__name__}: {error}") from None
    except SyntaxError as error:
        raise ExpressionError(f"not a valid expression: {error.msg}") from None
    except (TypeError, ValueError, ArithmeticError, KeyError, IndexError, AttributeError) as error:
        raise ExpressionError(f"{type(error).__name__}: {error}") from None


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow's script environment, restricted: expressions through `evaluate`, services through the
    runtime's handler table, and no scripts at all."""

    def __init__(self, call_handler=None):
        super().__init__({})
        self._call_handler = call_handler

    def evaluate(self, expression, context, external_context=None):
        return evaluate(expression, {**context, **(external_context or {})})

    def execute(self, script, context, external_context=None):
        raise ScriptsNotAllowed("script tasks are not allowed; use a service task with a named handler")

    def call_service(self, context, handler=None, step=None, properties=None, **kwargs):
        if self._call_handler is None:
            raise ExpressionError("no service handlers are available here")
        context.update(self._call_handler(handler, step, properties or {}, dict(context)) or {})


def script_engine(call_handler=None) -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedEnvironment(call_handler))
