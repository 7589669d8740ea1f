"""Refused requests (403/404) by a signed-in person or a token are audited, folded per actor, route and minute
with a count; anonymous misses leave nothing; the refusal is committed although the request is rolled back."""
import io
import json
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, insert, select, text

from tests.cases.builders import open_case, referral_answers
from tests.helpers import sign_in
from webapp.api import tokens
from webapp.audit.models import AccessRefusal, AuditEvent
from webapp.audit.refusals import record_refusal
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.demo import DEMO_PASSWORD
from webapp.extensions import db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def user(session, name) -> User:
    return session.scalar(select(User).where(User.username == name))


def refused(session, actor=None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == "access.refused").order_by(AuditEvent.id)
    if actor is not None:
        query = query.where(AuditEvent.actor_id == actor.id)
    return list(session.scalars(query))


def fold_of(session, row: AuditEvent) -> AccessRefusal:
    return session.scalar(select(AccessRefusal).where(AccessRefusal.audit_event_id == row.id))


@pytest.fixture
def other_case(partnership):
    made = open_case(user(partnership, "sw1"), referral_answers())
    partnership.commit()
    return made


def test_a_practitioner_refused_a_case_three_times_in_a_minute_leaves_one_row_counting_three(
        client, partnership, other_case, clock):
    gp1 = user(partnership, "gp1")
    sign_in(client, "gp1", DEMO_PASSWORD)
    for _ in range(3):
        assert client.get(f"/cases/{other_case.id}").status_code == 404
        clock.shift(timedelta(seconds=15))
    rows = refused(partnership, gp1)
    assert len(rows) == 1
    first = rows[0]
    assert first.detail == {"endpoint": "cases.case_page", "path": f"/cases/{other_case.id}", "status": 404,
                            "view_args": {"case_id": other_case.id}}
    assert (first.subject_type, first.subject_id, first.actor_label) == ("cases", other_case.id, "gp1")
    fold = fold_of(partnership, first)
    assert (fold.actor_key, fold.route, fold.count) == (f"user:{gp1.id}", "cases.case_page", 3)
    assert fold.minute_at == NOW

    clock.shift(timedelta(seconds=60))  # 09:01:45: the next minute
    assert client.get(f"/cases/{other_case.id}?q=x").status_code == 404
    rows = refused(partnership, gp1)
    assert len(rows) == 2 and rows[1].detail["path"] == f"/cases/{other_case.id}"  # never the query string
    assert fold_of(partnership, rows[1]).count == 1
    assert fold_of(partnership, rows[1]).minute_at == NOW + timedelta(minutes=1)
    assert fold_of(partnership, first).count == 3


def test_the_administrators_trail_shows_the_count_and_the_case_s_trail_and_export_show_the_refusal(
        app, client, partnership, other_case, clock):
    sign_in(client, "gp1", DEMO_PASSWORD)
    for _ in range(3):
        client.get(f"/cases/{other_case.id}")
    admin, manager = app.test_client(), app.test_client()
    sign_in(admin, "admin", DEMO_PASSWORD)
    page = admin.get("/admin/audit/")
    assert page.status_code == 200
    assert f"Was refused a page: not found (404), /cases/{other_case.id}, 3 times in that minute" in page.text
    assert ">access.refused" not in page.text  # in words, not the code (which is only an option's value)

    sign_in(manager, "tm1", DEMO_PASSWORD)
    trail = manager.get(f"/cases/{other_case.id}/audit")
    assert trail.status_code == 200 and "Was refused a page" in trail.text
    export = manager.get(f"/children/{other_case.child_id}/subject-access.zip")
    assert export.status_code == 200
    audit = json.loads(zipfile.ZipFile(io.BytesIO(export.data)).read(f"{other_case.reference}/audit.json"))
    assert [e["who"] for e in audit if e["what"] == "access.refused"] == ["gp1"]


