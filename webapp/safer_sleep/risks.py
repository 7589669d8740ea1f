"""Which safer-sleep answers are risks, and what each one raises: a flag on the case and a plan action
(Lullaby Trust advice). Pure: answers in, flags and actions out."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from webapp.cases.flags import Flag
from webapp.workflow.calendar import add_working_days

HEALTH_VISITOR, SOCIAL_WORKER = "Health visitor", "Social worker"


@dataclass(frozen=True)
class Risk:
    key: str
    applies: Callable[[dict], bool]
    label: str  # the flag
    action: str  # the plan action
    owner: str
    due_in: int  # working days from the day the plan is written
    details_key: str | None = None  # the answer that says more about it


RISKS = [
    Risk("sofa_or_armchair", lambda a: a.get("sleeps_where") == "sofa_or_armchair",
         "The baby sleeps on a sofa or armchair",
         "Make sure the baby has a cot or Moses basket for every sleep, and explain that a sofa or armchair is "
         "the most dangerous place to fall asleep with a baby", SOCIAL_WORKER, 2, "sleep_space_notes"),
    Risk("adult_bed", lambda a: a.get("sleeps_where") == "adult_bed", "The baby sleeps in an adult bed",
         "Make sure the baby has a clear, flat, separate sleep space (a cot or Moses basket) for every sleep, "
         "day and night", SOCIAL_WORKER, 5, "sleep_space_notes"),
    Risk("planned_co_sleeping", lambda a: a.get("co_sleeping") == "planned", "Planned co-sleeping",
         "Go through how to make the bed safer for co-sleeping (firm flat mattress, no pillows or duvets near the "
         "baby, baby on their back) and when never to co-sleep: after alcohol, drugs or drowsy-making medication, "
         "when a parent smokes, or when the baby was premature or small", HEALTH_VISITOR, 5),
    Risk("unplanned_co_sleeping", lambda a: a.get("co_sleeping") == "unplanned",
         "Unplanned co-sleeping: a parent falls asleep with the baby",
         "Plan with the parents what to do when they are very tired at night feeds: put the baby back in their "
         "cot, or make the bed safe beforehand, and never feed on a sofa or armchair when sleepy",
         HEALTH_VISITOR, 5),
    Risk("smoking", lambda a: a.get("smoking") is True, "Smoking in the home",
         "Offer a referral to the stop-smoking service, agree a smoke-free home and car, and explain that "
         "sharing a bed with the baby is never safe when a parent smokes", HEALTH_VISITOR, 10),
    Risk("substances", lambda a: a.get("substances") is True,
         "A parent uses alcohol, drugs or drowsy-making medication",
         "Agree who cares for the baby when a parent has drunk alcohol, used drugs or taken drowsy-making "
         "medication: the baby sleeps in their own cot, never in a bed or on a sofa with that parent",
         SOCIAL_WORKER, 2, "substances_details"),
    Risk("premature_or_low_birth_weight", lambda a: a.get("premature_or_low_birth_weight") == "yes",
         "Born premature (before 37 weeks) or with a low birth weight (under 2.5 kg)",
         "Give extra safer-sleep advice for a premature or small baby: their own cot in the parents' room for "
         "every sleep, and never share a bed with them", HEALTH_VISITOR, 5),
    Risk("overheating_or_bedding", lambda a: a.get("overheating_or_bedding") is True,
         "Risk of overheating, or loose bedding in the sleep space",
         "Check the sleep space with the parents: room at 16 to 20 degrees, head uncovered, feet to the foot of "
         "the cot, a firm flat mattress, and no pillows, duvets, bumpers or toys", HEALTH_VISITOR, 5),
    Risk("not_on_back", lambda a: a.get("sleeping_position") in ("side", "front"),
         "Not put down on their back to sleep",
         "Show the parents how to put the baby on their back for every sleep, day and night", HEALTH_VISITOR, 2),
    Risk("not_room_sharing", lambda a: a.get("room_sharing") == "no",
         "Not sleeping in the parents' room (advised for the first 6 months)",
         "Agree with the parents that the baby sleeps in a cot or Moses basket in the same room as them, day and "
         "night, for the first 6 months", SOCIAL_WORKER, 5),
    Risk("out_of_routine", lambda a: a.get("out_of_routine") is True, "A change to the family's routine is planned",
         "Plan where the baby will sleep safely during the planned change (a travel cot or Moses basket) and "
         "talk through the extra risk when the family is out of routine", SOCIAL_WORKER, 2,
         "out_of_routine_details"),
    Risk("poor_understanding", lambda a: a.get("parent_understanding") == "poor",
         "The parents' understanding of safer-sleep advice is poor",
         "Go through the safer-sleep advice again in person (with an interpreter if needed) and check the "
         "parents can explain it back at the next visit", HEALTH_VISITOR, 5),
]


def risks_in(answers: dict) -> list[Risk]:
    return [risk for risk in RISKS if risk.applies(answers)]


def risk_flags(answers: dict) -> list[Flag]:
    return [Flag(f"Safer sleep: {risk.label}", str(answers.get(risk.details_key) or "").strip()
                 if risk.details_key else "") for risk in risks_in(answers)]


def risk_actions(answers: dict, today: date, holidays: frozenset[date] = frozenset()) -> list[dict]:
    """Plan action rows (the cin_plan form's `actions` items), due in working days from today."""
    return [{"action": risk.action, "owner": risk.owner,
             "due_on": add_working_days(today, risk.due_in, holidays).isoformat()} for risk in risks_in(answers)]
