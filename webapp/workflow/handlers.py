"""Service-task handlers: what a handler receives and declares. The table itself is wired in
webapp/service_handlers.py, the one place where the runtime calls back into domain code."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class ServiceCall:
    """What a handler is told: which instance and subject, the step, and a copy of the workflow data."""

    instance_id: int
    subject_type: str
    subject_id: int
    bpmn_id: str
    data: dict


@dataclass(frozen=True)
class ServiceHandler:
    """A named handler: the function, and the data names it may set (so diagrams can be checked)."""

    function: Callable[[ServiceCall], dict | None]
    outputs: frozenset[str] = frozenset()
    description: str = ""
