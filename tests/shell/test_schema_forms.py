"""JSON Schema forms: posted fields read back with their types, and follow-up questions placed under choices."""
from werkzeug.datastructures import MultiDict

from webapp.shell.schema_forms import build_fields, describe_answers, parse_submission, read_form

SCHEMA = {
    "type": "object",
    "properties": {
        "seen": {"type": "boolean", "title": "Seen"},
        "seen_on": {"type": "string", "format": "date", "title": "Date seen"},
        "visits": {"type": "integer", "title": "Visits"},
        "colour": {"title": "Colour", "oneOf": [{"const": "red", "title": "Red"}, {"const": "blue", "title": "Blue"}]},
        "people": {"type": "array", "x-item-title": "Person", "items": {"type": "object", "properties": {
            "name": {"type": "string", "title": "Name"}}}},
    },
    "allOf": [{"if": {"properties": {"seen": {"const": True}}}, "then": {"required": ["seen_on"]}}],
}


def test_posted_fields_become_typed_answers_and_blanks_are_left_out():
    answers, errors = parse_submission(SCHEMA, MultiDict({
        "seen": "true", "seen_on-day": "2", "seen_on-month": "3", "seen_on-year": "2026", "visits": "4",
        "colour": "", "people-0-name": "Sam", "people-1-name": "", "people-2-name": "Kim"}))
    assert errors == {}
    assert answers == {"seen": True, "seen_on": "2026-03-02", "visits": 4,
                       "people": [{"name": "Sam"}, {"name": "Kim"}]}


def test_impossible_dates_and_numbers_in_words_are_explained():
    _, errors = parse_submission(SCHEMA, MultiDict({"seen_on-day": "30", "seen_on-month": "2",
                                                    "seen_on-year": "2026", "visits": "four"}))
    assert errors == {"seen_on": "The date seen must be a real date, like 27 3 2026",
                      "visits": "Enter the visits as a whole number"}


def test_follow_up_questions_sit_under_their_choice():
    fields = build_fields(SCHEMA, {}, {})
    assert [f.key for f in fields] == ["seen", "visits", "colour", "people"]
    assert [f.key for f in fields[0].reveals["true"]] == ["seen_on"]


def test_adding_and_removing_rows():
    action, answers, _, rows = read_form(SCHEMA, MultiDict({"_action": "add:people", "people-0-name": "Sam"}))
    assert (action, rows) == ("add", {"people": 2})
    assert len(build_fields(SCHEMA, answers, {}, rows_shown=rows)[3].rows) == 2
    _, answers, _, rows = read_form(SCHEMA, MultiDict({"_action": "remove:people:0", "people-0-name": "Sam",
                                                       "people-1-name": "Kim"}))
    assert answers["people"] == [{"name": "Kim"}] and rows == {"people": 1}


def test_answers_are_described_in_words():
    lines = describe_answers(SCHEMA, {"seen": True, "seen_on": "2026-03-02", "colour": "blue",
                                      "people": [{"name": "Sam"}]})
    assert lines == [("Seen", "Yes"), ("Date seen", "2 March 2026"), ("Colour", "Blue"),
                     ("people", "Person 1: Name: Sam")]


def test_a_group_stops_offering_rows_at_its_max_items(app):
    from flask import render_template_string

    schema = {"type": "object", "properties": {"people": {**SCHEMA["properties"]["people"], "maxItems": 2}}}
    _, answers, _, rows = read_form(schema, MultiDict({"_action": "add:people", "people-0-name": "Sam",
                                                       "people-1-name": "Kim"}))
    fields = build_fields(schema, answers, {}, rows_shown=rows)
    assert len(fields[0].rows) == 2  # the third row asked for is not shown
    with app.test_request_context():
        page = render_template_string('{% from "macros/schema_form.html" import render_fields %}'
                                      "{{ render_fields(fields) }}", fields=fields)
    assert "add:people" not in page and "No more than 2 can be added" in page
    with app.test_request_context():
        one = build_fields(schema, {"people": [{"name": "Sam"}]}, {})
        assert "add:people" in render_template_string('{% from "macros/schema_form.html" import render_fields %}'
                                                      "{{ render_fields(fields) }}", fields=one)
