"""Every partnership setting: its name (as diagrams refer to it), meaning, default and allowed range.
Defaults are DOMAIN.md's; each partnership changes them on the Settings page."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SettingDefinition:
    name: str
    label: str
    default: int | str
    hint: str = ""
    minimum: int = 0
    maximum: int = 365
    choices: tuple[tuple[str, str], ...] = ()  # for settings that are words, not numbers

    def parse(self, raw: str) -> int | str:
        """The value typed on the Settings page, checked; ValueError with a sentence if it will not do."""
        if self.choices:
            if raw not in {value for value, _ in self.choices}:
                raise ValueError(f"Select one of the options for {self.label.lower()}")
            return raw
        try:
            value = int(raw.strip())
        except ValueError:
            raise ValueError(f"Enter {self.label.lower()} as a whole number") from None
        if not self.minimum <= value <= self.maximum:
            raise ValueError(f"{self.label} must be between {self.minimum} and {self.maximum}")
        return value


DEFINITIONS = {d.name: d for d in [
    SettingDefinition("referral_decision_working_days", "Referral decision, working days from the referral", 1,
                      "Working Together 2023: one working day.", 1, 10),
    SettingDefinition("assessment_working_days", "Assessment completed, working days from the referral", 45,
                      "Working Together 2023: 45 working days.", 10, 90),
    SettingDefinition("manager_review_day", "Manager review of the assessment, by day", 10,
                      "Counted from the start of the assessment.", 1, 45),
    SettingDefinition("multi_agency_meeting_day", "Multi-agency meeting or signed rationale, by day", 20,
                      "Counted from the start of the assessment (the Child I learning).", 1, 45),
    SettingDefinition("assessment_day_count", "Days 10 and 20 count", "working_days", "",
                      choices=(("working_days", "working days"), ("calendar_days", "calendar days"))),
    SettingDefinition("cin_review_interval", "Child in need reviews, at most every", 6, "", 1, 60),
    SettingDefinition("cin_review_interval_unit", "Review interval unit", "weeks", "",
                      choices=(("weeks", "weeks"), ("working_days", "working days"))),
    SettingDefinition("information_request_working_days", "Information requests answered within, working days", 5,
                      "Then chased.", 1, 30),
    SettingDefinition("information_request_escalation_working_days",
                      "Escalated to the team manager after a further, working days", 2, "", 1, 30),
    SettingDefinition("meeting_reminder_working_days",
                      "Convenor reminded of unanswered invitations, working days before a meeting", 2, "", 1, 10),
    SettingDefinition("minutes_circulation_working_days", "Minutes circulated within, working days", 5,
                      "Counted from the meeting; then the chair is alerted.", 1, 30),
    SettingDefinition("minutes_link_days", "Family members' links to the minutes work for, days", 28,
                      "People without an account read the minutes through a personal link.", 1, 365),
    SettingDefinition("pregnancy_notification_weeks", "Pregnancy notified to health visiting before, weeks' gestation",
                      28, "Health visiting acknowledges each notification by the day before then.", 12, 40),
    SettingDefinition("pregnancy_late_acknowledgement_working_days",
                      "A pregnancy notified later than that is acknowledged within, working days", 2, "", 1, 10),
    SettingDefinition("pregnancy_escalation_working_days",
                      "An unacknowledged pregnancy notification escalated after a further, working days", 2,
                      "It is chased on the day it falls due, then escalated to health visiting's safeguarding lead.",
                      1, 20),
    SettingDefinition("escalation_stage_1_working_days", "Escalation stage 1 resolved within, working days", 2, "", 1, 20),
    SettingDefinition("escalation_stage_2_working_days", "Escalation stage 2 resolved within, working days", 5, "", 1, 20),
    SettingDefinition("escalation_stage_3_working_days", "Escalation stage 3 resolved within, working days", 5, "", 1, 20),
    SettingDefinition("la_code", "The council's LA code for the Children in Need census", 0,
                      "The DfE's 3-digit local authority code, as in DfE COLLECT. 0 until it is set: the census "
                      "is not exported without it.", 0, 999),
]}
