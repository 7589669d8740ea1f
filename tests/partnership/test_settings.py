"""Partnership settings and one-off bank holidays: administrators change them, diagrams read them."""
from datetime import date

import pytest

from webapp.audit.models import AuditEvent
from webapp.audit.services import NO_ORIGIN
from webapp.auth.roles import Role
from webapp.errors import InvalidInput, PermissionDenied
from webapp.partnership import services
from webapp.workflow.expressions import ExpressionError, evaluate
from webapp.workflow.validation import expression_problems


def test_defaults_until_changed_and_changes_are_audited(factory, db_session):
    admin = factory.user(Role.ADMINISTRATOR)
    assert services.setting_value("cin_review_interval") == 6
    changed = services.change_settings(admin, {"cin_review_interval": "4", "information_request_working_days": "5"},
                                       origin=NO_ORIGIN)
    assert changed == ["cin_review_interval"]  # 5 is the default already: nothing to change
    assert services.setting_value("cin_review_interval") == 4
    row = db_session.query(AuditEvent).filter_by(action="setting.changed").one()
    assert row.detail == {"setting": "cin_review_interval", "from": 6, "to": 4} and row.actor_id == admin.id


def test_bad_values_change_nothing(factory):
    admin = factory.user(Role.ADMINISTRATOR)
    with pytest.raises(InvalidInput) as refused:
        services.change_settings(admin, {"cin_review_interval": "0", "assessment_working_days": "lots",
                                         "cin_review_interval_unit": "fortnights", "manager_review_day": "9"},
                                 origin=NO_ORIGIN)
    assert set(refused.value.field_errors) == {"cin_review_interval", "assessment_working_days",
                                               "cin_review_interval_unit"}
    assert services.setting_value("manager_review_day") == 10


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMINISTRATOR], ids=lambda r: r.value)
def test_only_administrators_change_settings_and_holidays(factory, role):
    actor = factory.user(role)
    for call in (lambda: services.change_settings(actor, {"cin_review_interval": "4"}, origin=NO_ORIGIN),
                 lambda: services.add_extra_holiday(actor, date(2026, 3, 9), "Coronation", origin=NO_ORIGIN),
                 lambda: services.all_settings(actor)):
        with pytest.raises(PermissionDenied):
            call()


def test_one_off_holiday_moves_a_deadline_computed_by_a_diagram_expression(factory):
    admin = factory.user(Role.ADMINISTRATOR)
    before = evaluate("working_days_after('2026-03-06', 1)", {})
    services.add_extra_holiday(admin, date(2026, 3, 9), "Coronation", origin=NO_ORIGIN)
    after = evaluate("working_days_after('2026-03-06', 1)", {})
    assert (before, after) == ("2026-03-09T23:59:59+00:00", "2026-03-10T23:59:59+00:00")
    with pytest.raises(InvalidInput):
        services.add_extra_holiday(admin, date(2026, 3, 9), "Twice", origin=NO_ORIGIN)
    with pytest.raises(InvalidInput):
        services.add_extra_holiday(admin, date(2026, 3, 7), "A Saturday", origin=NO_ORIGIN)


def test_diagrams_read_settings_by_name(db_session):
    assert evaluate("working_days_after('2025-12-19', setting('information_request_working_days'))", {}) == \
        "2025-12-30T23:59:59+00:00"
    with pytest.raises(ExpressionError):
        evaluate("setting('no_such_setting')", {})
    assert expression_problems("setting('information_request_working_days') > 3", set()) == []
    assert expression_problems("setting('infomation_request_days')", set()) == [
        "names the setting 'infomation_request_days', which does not exist"]


def test_settings_page_changes_and_explains(client, factory, db_session):
    from tests.helpers import csrf_token, sign_in

    factory.user(Role.ADMINISTRATOR, username="boss")
    sign_in(client, "boss")
    page = client.get("/admin/settings/")
    assert page.status_code == 200 and "Child in need reviews, at most every" in page.text
    refused = client.post("/admin/settings/", data={"csrf_token": csrf_token(page.text), "cin_review_interval": "0"})
    assert refused.status_code == 400 and "must be between 1 and 60" in refused.text
    done = client.post("/admin/settings/", data={"csrf_token": csrf_token(page.text), "cin_review_interval": "4"})
    assert done.status_code == 302 and services.setting_value("cin_review_interval") == 4
    added = client.post("/admin/settings/holidays", data={"csrf_token": csrf_token(page.text), "on-day": "9",
                                                          "on-month": "3", "on-year": "2026", "name": "Coronation"})
    assert added.status_code == 302 and services.extra_holidays() == frozenset({date(2026, 3, 9)})
    bad = client.post("/admin/settings/holidays", data={"csrf_token": csrf_token(page.text), "on-day": "31",
                                                        "on-month": "2", "on-year": "2026", "name": ""})
    assert bad.status_code == 400 and "Enter a real date" in bad.text and "Enter the bank holiday" in bad.text
