"""Safer-sleep answers for tests, and recording them through the real service."""
from datetime import datetime, timezone

from webapp.audit.services import NO_ORIGIN
from webapp.safer_sleep import services

SAFE = {"sleeps_where": "cot", "co_sleeping": "no", "smoking": False, "substances": False,
        "premature_or_low_birth_weight": "no", "overheating_or_bedding": False, "sleeping_position": "back",
        "room_sharing": "yes", "out_of_routine": False, "advice_given": "Lullaby Trust leaflet talked through",
        "parent_understanding": "good", "action_plan": "Keep to the routine"}
# Four risks: the sofa, unplanned co-sleeping, smoking, and drinking (with what was said about it).
RISKY = {**SAFE, "sleeps_where": "sofa_or_armchair", "co_sleeping": "unplanned", "smoking": True,
         "substances": True, "substances_details": "Father drinks most evenings"}
RISK_FLAGS = ["Safer sleep: The baby sleeps on a sofa or armchair",
              "Safer sleep: Unplanned co-sleeping: a parent falls asleep with the baby",
              "Safer sleep: Smoking in the home",
              "Safer sleep: A parent uses alcohol, drugs or drowsy-making medication: Father drinks most evenings"]


def record(actor, case, answers=None, now=None):
    return services.record_assessment(actor, case.id, SAFE if answers is None else answers, origin=NO_ORIGIN,
                                      now=now or datetime.now(timezone.utc))


def form_data(answers: dict) -> dict:
    """The answers as the form posts them (yes/no as "true"/"false")."""
    return {key: ("true" if value else "false") if isinstance(value, bool) else value for key, value in answers.items()}
