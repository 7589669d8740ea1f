"""The log scan that guards every test really finds children's names."""
import logging

from tests.logscan import find_child_names
from webapp.demo import DEMO_CHILD_NAMES


def _record(message, *args, **extra):
    record = logging.LogRecord("webapp.test", logging.INFO, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def test_names_in_messages_arguments_and_extra_fields_are_found():
    child = DEMO_CHILD_NAMES[0]
    surname = child.split()[-1]
    records = [_record("Case opened for %s", child), _record(f"Visit to the {surname.upper()} household"),
               _record("task data", data={"child": child}), _record("Case CIN-0001 opened")]
    leaks = find_child_names(records)
    assert len(leaks) == 3 and all(leak.startswith("webapp.test") for leak in leaks)
