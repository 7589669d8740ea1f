"""Minutes read through a recipient's personal link (minutes/distribution.py signs them): no account, so the
link itself says who is reading, and every read and download is audited under their address."""
from __future__ import annotations

from webapp.audit.services import Origin, record_event
from webapp.cases.models import HouseholdMember
from webapp.documents.models import Document
from webapp.extensions import db
from webapp.meetings.models import Meeting
from webapp.minutes.distribution import LinkRefused, MinutesLinks
from webapp.minutes.models import MinutesVersion
from webapp.minutes.services import MINUTES_DOCUMENT, issued_version


def _link_reader(token: str, links: MinutesLinks) -> tuple[Meeting, MinutesVersion | None, str, str]:
    """(meeting, its issued version, the recipient's name and address) for a personal link still valid."""
    meeting_id, recipient = links.read(token)
    meeting = db.session.get(Meeting, meeting_id)
    person = None
    if meeting is not None and recipient[:1] == "i":
        person = next((i for i in meeting.invitees if str(i.id) == recipient[1:]), None)
    elif meeting is not None and recipient[:1] == "h":
        person = db.session.get(HouseholdMember, int(recipient[1:])) if recipient[1:].isdecimal() else None
    if meeting is None or person is None or not person.email:
        raise LinkRefused()
    name = getattr(person, "full_name", None) or person.name
    return meeting, issued_version(meeting.id), name, person.email


def minutes_for_link(token: str, links: MinutesLinks, *, origin: Origin) -> tuple[Meeting, MinutesVersion | None, str]:
    meeting, version, name, email = _link_reader(token, links)
    record_event("minutes.viewed", actor_label=f"link: {email}"[:120], subject=meeting.case, origin=origin,
                 detail={"meeting_id": meeting.id})
    return meeting, version, name


def document_for_link(token: str, links: MinutesLinks, *, origin: Origin) -> Document | None:
    """The issued minutes' PDF for a personal link (None while it is being prepared); the download is audited."""
    meeting, version, _, email = _link_reader(token, links)
    document = version.document if version is not None else None
    if document is None or document.status != "ready":
        return None
    record_event("document.downloaded", actor_label=f"link: {email}"[:120], subject=meeting.case, origin=origin,
                 detail={"document_id": document.id, "kind": MINUTES_DOCUMENT, "sha256": document.sha256})
    return document
