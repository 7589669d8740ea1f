"""Referral and assessment answers for tests, and a quick way to open a case through the real services."""
from datetime import datetime, timezone

from webapp.audit.services import NO_ORIGIN
from webapp.cases import referrals

CONCERNS = ("parental_substance_use", "domestic_abuse", "parental_conflict", "parental_mental_health")
# The follow-ups a "yes" to a concern requires, for tests that do not care what they say.
FOLLOW_UPS = {"details": "Reported by the referrer", "frequency": "Weekly", "impact": "Tired at school",
              "child_says": "Not asked yet"}


def with_follow_ups(answers: dict) -> dict:
    """The answers, with the follow-ups of each concern answered "yes" filled in where the test left them out."""
    filled = {f"{key}_{suffix}": text for key in CONCERNS if answers.get(key) == "yes"
              for suffix, text in FOLLOW_UPS.items()}
    return {**filled, **answers}


def referral_answers(given="Ava", family="Demochild", postcode="HG1 1AA", gp_id=None, **extra) -> dict:
    answers = {
        "child_given_names": given, "child_family_name": family, "child_date_of_birth": "2019-04-03",
        "address": "1 Demo Street, Harrogate", "postcode": postcode,
        "household_members": [{"full_name": f"Pat {family}", "relationship": "mother",
                               "has_parental_responsibility": True}],
        "referrer_name": "Demo Teacher", "referrer_contact": "01234 567890",
        "concern_what": "A bruise on the child's arm", "parental_substance_use": "no", "domestic_abuse": "not_known",
        "parental_conflict": "no", "parental_mental_health": "no", "child_safe_now": True,
        "immediate_protection_needed": False, "parents_aware": True, "parents_consent": True,
    }
    if gp_id is not None:
        answers["gp_practice_id"] = gp_id
    return with_follow_ups({**answers, **extra})


def assessment_answers(**extra) -> dict:
    """The smallest valid assessment: the child not seen, none of the concerns found."""
    answers = {"child_seen": False, "child_wishes_and_feelings": "x", "findings": "x", "primary_need": "N1",
               **{key: "no" for key in CONCERNS}}
    return with_follow_ups({**answers, **extra})


def open_case(actor, answers: dict, household_id=None):
    return referrals.create_referral(actor, answers, household_id, origin=NO_ORIGIN,
                                     now=datetime.now(timezone.utc))


def complete(actor, case, bpmn_id: str, answers: dict):
    """Complete the case's open step `bpmn_id` through the real service."""
    from webapp.cases.steps import record_step

    return record_step(actor, case, open_task(case, bpmn_id), answers, origin=NO_ORIGIN,
                       now=datetime.now(timezone.utc))


def open_task(case, bpmn_id: str):
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.workflow.models import OpenTask

    open_now = db.session.scalars(select(OpenTask).where(OpenTask.subject_type == "cases",
                                                         OpenTask.subject_id == case.id)).all()
    task = next((t for t in open_now if t.bpmn_id == bpmn_id), None)
    assert task is not None, f"{bpmn_id} is not open; open: {[t.bpmn_id for t in open_now]}"
    return task


def convene(worker, case, step: str, starts_at: datetime, invitees=None, location="Civic Centre"):
    """Convene the case's open meeting step through the real service (all proposed invitees by default)."""
    from datetime import timedelta

    from webapp.meetings import services
    from webapp.meetings.services import configured_mailing

    keys = invitees if invitees is not None else [c.key for c in services.candidates(worker, case.id)]
    return services.convene(worker, case.id, open_task(case, step).task_id, starts_at=starts_at,
                            ends_at=starts_at + timedelta(hours=1), location=location, chosen=keys, roles={},
                            mailing=configured_mailing(), origin=NO_ORIGIN, now=datetime.now(timezone.utc))


def record_attendance(worker, case, meeting):
    from webapp.meetings import services

    rows = [services.Attendance(i.id, "attended") for i in meeting.current_invitees]
    return services.record_attendance(worker, case.id, open_task(case, "record_attendance").task_id, rows,
                                      origin=NO_ORIGIN, now=datetime.now(timezone.utc))


def start_meeting_now(meeting) -> None:
    """Let a convened meeting's time come: it is moved to have just started and its timers are computed again
    (what the worker does when a date moves). Tests of the timing itself move the clock instead."""
    from datetime import timedelta

    from webapp.workflow.runtime import rearm_timers

    now = datetime.now(timezone.utc)
    meeting.starts_at, meeting.ends_at = now - timedelta(minutes=1), now + timedelta(minutes=59)
    rearm_timers(meeting.instance_id, now=now)


