"""Every field of every form (workflows/forms/ and the features' own schemas) gets error messages in GOV.UK's
style, generated from the schema's own labels: "Enter the concern", "Select whether there is domestic abuse",
never "Enter what is the concern?" or "Leave a action blank"."""
import json
import re
from pathlib import Path

import pytest

from webapp.config import PROJECT_ROOT
from webapp.errors import InvalidInput
from webapp.shell.schema_forms import build_fields, parse_submission
from webapp.workflow.forms import form_validator, validate_submission
from werkzeug.datastructures import MultiDict

SCHEMAS = sorted((PROJECT_ROOT / "workflows" / "forms").glob("*.json")) + [
    PROJECT_ROOT / "webapp" / "safer_sleep" / "assessment_schema.json",
    PROJECT_ROOT / "webapp" / "pregnancy" / "notification_schema.json",
    PROJECT_ROOT / "webapp" / "minutes" / "content_schema.json",
]
# What a message must never say: a question, a verb or heading where a name should be, the wrong article.
BAD = [
    (re.compile(r"\?"), "a question mark"),
    (re.compile(r"^(Enter|Select) (the )?(is|are|has|have|was|were|does|do|did|can|could|will|should|seen|"
                r"allocate|learning|by when|at closure|about|provided|i)\b", re.I), "a question or heading after the verb"),
    (re.compile(r"\b(what|when|where|how|how often|how well|who|why) (is|are|does|do|did|has|have|was|were|will|can) "
                r"(the|a|an|there|it|they|you|she|he)\b", re.I), "a question's word order"),
    (re.compile(r"\bthe (the|what|when|where|why|how|who|whether|any|a|an|their|your)\b", re.I), "a doubled article"),
    (re.compile(r"\ba [aeiou]\w", re.I), "'a' before a vowel"),
    (re.compile(r"\ban [bcdfgjklmnpqrstvwxyz]\w", re.I), "'an' before a consonant"),
]


def fields(schema: dict, path: tuple = ()):
    for name, prop in schema.get("properties", {}).items():
        yield (*path, name), prop
        if prop.get("type") == "array" and isinstance(prop.get("items"), dict) and "properties" in prop["items"]:
            yield from fields(prop["items"], (*path, name, 0))


def everything_required(schema: dict) -> dict:
    """The schema with every field required and every group holding one empty row's worth of requirements."""
    copy = json.loads(json.dumps(schema))

    def require(node: dict) -> None:
        node["required"] = list(node.get("properties", {}))
        node.pop("allOf", None), node.pop("if", None), node.pop("then", None), node.pop("dependentRequired", None)
        for prop in node.get("properties", {}).values():
            if prop.get("type") == "array" and isinstance(prop.get("items"), dict) and "properties" in prop["items"]:
                require(prop["items"])
    require(copy)
    return copy


def empty_answers(schema: dict) -> dict:
    return {name: [{}] for name, prop in schema.get("properties", {}).items()
            if prop.get("type") == "array" and "properties" in prop.get("items", {})}


def messages_of(path: Path) -> list[str]:
    """The messages a person would see: every field left blank, and each date typed as a day that does not
    exist; each group's hint."""
    schema = json.loads(path.read_text())
    strict = everything_required(schema)
    with pytest.raises(InvalidInput) as refused:
        validate_submission(form_validator(strict), empty_answers(strict))
    found = list(refused.value.field_errors.values())
    bad_dates = MultiDict({f"{'-'.join(map(str, p))}-{part}": value for p, prop in fields(schema)
                           if prop.get("format") == "date" for part, value in (("day", "31"), ("month", "2"),
                                                                                ("year", "2026"))})
    found += list(parse_submission(schema, bad_dates)[1].values())
    found += [f.hint or f"Add as many as you need. Leave {f.one_item} blank to leave it out."
              for f in build_fields(schema, {}, {}) if f.kind == "group"]
    return found


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_every_message_of_the_form_reads_as_govuk_writes_them(path):
    messages = messages_of(path)
    assert messages
    problems = [f"{message!r}: {why}" for message in messages for pattern, why in BAD if pattern.search(message)]
    assert problems == []


def test_question_titles_become_statements_and_nouns_take_the_article():
    referral = json.loads((PROJECT_ROOT / "workflows" / "forms" / "referral.json").read_text())
    with pytest.raises(InvalidInput) as refused:
        validate_submission(form_validator(everything_required(referral)), {})
    errors = refused.value.field_errors
    assert errors["concern_what"] == "Enter the concern"
    assert errors["parental_substance_use"] == "Select whether there is parental alcohol or substance use"
    assert errors["postcode"] == "Enter the postcode"
    assert errors["gp_practice_id"] == "Select the GP practice"
    assert errors["concern_source"] == "Enter how the referrer knows"
    plan = json.loads((PROJECT_ROOT / "workflows" / "forms" / "cin_plan.json").read_text())
    actions, = [f for f in build_fields(plan, {}, {}) if f.key == "actions"]
    assert actions.one_item == "an action"
    dates = parse_submission(plan, MultiDict({"plan_agreed_on-day": "31", "plan_agreed_on-month": "2",
                                              "plan_agreed_on-year": "2026"}))[1]
    assert dates == {"plan_agreed_on": "The date the plan was agreed must be a real date, like 27 3 2026"}


def all_fields(built):
    for f in built:
        yield f
        for children in f.reveals.values():
            yield from all_fields(children)
        for row in f.rows:
            yield from all_fields(row)


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_optional_fields_say_so_and_no_field_a_rule_requires_does(path):
    schema = json.loads(path.read_text())
    strict = everything_required(schema)
    try:
        validate_submission(form_validator(schema), empty_answers(strict))
        needed_now = set()
    except InvalidInput as refused:
        needed_now = set(refused.field_errors)
    labels = {f.name: f.label for f in all_fields(build_fields(schema, empty_answers(strict), {}))}
    assert not any(label.count("(optional)") > 1 for label in labels.values())
    for name, label in labels.items():
        if name in needed_now:  # what a blank form is refused for is never marked optional
            assert not label.endswith("(optional)"), label


def test_the_referral_marks_what_may_be_left_out():
    referral = json.loads((PROJECT_ROOT / "workflows" / "forms" / "referral.json").read_text())
    labels = {f.key: f.label for f in all_fields(build_fields(referral, {}, {}))}
    assert labels["school_or_nursery"] == "School or nursery (optional)"
    assert labels["concern_what"] == "What is the concern?"
    assert labels["parental_substance_use_details"] == ("The pattern of the alcohol or substance use: what happens "
                                                        "and when")  # a follow-up, required under "Yes"
