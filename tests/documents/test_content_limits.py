"""Every record that becomes a PDF (or a page) is bounded: each list has a most number of items and each text a
most length, so no record can be too big to render within the worker's limits (the longest minutes the schema
allows render in well under the time and memory a render is given: see test_bounded_render.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.minutes.builders import CONTENT, held_meeting, write
from webapp.errors import InvalidInput
from webapp.minutes.services import CONTENT_SCHEMA

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
SCHEMAS = [PROJECT_ROOT / "webapp" / "minutes" / "content_schema.json",
           *sorted((PROJECT_ROOT / "workflows" / "forms").glob("*.json"))]
BOUNDED_FORMATS = {"date", "date-time"}  # checked by the format checker, so short by construction


def unbounded(node, path: str = "") -> list[str]:
    """The paths of the arrays with no maxItems and the free texts with no maxLength in a schema."""
    found = []
    if isinstance(node, dict):
        types = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
        if "array" in types and "maxItems" not in node:
            found.append(f"{path or '/'}: an array with no maxItems")
        if ("string" in types and "maxLength" not in node and node.get("format") not in BOUNDED_FORMATS
                and not any(key in node for key in ("enum", "const", "oneOf", "anyOf"))):
            found.append(f"{path or '/'}: a text with no maxLength")
        for key, value in node.items():
            found += unbounded(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += unbounded(value, f"{path}[{index}]")
    return found


@pytest.mark.parametrize("schema_path", SCHEMAS, ids=lambda path: path.name)
def test_every_list_and_text_of_every_form_is_bounded(schema_path):
    assert unbounded(json.loads(schema_path.read_text())) == []


def test_the_minutes_limits_are_generous_but_finite():
    properties = CONTENT_SCHEMA["properties"]
    assert properties["actions"]["maxItems"] == 100 and properties["progress"]["maxItems"] == 50


def test_minutes_with_more_actions_than_the_limit_are_refused(partnership, clock):
    case, meeting, sw1, tm1 = held_meeting(partnership)
    action = {"action": "Share the sleep routine leaflet", "owner": "Demo Health Visitor", "due_on": "2026-03-20"}
    with pytest.raises(InvalidInput) as refused:
        write(sw1, case, {**CONTENT, "actions": [action] * 101})
    assert refused.value.field_errors == {"actions": "The minutes have up to 100 actions"}
    with pytest.raises(InvalidInput) as refused:
        write(sw1, case, {**CONTENT, "progress": [{"outcome": "Ava sleeps by 8pm"}] * 51})
    assert set(refused.value.field_errors) == {"progress"}
    version = write(sw1, case, {**CONTENT, "actions": [action] * 100})  # the limit itself is allowed
    assert len(version.content["actions"]) == 100