def test_a_token_holder_s_refused_api_call_is_recorded_with_the_token(client, partnership, other_case, clock):
    gp1 = user(partnership, "gp1")
    row, token = tokens.create_personal_token(gp1, "script", days=30, origin=NO_ORIGIN, now=NOW)
    partnership.commit()
    for _ in range(2):
        answer = client.get(f"/api/v1/cases/{other_case.id}", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 404 and answer.json["error"]
    [audited] = refused(partnership, gp1)
    assert audited.detail == {"endpoint": "api.case", "path": f"/api/v1/cases/{other_case.id}", "status": 404,
                              "view_args": {"case_id": other_case.id}, "token_id": row.id}
    fold = fold_of(partnership, audited)
    assert (fold.actor_key, fold.route, fold.count) == (f"token:{row.id}", "api.case", 2)


def test_anonymous_misses_leave_nothing_but_a_signed_in_person_s_made_up_paths_fold_as_unknown(
        client, partnership, clock):
    assert client.get("/no-such-page").status_code == 404
    assert client.get("/cases/1").status_code == 302  # to the sign-in page
    assert client.get("/api/v1/cases/1").status_code == 401
    assert client.get("/calendar/not-a-feed.ics").status_code == 404
    assert refused(partnership) == [] and partnership.scalars(select(AccessRefusal)).all() == []

    sign_in(client, "gp1", DEMO_PASSWORD)
    assert client.get("/wp-admin/setup.php").status_code == 404
    assert client.get("/.env").status_code == 404
    [audited] = refused(partnership)
    assert audited.detail["endpoint"] == "unknown" and audited.detail["path"] == "/wp-admin/setup.php"
    assert (fold_of(partnership, audited).route, fold_of(partnership, audited).count) == ("unknown", 2)


def test_a_link_s_secret_is_not_written_into_the_trail(client, partnership, clock):
    sign_in(client, "gp1", DEMO_PASSWORD)
    assert client.get("/calendar/secret-looking-feed-address.ics").status_code == 404
    [audited] = refused(partnership)
    assert audited.detail["endpoint"] == "meetings.calendar_file"
    assert "secret-looking" not in json.dumps(audited.detail)
    assert audited.detail["path"] == "/calendar/….ics" and audited.detail["view_args"] == {"token": "…"}


def test_the_refusal_is_committed_although_the_request_is_rolled_back(app, client, committed_factory):
    practitioner = committed_factory.user(Role.AGENCY_PRACTITIONER)
    sign_in(client, practitioner.username)
    assert client.get("/cases/424242").status_code == 404
    with db.engine.connect() as elsewhere:  # another connection sees only what was committed
        actions = elsewhere.execute(text("SELECT action, subject_id FROM audit_events WHERE actor_id = :id"),
                                    {"id": practitioner.id}).all()
        folds = elsewhere.execute(text("SELECT count FROM access_refusals")).scalars().all()
    assert ("access.refused", 424242) in actions and folds == [1]


def test_two_requests_beginning_the_same_fold_at_once_count_two_under_one_row(app, committed_factory):
    """PostgreSQL: the other request inserts the fold between this one's update and insert. (SQLite cannot
    interleave so: the update takes the database's one write lock before the insert.)"""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers at the first update; the race needs PostgreSQL")
    practitioner = committed_factory.user(Role.AGENCY_PRACTITIONER)
    fold = {"actor_key": f"user:{practitioner.id}", "route": "cases.case_page", "minute_at": NOW}
    raced = []

    def the_other_request_first(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO access_refusals") and not raced:
            raced.append(True)
            with db.engine.begin() as other:
                event_id = other.execute(insert(AuditEvent.__table__).values(
                    occurred_at=NOW, action="access.refused", actor_id=practitioner.id, actor_label="other",
                    detail={})).inserted_primary_key[0]
                other.execute(insert(AccessRefusal.__table__).values(**fold, count=1, audit_event_id=event_id))

    event.listen(db.engine, "before_cursor_execute", the_other_request_first)
    try:
        record_refusal(practitioner, fold["actor_key"], fold["route"], detail={}, origin=NO_ORIGIN,
                       now=NOW + timedelta(seconds=30))
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", the_other_request_first)
    assert raced
    assert [f.count for f in db.session.scalars(select(AccessRefusal))] == [2]
    assert [row.actor_label for row in refused(db.session)] == ["other"]
