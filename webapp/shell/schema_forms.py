"""Forms described by JSON Schema, shown as GOV.UK components and read back from posted fields.

Supported: text, long text (`"x-widget": "textarea"`), e-mail, dates (`"format": "date"`, as day/month/year),
whole numbers, yes/no (boolean), choices (`enum`, or `oneOf` of `{"const", "title"}`; radios, or a select with
`"x-widget": "select"`), several choices (array of choices, as checkboxes), choices filled by the service
(`"x-choices": "<provider>"`), and repeating groups (array of objects) that work without JavaScript. A follow-up
question is shown under a choice when the schema says, in plain JSON Schema, that it is required for that
choice: `allOf: [{"if": {"properties": {"q": {"const": v}}}, "then": {"required": ["follow_up"]}}]`."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from werkzeug.datastructures import MultiDict

from webapp.shell.wording import capitalised, field_phrase, with_article

Choices = list[tuple[str, str]]
ChoiceProvider = Callable[[str], Choices]


@dataclass
class Field:
    name: str  # the HTML name and id
    key: str  # the property name in the data
    kind: str  # text, textarea, email, number, date, radios, select, checkboxes, group
    label: str
    hint: str | None = None
    value: Any = None
    error: str | None = None
    options: Choices = field(default_factory=list)
    reveals: dict[str, list["Field"]] = field(default_factory=dict)  # option value -> follow-up fields
    rows: list[list["Field"]] = field(default_factory=list)  # a group's items
    item_label: str = "Item"
    max_rows: int | None = None  # a group's maxItems: no "Add another" once reached
    required: bool = False  # in the schema's own `required`: a form section counts as done once these are answered

    @property
    def one_item(self) -> str:
        """"an action", "a meeting": one of a group's items, in a sentence."""
        return with_article(self.item_label.lower())


def _choices(schema: dict, provider: ChoiceProvider | None) -> Choices | None:
    if "x-choices" in schema:
        return provider(schema["x-choices"]) if provider else []
    if "oneOf" in schema:
        return [(str(option["const"]), option.get("title", str(option["const"]))) for option in schema["oneOf"]]
    if "enum" in schema:
        return [(str(value), str(value).replace("_", " ").capitalize()) for value in schema["enum"]]
    if schema.get("type") == "boolean":
        return [("true", "Yes"), ("false", "No")]
    return None


def _reveals(schema: dict) -> dict[str, dict[str, list[str]]]:
    """{question: {value: [follow-up fields]}} from allOf if/then rules."""
    found: dict[str, dict[str, list[str]]] = {}
    for rule in schema.get("allOf", []):
        condition = rule.get("if", {}).get("properties", {})
        if len(condition) == 1 and "then" in rule:
            question, test = next(iter(condition.items()))
            if "const" in test:
                value = str(test["const"]).lower() if isinstance(test["const"], bool) else str(test["const"])
                found.setdefault(question, {}).setdefault(value, []).extend(rule["then"].get("required", []))
    return found


def _required_somewhere(schema: dict) -> set[str]:
    """The fields a rule may require (a follow-up under its choice, one of two dates, an answer only some
    outcomes need): never marked "(optional)"; the form's own hint says when they are needed."""
    found: set[str] = set()

    def visit(node):
        if isinstance(node, dict):
            found.update(node.get("required", []) if node is not schema else [])
            for names in node.get("dependentRequired", {}).values():
                found.update(names)
            for key in ("allOf", "anyOf", "oneOf", "then", "else", "not"):
                if key in node:
                    visit(node[key])
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(schema)
    return found


def _kind(schema: dict, choices: Choices | None) -> str:
    if schema.get("type") == "array":
        return "group" if schema.get("items", {}).get("type") == "object" else "checkboxes"
    if choices is not None:
        return "select" if schema.get("x-widget") == "select" or len(choices) > 8 else "radios"
    if schema.get("format") == "date":
        return "date"
    if schema.get("format") == "email":
        return "email"
    if schema.get("type") == "integer":
        return "number"
    return "textarea" if schema.get("x-widget") == "textarea" else "text"


def build_fields(schema: dict, data: dict, errors: dict[str, str], *, provider: ChoiceProvider | None = None,
                 prefix: str = "", rows_shown: dict[str, int] | None = None) -> list[Field]:
    """The fields of a form, with values and errors, follow-up questions nested under their choices."""
    properties = schema.get("properties", {})
    reveals = _reveals(schema)
    revealed = {name for by_value in reveals.values() for names in by_value.values() for name in names}
    required = set(schema.get("required", [])) | _required_somewhere(schema)
    fields: dict[str, Field] = {}
    for key, prop in properties.items():
        choices = _choices(prop, provider) if prop.get("type") != "array" else _choices(prop.get("items", {}), provider)
        kind = _kind(prop, choices)
        value = data.get(key)
        label = prop.get("title", key.replace("_", " ").capitalize())
        fields[key] = Field(
            name=f"{prefix}{key}", key=key, kind=kind, label=label if key in required else f"{label} (optional)",
            hint=prop.get("description"), value=_shown(value, prop), error=errors.get(f"{prefix}{key}"),
            options=choices or [], item_label=prop.get("x-item-title", "Item"), max_rows=prop.get("maxItems"),
            required=key in schema.get("required", []),  # always, not only after some answer
        )
        if kind == "group":
            items = value if isinstance(value, list) else []
            count = max(len(items), (rows_shown or {}).get(key, 0), prop.get("minItems", 0), 1)
            if prop.get("maxItems"):  # a hand-made "add" past the limit shows no empty row beyond it
                count = max(len(items), min(count, prop["maxItems"]))
            fields[key].rows = [
                build_fields(prop["items"], items[index] if index < len(items) else {}, errors, provider=provider,
                             prefix=f"{prefix}{key}-{index}-")
                for index in range(count)
            ]
    for question, by_value in reveals.items():
        if question in fields:
            fields[question].reveals = {value: [fields[name] for name in names if name in fields]
                                        for value, names in by_value.items()}
    return [f for key, f in fields.items() if key not in revealed]


