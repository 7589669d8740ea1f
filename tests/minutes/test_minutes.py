"""Minutes from draft to issued on the real meeting diagram: sent back with a reason, approved, frozen,
distributed by link to every invitee and the chosen family members, actions tracked on the case and carried
into the next agenda, corrected as a new version, the chair alerted when they are late."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tests.cases.builders import open_task
from tests.minutes.builders import CONTENT, approve, held_meeting, user, write
from webapp.agencies.models import Agency
from webapp.audit.models import AuditEvent
from webapp.audit.services import NO_ORIGIN
from webapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from webapp.mail.models import OutboxMessage
from webapp.minutes.services import agenda_for
from webapp.minutes import services
from webapp.minutes.distribution import configured_links
from webapp.minutes.models import CaseAction, MinutesVersion
from webapp.minutes.reviews import configured_cadence
from webapp.worker import fire_due_timers
from webapp.workflow.models import OpenTask


@pytest.fixture
def held(app, partnership, clock):
    return held_meeting(partnership)


def steps(session, case) -> set[str]:
    """The case's open steps besides the assessment, which runs beside the day-20 meeting."""
    return {t.bpmn_id for t in session.scalars(select(OpenTask).where(OpenTask.subject_id == case.id))} - {
        "assessment"}


def sent(session, kind: str) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def test_a_draft_is_kept_and_sending_it_needs_every_required_section(partnership, held):
    case, meeting, sw1, _ = held
    draft = write(sw1, case, {"child_views": "Ava said hello"}, submit=False)
    partnership.commit()
    assert (draft.status, draft.number, draft.content) == ("draft", 1, {"child_views": "Ava said hello"})
    with pytest.raises(InvalidInput) as refused:
        write(sw1, case, {"child_views": "Ava said hello"})
    assert set(refused.value.field_errors) == {"minute_taker", "worries", "decisions"}
    partnership.rollback()
    assert steps(partnership, case) == {"record_minutes"}
    assert partnership.get(MinutesVersion, draft.id).status == "draft"