MINUTES = {"minute_taker": "x", "child_views": "x", "worries": "x", "decisions": "x"}


def issue_minutes(worker, case, content=None, manager=None):
    """Write the open minutes step, send it to the chair and approve it (the case's team manager by default)."""
    from webapp.minutes import services
    from webapp.minutes.distribution import configured_links
    from webapp.minutes.reviews import configured_cadence

    now = datetime.now(timezone.utc)
    services.save_minutes(worker, case.id, open_task(case, "record_minutes").task_id, content or MINUTES, [],
                          submit=True, cadence=configured_cadence(), origin=NO_ORIGIN, now=now)
    manager = manager or team_manager_of(case)
    return services.approve_step(manager, case.id, open_task(case, "approve_minutes").task_id,
                                 links=configured_links(), origin=NO_ORIGIN, now=now)


def team_manager_of(case):
    from sqlalchemy import select

    from webapp.auth.models import User
    from webapp.auth.roles import Role
    from webapp.extensions import db

    return next(u for u in db.session.scalars(select(User).where(User.team_id == case.team_id).order_by(User.id))
                if u.has_role(Role.TEAM_MANAGER))


def hold_meeting(worker, case, step: str = "convene_meeting") -> None:
    """Convene the open meeting step an hour ahead, let its time come, record attendance and issue the minutes."""
    from datetime import timedelta

    meeting = convene(worker, case, step, datetime.now(timezone.utc) + timedelta(hours=1))
    start_meeting_now(meeting)
    record_attendance(worker, case, meeting)
    issue_minutes(worker, case)


def start_assessment(case, worker, manager) -> None:
    """The team manager's decision: a Section 17 assessment by `worker` (the day-20 meeting step opens)."""
    complete(manager, case, "referral_decision", {"decision": "section17_assessment",
                                                  "allocated_worker_id": worker.id, "decision_reasons": "x",
                                                  "referrer_acknowledged": False})


def take_to_first_review(case, worker, manager, plan_agreed_on: str) -> None:
    """From the referral decision to the first CIN review meeting's convene step, with the smallest valid
    answers (the day-20 and initial child in need meetings held on the way)."""
    start_assessment(case, worker, manager)
    complete(worker, case, "assessment", assessment_answers())
    hold_meeting(worker, case, "convene_by_day_20")
    complete(manager, case, "manager_review", {"assessment_agreed": True})
    complete(manager, case, "assessment_outcome", {"outcome": "cin_plan", "outcome_reasons": "x"})
    complete(worker, case, "cin_plan", {"plan_agreed_on": plan_agreed_on, "needs_and_worries": "x",
                                        "outcomes": [{"outcome": "x"}], "contingency": "x",
                                        "actions": [{"action": "x", "owner": "x", "due_on": "2026-04-01"}],
                                        "visiting_frequency": "weekly", "lead_practitioner": "x"})
    hold_meeting(worker, case)


def take_to_assessment_outcome(case, worker, manager) -> None:
    """From the referral decision to the open assessment outcome step (the day-20 meeting held on the way)."""
    start_assessment(case, worker, manager)
    complete(worker, case, "assessment", assessment_answers())
    hold_meeting(worker, case, "convene_by_day_20")
    complete(manager, case, "manager_review", {"assessment_agreed": True})


def check_open_work(worker, case, bpmn_id: str = "check_open_work_at_review"):
    """Complete the open closing step through the real service: every open action done, every request, meeting
    and escalation kept open with a reason (nothing withdrawn or cancelled), so the case closes."""
    from webapp.closure import services as closure
    from webapp.closure.open_work import open_work
    from webapp.meetings.services import configured_mailing

    now = datetime.now(timezone.utc)
    work = open_work(case.id, now)
    given = {f"action-{a.id}": closure.Disposition("done") for a in work.actions}
    given |= {f"request-{r.id}": closure.Disposition("kept_open", "Kept open at closure") for r in work.requests}
    given |= {f"meeting-{m.id}": closure.Disposition("kept", "Kept at closure") for m in work.meetings}
    given |= {f"escalation-{e.id}": closure.Disposition("kept", "Continues") for e in work.escalations}
    return closure.complete_closing_step(worker, case.id, open_task(case, bpmn_id).task_id, given, work.keys,
                                         mailing=configured_mailing(), origin=NO_ORIGIN, now=now)
