"""What the workflow core is given at start-up, so that it imports no domain package: the service-task handler
table, the diagram contract and the rule for who may do a step. `create_app` fills it from webapp/wiring.py."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from webapp.workflow.contract import Reliance
from webapp.workflow.handlers import ServiceHandler

# (actor, the roles a diagram gives the step) -> why the actor may not do it, or None when they may
StepRefusal = Callable[[object, tuple[str, ...]], "str | None"]


@dataclass(frozen=True)
class Wiring:
    handlers: Mapping[str, ServiceHandler]
    contract: tuple[Reliance, ...]
    step_refusal: StepRefusal
    role_named: Callable[[str], "str | None"]  # a diagram's candidateGroups entry -> the role's value, if one


_wiring: Wiring | None = None


def install(wiring: Wiring) -> None:
    global _wiring
    _wiring = wiring


def wired() -> Wiring:
    if _wiring is None:
        raise RuntimeError("the workflow core is not wired: create the app first (webapp.create_app)")
    return _wiring
