"""An escalation stage's due date is its timer's: a settings change re-arms the stage's deadline, and the record
page, the managers' list and the report's overview show the new date; the stage moves up on it, not the old one."""
from datetime import datetime, timezone

from tests.escalations.test_escalations import challenge, referred_and_closed, stage_mail, user
from tests.helpers import deadline_pass, signed_in
from webapp.audit.services import NO_ORIGIN
from webapp.escalations import reports, services
from webapp.escalations.models import Escalation
from webapp.partnership.services import change_settings
from webapp.workflow.dues import timer_due




def test_a_re_armed_stage_shows_and_keeps_the_timer_s_date(app, partnership_committed, clock):
    session = partnership_committed
    case, school1 = referred_and_closed(session)
    escalation = services.raise_escalation(school1, challenge(case), origin=NO_ORIGIN,
                                           now=datetime.now(timezone.utc))  # Monday 2 March: due end of Wed 4th
    session.commit()
    change_settings(user(session, "admin"), {"escalation_stage_1_working_days": "4"}, origin=NO_ORIGIN)
    session.commit()
    deadline_pass()
    friday = datetime(2026, 3, 6, 23, 59, 59, tzinfo=timezone.utc)
    assert timer_due(escalation.workflow_instance_id, "stage_1_deadline").at == friday
    session.expire_all()
    assert session.get(Escalation, escalation.id).current_stage.due == friday
    assert "due 6 Mar 2026 23:59" in signed_in(app, "school1").get(f"/escalations/{escalation.id}").text
    listed = signed_in(app, "chair1").get("/escalations/").text
    assert "6 Mar 2026 23:59" in listed and "4 Mar 2026" not in listed
    (_, _, late, due), = reports.open_escalations(user(session, "chair1"), datetime.now(timezone.utc))
    assert due == friday and not late

    clock.move_to(datetime(2026, 3, 5, 0, 1, tzinfo=timezone.utc))  # the old deadline: still stage 1
    deadline_pass()
    session.expire_all()
    assert session.get(Escalation, escalation.id).stage == 1 and stage_mail(session, 2) == set()
    (_, _, late, _), = reports.open_escalations(user(session, "chair1"), datetime.now(timezone.utc))
    assert not late
    clock.move_to(datetime(2026, 3, 7, 0, 1, tzinfo=timezone.utc))
    deadline_pass()
    session.expire_all()
    escalation = session.get(Escalation, escalation.id)
    assert escalation.stage == 2 and escalation.stages[0].outcome == "deadline_passed"
    assert escalation.stages[0].due == friday  # the closed stage keeps the date its timer acted on
