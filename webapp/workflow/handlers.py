"""Service-task handlers: what a handler receives and declares. The table itself is in
webapp/service_handlers.py, handed to the runtime at start-up (webapp/wiring.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable


@dataclass(frozen=True)
class ServiceCall:
    """What a handler is told: which instance and subject, the step, a copy of the workflow data, the step's
    settings (`camunda:properties`, for example the stage a case moves to) and the time of the step or timer
    that ran it (a handler never reads the clock itself)."""

    instance_id: int
    subject_type: str
    subject_id: int
    bpmn_id: str
    data: dict
    properties: dict
    now: datetime


@dataclass(frozen=True)
class ServiceHandler:
    """A named handler: the function, and the data names it may set (so diagrams can be checked)."""

    function: Callable[[ServiceCall], dict | None]
    outputs: frozenset[str] = frozenset()
    description: str = ""
    # The settings a diagram must give the step, each with the values allowed (None: any value).
    properties: dict[str, frozenset[str] | None] = field(default_factory=dict)
