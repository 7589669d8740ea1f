"""The HTML a minutes PDF is rendered from (templates/pdf/minutes.html); every value is escaped by Jinja, so
text typed into the minutes can never become markup, a link or an embedded file."""
from __future__ import annotations

from webapp.agencies.identification import patient_identification
from webapp.cases.flags import concern_flags
from webapp.documents.rendering import record_html, version_label
from webapp.extensions import db
from webapp.minutes.distribution import recipients
from webapp.minutes.models import MinutesVersion
from webapp.minutes.services import CONTENT_SCHEMA

SECTIONS = [("child_views", "The child's views"), ("family_views", "Parents' and family's views"),
            ("strengths", "What is working well"), ("worries", "Worries and risks"), ("decisions", "Decisions"),
            ("dissent", "Dissent")]


def minutes_html(version_id: int, partnership_name: str) -> str:
    version = db.session.get(MinutesVersion, version_id)
    meeting = version.meeting
    visiting = {o["const"]: o["title"] for o in CONTENT_SCHEMA["properties"]["visiting_frequency"]["oneOf"]}
    chair = next((i.name for i in meeting.current_invitees if i.role == "chair"), None)
    return record_html(
        "pdf/minutes.html", version=version, meeting=meeting, case=meeting.case, content=version.content,
        identification=patient_identification(meeting.case.child),  # one record for every reader: no viewer
        sections=SECTIONS, chair=chair, visiting=visiting.get(version.content.get("visiting_frequency")),
        distribution=[name for name, _, _ in recipients(version)], flags=concern_flags(meeting.case_id),
        document_title=f"{meeting.kind_label}: minutes, case {meeting.case.reference}, version {version.number}",
        description=f"Minutes of the {meeting.kind_label.lower()} for case {meeting.case.reference}",
        version_label=version_label(version.number),
        partnership_name=partnership_name,
        created=version.issued_at.isoformat() if version.issued_at else "")