def test_the_chair_sends_back_with_a_reason_then_issues(partnership, held):
    case, meeting, sw1, tm1 = held
    first = write(sw1, case, family=[m.id for m in case.child.household.members])
    assert steps(partnership, case) == {"approve_minutes"}
    with pytest.raises(PermissionDenied):  # the chair's step is the team manager's
        services.approval_step(sw1, case.id, open_task(case, "approve_minutes").task_id, origin=NO_ORIGIN)
    with pytest.raises(InvalidInput):
        services.return_step(tm1, case.id, open_task(case, "approve_minutes").task_id, " ", origin=NO_ORIGIN,
                             now=datetime.now(timezone.utc))
    services.return_step(tm1, case.id, open_task(case, "approve_minutes").task_id, "Add the GP's view",
                         origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    assert steps(partnership, case) == {"record_minutes"} and first.returned_reason == "Add the GP's view"
    again = write(sw1, case, {**CONTENT, "family_views": "Pat agreed. GP: no concerns."},
                  family=[m.id for m in case.child.household.members])
    assert again.id == first.id and again.returned_reason is None

    issued = approve(tm1, case)
    assert steps(partnership, case) == set()  # the meeting process ended: the assessment goes on
    assert (issued.status, issued.approved_by_id) == ("issued", tm1.id)
    attendance = {row["name"]: row for row in issued.attendance}
    assert attendance["Demo Class Teacher"]["attendance"] == "Sent apologies"
    assert attendance["Demo Class Teacher"]["note"] == "INSET day"
    assert attendance["Demo Class Teacher"]["report_received"] is True
    gp_practice = partnership.get(Agency, user(partnership, "gp1").agency_id)
    assert (attendance["Demo GP"]["organisation"], attendance["Demo GP"]["attendance"]) == (gp_practice.name,
                                                                                             "Attended")
    assert issued.document.status == "queued" and issued.document.kind == "minutes"
    actions = partnership.scalars(select(CaseAction).where(CaseAction.case_id == case.id)).all()
    assert {(a.action, a.owner) for a in actions} == {(r["action"], r["owner"]) for r in CONTENT["actions"]}
    audit = {e.action for e in partnership.scalars(select(AuditEvent).where(AuditEvent.subject_id == case.id))}
    assert {"minutes.submitted", "minutes.returned", "minutes.issued"} <= audit


def test_everyone_is_told_by_link_never_by_attachment_and_without_the_child_s_name(partnership, held):
    case, meeting, sw1, tm1 = held
    grandmother = next(m for m in case.child.household.members if m.full_name.startswith("Sam"))
    write(sw1, case, family=[grandmother.id])
    approve(tm1, case)
    told = sent(partnership, "minutes_issued")
    assert {m.to_address for m in told} == {i.email for i in meeting.current_invitees} | {"sam@example.org"}
    by_address = {m.to_address: m for m in told}
    assert "/meetings/" in by_address["gp1@example.org"].body_text  # people with an account sign in
    for family in ("pat@example.org", "sam@example.org"):
        assert "/minutes/" in by_address[family].body_text and "works for 28 days" in by_address[family].body_text
    for message in told:
        assert message.raw_mime is None  # a plain message: nothing attached
        assert message.subject == f"Minutes issued: Multi-agency meeting: case {case.reference}"
        assert "Ava" not in message.subject + message.body_text and "bruise" not in message.body_text


def test_a_correction_is_a_new_version_and_the_issued_one_stays(partnership, held):
    case, meeting, sw1, tm1 = held
    write(sw1, case)
    first = approve(tm1, case)
    done = partnership.scalars(select(CaseAction).where(CaseAction.action.like("Book%"))).one()
    services.mark_done(sw1, case.id, done.id, origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    with pytest.raises(InvalidInput):
        services.start_correction(sw1, meeting.id, "", origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    second = services.start_correction(sw1, meeting.id, "The review date was wrong", origin=NO_ORIGIN,
                                       now=datetime.now(timezone.utc))
    assert (second.number, second.status, second.content) == (2, "draft", first.content)
    with pytest.raises(Conflict):
        services.start_correction(sw1, meeting.id, "Again", origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    corrected = {**CONTENT, "next_review_on": "2026-04-21",
                 "actions": [{"action": "Share the sleep routine leaflet", "owner": "Demo Health Visitor",
                              "due_on": "2026-03-27"}]}
    services.save_correction(sw1, meeting.id, corrected, [], submit=True, cadence=configured_cadence(),
                             origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    with pytest.raises(PermissionDenied):
        services.approve_correction(sw1, meeting.id, links=configured_links(), origin=NO_ORIGIN,
                                    now=datetime.now(timezone.utc))
    services.approve_correction(tm1, meeting.id, links=configured_links(), origin=NO_ORIGIN,
                                now=datetime.now(timezone.utc))
    assert (first.status, second.status) == ("superseded", "issued")
    assert first.content["next_review_on"] == "2026-04-14"  # version 1 is unchanged and readable
    assert first.document_id != second.document_id
    current = services.case_actions(case.id)
    assert {(a.action, a.due_on.isoformat(), a.done_at is not None) for a in current} == {
        ("Share the sleep routine leaflet", "2026-03-27", False), ("Book the family's GP review", "2026-03-06", True)}
    assert [m.subject for m in sent(partnership, "minutes_issued")][-1].startswith("Corrected minutes issued")


def test_open_actions_show_overdue_and_reach_the_next_agenda(partnership, held, clock):
    case, meeting, sw1, tm1 = held
    write(sw1, case)
    approve(tm1, case)
    clock.move_to(datetime(2026, 3, 9, 9, 0, tzinfo=timezone.utc))
    today = datetime(2026, 3, 9).date()
    assert {a.action: a.status(today) for a in services.case_actions(case.id)} == {
        "Share the sleep routine leaflet": "open", "Book the family's GP review": "overdue"}
    agenda = agenda_for(meeting)
    assert [a.action for a in agenda.earlier_actions] == ["Book the family's GP review",
                                                          "Share the sleep routine leaflet"]
    with pytest.raises(NotFound):  # an agency practitioner does not see the case
        services.mark_done(user(partnership, "gp1"), case.id, agenda.earlier_actions[0].id, origin=NO_ORIGIN,
                           now=datetime.now(timezone.utc))


def test_the_chair_is_alerted_when_the_minutes_are_late(partnership_committed, clock):
    session = partnership_committed
    case, meeting, sw1, tm1 = held_meeting(session)
    write(sw1, case, submit=False)
    session.commit()
    clock.move_to(datetime(2026, 3, 9, 23, 0, tzinfo=timezone.utc))  # five working days after Monday 2 March
    fire_due_timers()
    assert sent(session, "minutes_late") == []
    clock.move_to(datetime(2026, 3, 10, 0, 1, tzinfo=timezone.utc))
    fire_due_timers()
    alert, = sent(session, "minutes_late")
    chair = next(i for i in meeting.current_invitees if i.role == "chair")
    assert alert.to_address == chair.email and alert.subject == f"Minutes overdue: case {case.reference}"
    assert steps(session, case) == {"record_minutes"}  # the alert does not take the step away
    fire_due_timers()
    assert len(sent(session, "minutes_late")) == 1


def test_minutes_issued_in_time_raise_no_alert(partnership_committed, clock):
    session = partnership_committed
    case, meeting, sw1, tm1 = held_meeting(session)
    write(sw1, case)
    approve(tm1, case)
    session.commit()
    clock.move_to(datetime(2026, 3, 20, tzinfo=timezone.utc))
    fire_due_timers()
    assert sent(session, "minutes_late") == [] and steps(session, case) == set()
