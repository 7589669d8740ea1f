"""Forms from JSON Schema: the schema comes from the deployed bundle, and answers are checked on the server
with messages written for people (GOV.UK style), one per field."""
from __future__ import annotations

from jsonschema import Draft202012Validator, FormatChecker

from webapp.errors import InvalidInput
from webapp.shell.wording import capitalised, field_phrase


def _message(error, field_schema: dict, name: str) -> str:
    if "errorMessage" in field_schema:
        return field_schema["errorMessage"]
    phrase = field_phrase(field_schema, name)
    capital = capitalised(phrase)
    limit = error.validator_value
    return {
        "enum": f"Select {phrase}",
        "minimum": f"{capital} must be {limit} or more",
        "maximum": f"{capital} must be {limit} or fewer",
        "minLength": f"Enter {phrase}" if limit == 1 else f"{capital} must be {limit} characters or more",
        "maxLength": f"{capital} must be {limit} characters or fewer",
        "format": f"{capital} must be a real date" if limit == "date" else f"Enter {phrase} in the correct format",
        "type": f"Enter {phrase} in the correct format",
        "pattern": f"Enter {phrase} in the correct format",
    }.get(error.validator, f"Check {phrase}")


def form_validator(schema: dict) -> Draft202012Validator:
    """A validator for one form (build once per deployed form and keep it: forms never change)."""
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _required_message(field_schema: dict, name: str) -> str:
    chosen = any(k in field_schema for k in ("enum", "oneOf", "x-choices")) or field_schema.get("type") in {
        "boolean", "array"}
    return f"{'Select' if chosen else 'Enter'} {field_phrase(field_schema, name)}"


def _field_schema(schema: dict, path: list) -> dict:
    """The schema of the field at a path such as ["members", 0, "name"]."""
    for part in path:
        schema = schema.get("items", {}) if isinstance(part, int) else schema.get("properties", {}).get(part, {})
    return schema


def validate_submission(validator: Draft202012Validator, data: dict) -> dict:
    """The answers restricted to the form's fields; InvalidInput otherwise, with a message per field keyed by
    its path joined with '-' (members-0-name), as forms name their fields."""
    schema = validator.schema
    errors: dict[str, str] = {}
    for error in validator.iter_errors(data):
        path = list(error.absolute_path)
        if error.validator == "required":
            for name in error.validator_value:
                if name not in error.instance:
                    key = "-".join(str(p) for p in [*path, name])
                    errors.setdefault(key, _required_message(_field_schema(schema, [*path, name]), name))
        elif path:
            key = "-".join(str(p) for p in path)
            errors.setdefault(key, _message(error, _field_schema(schema, path), str(path[-1])))
    if errors:
        raise InvalidInput("The step was not completed: check the answers", errors)
    return {key: value for key, value in data.items() if key in schema.get("properties", {})}


def workflow_fields(schema: dict) -> list[str]:
    """The answers that go into workflow data (decisions, flags, dates, ids): `x-workflow-data` lists them.
    Everything else (narrative, lists that grow) stays in domain tables, keeping workflow state small."""
    return schema.get("x-workflow-data", list(schema.get("properties", {})))