def _shown(value, prop: dict):
    """A stored value as the form shows it (booleans as the radio values)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def parse_submission(schema: dict, form: MultiDict, *, prefix: str = "") -> tuple[dict, dict[str, str]]:
    """Posted fields to data of the schema's types; blank answers are left out, so `required` catches them.
    Returns the data and the errors that typing alone finds (a date that does not exist, a number in words)."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, prop in schema.get("properties", {}).items():
        name = f"{prefix}{key}"
        phrase = field_phrase(prop, key)
        kind = _kind(prop, _choices(prop, None) if prop.get("type") != "array" else None)
        if prop.get("type") == "array" and prop.get("items", {}).get("type") == "object":
            rows = []
            for index in _row_indexes(form, f"{name}-"):
                row, row_errors = parse_submission(prop["items"], form, prefix=f"{name}-{index}-")
                if row or row_errors:
                    rows.append(row)
                    errors.update(row_errors)
            if rows:
                data[key] = rows
        elif prop.get("type") == "array":
            values = [v for v in form.getlist(name) if v]
            if values:
                data[key] = [int(v) if prop["items"].get("type") == "integer" and v.isdecimal() else v for v in values]
        elif kind == "date":
            parts = [form.get(f"{name}-{part}", "").strip() for part in ("day", "month", "year")]
            if any(parts):
                try:
                    data[key] = date(int(parts[2]), int(parts[1]), int(parts[0])).isoformat()
                except ValueError:
                    errors[name] = f"{capitalised(phrase)} must be a real date, like 27 3 2026"
        else:
            raw = form.get(name, "").strip()
            if raw == "":
                continue
            if prop.get("type") == "boolean":
                data[key] = raw == "true"
            elif prop.get("type") == "integer":
                try:
                    data[key] = int(raw)
                except ValueError:
                    errors[name] = f"Enter {phrase} as a whole number"
            else:
                data[key] = raw
    return data, errors


def _row_indexes(form: MultiDict, prefix: str) -> list[int]:
    indexes = {int(name[len(prefix):].split("-", 1)[0]) for name in form if name.startswith(prefix)
               and name[len(prefix):].split("-", 1)[0].isdecimal()}
    return sorted(indexes)


def error_list(fields: list[Field]) -> list[dict]:
    """The GOV.UK error summary's list, in the order fields appear, each linking to its field."""
    items = []
    for f in fields:
        if f.error:
            items.append({"text": f.error, "href": f"#{f.name}-day" if f.kind == "date" else f"#{f.name}"})
        for children in f.reveals.values():
            items += error_list(children)
        for row in f.rows:
            items += error_list(row)
    return items


def describe_answers(schema: dict, answers: dict, provider: ChoiceProvider | None = None) -> list[tuple[str, str]]:
    """Answers as (question, answer) lines in the form's order, for histories and summaries."""
    lines = []
    for key, prop in schema.get("properties", {}).items():
        if key not in answers or answers[key] in (None, "", []):
            continue
        lines.append((prop.get("title", key), _describe(prop, answers[key], provider)))
    return lines


def _describe(prop: dict, value, provider: ChoiceProvider | None) -> str:
    if prop.get("type") == "array" and prop.get("items", {}).get("type") == "object":
        item = prop.get("x-item-title", "Item")
        return "\n".join(f"{item} {number}: " + "; ".join(f"{q}: {a}" for q, a in
                                                         describe_answers(prop["items"], row, provider))
                         for number, row in enumerate(value, 1))
    if prop.get("type") == "array":
        return ", ".join(_describe(prop.get("items", {}), v, provider) for v in value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    choices = _choices(prop, provider)
    if choices:
        return dict(choices).get(str(value), str(value))
    if prop.get("format") == "date":
        return date.fromisoformat(value).strftime("%-d %B %Y")
    return str(value)


def read_form(schema: dict, form: MultiDict) -> tuple[str, dict, dict[str, str], dict[str, int]]:
    """What the person asked for and what they entered: (action, answers, typing errors, rows to show per
    repeating group). Actions: "submit", "draft", "add:<group>" (one more row), "remove:<group>:<row>"."""
    action = form.get("_action", "submit")
    rows_shown = {}
    if action.startswith(("add:", "remove:")):
        group = action.split(":")[1]
        shown = len(_row_indexes(form, f"{group}-"))
        if action.startswith("remove:"):
            row = action.split(":")[2]
            form = MultiDict([(k, v) for k, v in form.items(multi=True) if not k.startswith(f"{group}-{row}-")])
        rows_shown[group] = shown + 1 if action.startswith("add:") else shown - 1
    answers, errors = parse_submission(schema, form)
    return action.split(":", 1)[0], answers, errors, rows_shown
