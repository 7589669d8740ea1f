"""The referral's fields in named sections with a task list saying how far each has got (the schema's
x-sections, webapp/shell/form_sections.py): every question in a named section, statuses from the answers and the
errors, and the page still one form and one draft."""
import json
import re

from tests.helpers import post_form, sign_in
from webapp.config import PROJECT_ROOT
from webapp.demo import DEMO_PASSWORD
from webapp.shell.form_sections import form_sections
from webapp.shell.schema_forms import build_fields

REFERRAL = json.loads((PROJECT_ROOT / "workflows" / "forms" / "referral.json").read_text())
TITLES = ["The child", "Where the child lives", "Who is referring", "The concern", "Worries about the family",
          "The child's safety now", "Agencies involved", "Consent and the child's wishes"]


def statuses(page: str) -> dict[str, str]:
    rows = re.findall(r'<a class="govuk-link govuk-task-list__link" href="#section-[^"]+"[^>]*>\s*([^<]+?)\s*</a>'
                      r'.*?govuk-task-list__status[^>]*>(.*?)</div>', page, re.S)
    return {title.replace("&#39;", "'"): re.sub(r"<[^>]+>|\s+", " ", status).strip() for title, status in rows}


def test_every_referral_question_is_in_a_named_section():
    sections = form_sections(REFERRAL, build_fields(REFERRAL, {}, {}))
    assert [s.title for s in sections] == TITLES  # no "Other questions": nothing left unnamed
    placed = [f.key for s in sections for f in s.fields]
    assert len(placed) == len(set(placed))


def test_statuses_follow_the_answers_and_the_errors():
    answers = {"child_given_names": "Ava", "child_family_name": "Demochild", "referrer_name": "Teacher"}
    errors = {"referrer_contact": "Enter the referrer's phone number or e-mail address"}
    sections = {s.title: s.status for s in form_sections(REFERRAL, build_fields(REFERRAL, answers, errors))}
    assert sections["The child"] == "Completed"  # its required questions are answered
    assert sections["Who is referring"] == "There is a problem"
    assert sections["The concern"] == "Not yet started"
    assert sections["Where the child lives"] == "Not yet started"
    partly = form_sections(REFERRAL, build_fields(REFERRAL, {"address": "1 Demo Street"}, {}))
    assert {s.title: s.status for s in partly}["Where the child lives"] == "Incomplete"


def test_the_page_shows_the_task_list_and_a_failed_submit_marks_the_sections_with_problems(client, partnership):
    sign_in(client, "sw1", DEMO_PASSWORD)
    page = client.get("/referrals/new").text
    assert list(statuses(page)) == TITLES
    for title in TITLES:
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        assert f'id="section-{slug}"' in page and f'href="#section-{slug}"' in page
    assert page.count("<form") - page.count('<form method="post" action="/sign-out"') == 1  # still one form

    response = post_form(client, "/referrals/new", {"child_given_names": "Ava", "child_family_name": "Demochild",
                                                    "_action": "submit"})
    assert response.status_code == 400
    shown = statuses(response.text)
    assert shown["The child"] == "Completed"
    assert shown["The concern"] == "There is a problem"  # the concern is required and was left blank
    assert shown["Consent and the child's wishes"] == "There is a problem"
