"""Looks for demo children's names in log records (message, arguments and any extra fields)."""
from __future__ import annotations

import logging

from webapp.demo import DEMO_CHILD_NAMES

_NEEDLES = {part.lower() for name in DEMO_CHILD_NAMES for part in [name, name.split()[-1]]}


def find_child_names(records: list[logging.LogRecord]) -> list[str]:
    """One line per record that mentions a demo child, naming the logger and the name found."""
    leaks = []
    for record in records:
        try:
            text = f"{record.getMessage()} {record.__dict__}".lower()
        except Exception:  # a record whose arguments do not format still gets scanned raw
            text = f"{record.msg} {record.args} {record.__dict__}".lower()
        found = sorted(needle for needle in _NEEDLES if needle in text)
        if found:
            leaks.append(f"{record.name}: {', '.join(found)}")
    return leaks
