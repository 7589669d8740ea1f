"""The e-mails closing a case sends: the case reference only, never a name or a concern."""
from __future__ import annotations

from webapp.mail.delivery import SERVICE_URL_MARK

DEBRIEF_MAIL = {
    True: ("Debrief to hold", "This case closed after a serious incident. Please hold a formal debrief with the "
                              "practitioners involved and record it: 'Hold the debrief' is on your tasks."),
    False: ("Debrief to be arranged", "Children's social care closed this case after a serious incident. The team "
                                      "manager will arrange a formal debrief with the practitioners involved."),
}


def debrief_message(is_manager: bool, reference: str) -> tuple[str, str]:
    """(subject, body) telling a team manager the debrief is theirs to hold, or a practitioner one is coming."""
    title, text = DEBRIEF_MAIL[is_manager]
    return (f"{title}: case {reference}",
            f"{text}\n\nCase reference: {reference}\nSign in to the service: {SERVICE_URL_MARK}/\n\nOFFICIAL-SENSITIVE")
