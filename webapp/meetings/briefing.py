"""What an invitee is told to prepare for a meeting: what kind of meeting it is and what it is for, which child it
is about, and the agenda. The same briefing is shown on the answer page (personal link), on the page an invited
practitioner reads when signed in, and on the staff's meeting page.

Who the child is follows one rule (webapp/agencies/identification.py), and so do the case's own agenda items
(concerns flagged at referral, the plan's actions, actions still open from earlier minutes): shown behind sign-in
to anyone who may see the meeting, and through a personal link only when the invitee's address may receive
identifying details (webapp/agencies/services.py), since a link works for whoever holds the e-mail. Otherwise
the page keeps to what the meeting is for and its standard agenda, and says whom to ask."""
from __future__ import annotations

from dataclasses import dataclass, field

from webapp.agencies.models import Agency
from webapp.agencies.services import may_receive_identifying_details
from webapp.agencies.identification import Identification, patient_identification
from webapp.extensions import db
from webapp.meetings.models import Invitee, Meeting
from webapp.minutes.services import STANDARD_SECTIONS, agenda_for


@dataclass(frozen=True)
class Briefing:
    meeting: Meeting
    identification: Identification | None  # None: this page may not say who the child is
    sections: list[str]
    concerns: list[str] = field(default_factory=list)
    open_actions: list[dict] = field(default_factory=list)  # the plan's actions
    earlier_actions: list = field(default_factory=list)  # CaseAction rows from issued minutes, not yet done

    @property
    def purpose(self) -> str:
        return self.meeting.purpose

    @property
    def withheld(self) -> bool:
        return self.identification is None

    @property
    def contact(self) -> str:
        """Whom to ask about the meeting: its convenor, by name and work e-mail."""
        convenor = self.meeting.convened_by
        return f"{convenor.full_name} ({convenor.email})"


def briefing(meeting: Meeting, viewer_agency: Agency | None, *, identifies: bool) -> Briefing:
    """The briefing for one reader: `viewer_agency` is theirs (None for children's social care and family);
    `identifies` says whether this page may say who the child is."""
    if not identifies:
        return Briefing(meeting, None, list(STANDARD_SECTIONS))
    agenda = agenda_for(meeting)
    return Briefing(meeting, patient_identification(meeting.case.child, viewer_agency), agenda.sections,
                    agenda.concerns, agenda.open_actions, agenda.earlier_actions)


def briefing_for_link(invitee: Invitee) -> Briefing:
    """What the invitee's personal answer link shows: the case's details only to an address that may have them."""
    agency = db.session.get(Agency, invitee.agency_id) if invitee.agency_id else None
    return briefing(invitee.meeting, agency, identifies=may_receive_identifying_details(invitee.email))


def briefing_signed_in(actor, meeting: Meeting) -> Briefing:
    """For someone signed in who may see the meeting (meetings/access.py decided that): everything, worded for
    their agency."""
    return briefing(meeting, actor.agency, identifies=True)
