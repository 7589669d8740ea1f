"""Sign-in throttling: which recent failures stop a name at an address, or an address, and until when.

Failures are the audit trail's "auth.sign_in_failed" rows, so every web process sees the same counts. A refused
attempt is audited with reason "locked" but never counted: attempts made while stopped do not keep the stop going.
No rule stops a name everywhere (that would let anyone lock a person out): an address with no recent failures
may always try, so the real person signing in from their own address with the right password gets in.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from webapp.audit.services import latest_event_times

SIGN_IN_FAILED = "auth.sign_in_failed"
LOCKED = "locked"


@dataclass(frozen=True)
class SignInLimits:
    """The sign-in settings: LOGIN_WINDOW_MINUTES, LOGIN_MAX_FAILURES, LOGIN_MAX_FAILURES_PER_ADDRESS."""

    window: timedelta
    per_name_and_address: int
    per_address: int


def normalise_username(username: str) -> str:
    """The name as counted and audited: case and surrounding spaces do not make another name."""
    return username.strip().lower()[:120]


def blocked_until(name: str, address: str | None, *, now: datetime, limits: SignInLimits) -> datetime | None:
    """When this name may next be tried from this address, or None when it may be tried now."""
    since = now - limits.window
    ends = []
    pair = _failures(since, limits.per_name_and_address, actor_label=name, ip_address=address)
    if len(pair) >= limits.per_name_and_address:
        ends.append(pair[-1] + limits.window)
    spray = _failures(since, limits.per_address, ip_address=address)
    if len(spray) >= limits.per_address:
        ends.append(spray[-1] + limits.window)
    if pair:
        # A name failing from many addresses at once is under a distributed attack: each address that has
        # already failed for it waits out the window, so a botnet gets one guess per address, not several.
        # Addresses with no failures for it are untouched, the real person's among them.
        everywhere = _failures(since, limits.per_address, actor_label=name)
        if len(everywhere) >= limits.per_address:
            ends.append(min(pair[0], everywhere[-1]) + limits.window)
    latest = max(ends, default=None)
    return latest if latest is not None and latest > now else None


def wait_message(until: datetime, now: datetime) -> str:
    """What the person is told: how many whole minutes (rounded up) until they may try again."""
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return f"Too many failed attempts. Wait {minutes} minute{'' if minutes == 1 else 's'}, then try again"


def _failures(since: datetime, limit: int, **where) -> list[datetime]:
    return latest_event_times(SIGN_IN_FAILED, since, limit=limit, except_reason=LOCKED, **where)
