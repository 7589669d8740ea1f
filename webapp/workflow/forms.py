"""Forms from JSON Schema: the schema comes from the deployed bundle, and answers are checked on the server
with messages written for people (GOV.UK style), one per field."""
from __future__ import annotations

from jsonschema import Draft202012Validator, FormatChecker

from webapp.errors import InvalidInput



def _title(schema: dict, name: str) -> str:
    title = schema.get("title") or name.replace("_", " ")
    return title[0].lower() + title[1:]


def _message(error, field_schema: dict, name: str) -> str:
    if "errorMessage" in field_schema:
        return field_schema["errorMessage"]
    title = _title(field_schema, name)
    capital = title[0].upper() + title[1:]
    limit = error.validator_value
    return {
        "enum": f"Select {title}",
        "minimum": f"{capital} must be {limit} or more",
        "maximum": f"{capital} must be {limit} or fewer",
        "minLength": f"Enter {title}" if limit == 1 else f"{capital} must be {limit} characters or more",
        "maxLength": f"{capital} must be {limit} characters or fewer",
        "format": f"Enter a real {'date' if limit == 'date' else limit} for {title}",
        "type": f"Enter {title} in the right form",
        "pattern": f"Enter {title} in the right form",
    }.get(error.validator, f"Check {title}")


def form_validator(schema: dict) -> Draft202012Validator:
    """A validator for one form (build once per deployed form and keep it: forms never change)."""
    return Draft202012Validator(schema, format_checker=FormatChecker())


def validate_submission(validator: Draft202012Validator, data: dict) -> dict:
    """The answers restricted to the form's fields; InvalidInput with a message per field otherwise."""
    schema = validator.schema
    properties = schema.get("properties", {})
    errors: dict[str, str] = {}
    for error in validator.iter_errors(data):
        if error.validator == "required":
            for name in error.validator_value:
                if name not in error.instance:
                    errors.setdefault(name, f"Enter {_title(properties.get(name, {}), name)}")
        else:
            name = str(error.path[0]) if error.path else ""
            errors.setdefault(name, _message(error, properties.get(name, {}), name))
    if errors:
        raise InvalidInput("The step was not completed: check the answers", errors)
    return {key: value for key, value in data.items() if key in properties}
