"""Telling everyone on the distribution list that minutes are issued: a link, never an attachment. People with
an account sign in to read them; everyone else (family members, a typed-in guest, an agency's shared inbox) gets
a personal link that works for the partnership's set number of days. Nothing in a subject or body names the child."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from webapp.cases.models import HouseholdMember
from webapp.columns import LONDON
from webapp.extensions import db
from webapp.mail.delivery import SERVICE_URL_MARK
from webapp.mail.services import queue_message
from webapp.partnership.services import setting_value

SALT = "minutes-link"


@dataclass(frozen=True)
class MinutesLinks:
    """Personal links to a meeting's issued minutes: signed, naming the meeting and the recipient, expiring."""
    secret_key: str
    days: int

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt=SALT)

    def token(self, meeting_id: int, recipient: str) -> str:
        return self._serializer().dumps({"m": meeting_id, "r": recipient})

    def read(self, token: str) -> tuple[int, str]:
        """(meeting id, recipient); LinkExpired or LinkRefused otherwise."""
        try:
            payload = self._serializer().loads(token, max_age=self.days * 86400)
        except SignatureExpired:
            raise LinkExpired() from None
        except BadSignature:
            raise LinkRefused() from None
        if not isinstance(payload, dict) or not {"m", "r"} <= payload.keys():
            raise LinkRefused()
        return int(payload["m"]), str(payload["r"])


class LinkRefused(Exception):
    """Not a link we made, or altered."""


class LinkExpired(Exception):
    """A link we made whose time has passed."""


def configured_links() -> MinutesLinks:
    """Links signed with the service's secret, valid for the partnership's `minutes_link_days`."""
    from flask import current_app


    return MinutesLinks(current_app.config["SECRET_KEY"], int(setting_value("minutes_link_days")))


def recipients(version) -> list[tuple[str, str, str | None]]:
    """(name, e-mail, recipient key for a personal link or None for people who sign in) for every invitee,
    attended or not, and the family members chosen, once each."""
    found: dict[str, tuple[str, str, str | None]] = {}
    for invitee in version.meeting.current_invitees:
        found.setdefault(invitee.email.lower(), (invitee.name, invitee.email,
                                                 None if invitee.user_id else f"i{invitee.id}"))
    for member_id in version.family_distribution:
        member = db.session.get(HouseholdMember, member_id)
        if member is not None and member.email:
            found.setdefault(member.email.lower(), (member.full_name, member.email, f"h{member.id}"))
    return list(found.values())


def distribute(version, links: MinutesLinks, now: datetime) -> None:
    meeting = version.meeting
    what = "Corrected minutes" if version.number > 1 else "Minutes"
    subject = f"{what} issued: {meeting.kind_label}: case {meeting.case.reference}"
    for name, email, key in recipients(version):
        if key is None:
            where = (f"Sign in to read them: {SERVICE_URL_MARK}/meetings/{meeting.id}/minutes",)
        else:
            where = (f"Read them here: {SERVICE_URL_MARK}/minutes/{links.token(meeting.id, key)}",
                     f"This link is yours alone and works for {links.days} days.")
        body = "\n".join([f"Dear {name},", "",
                          f"The {what.lower()} of the {meeting.kind_label.lower()} held on "
                          f"{meeting.starts_at.astimezone(LONDON).strftime('%-d %B %Y')} "
                          f"(case {meeting.case.reference}) are issued.",
                          *(["The reason for the correction is in the minutes."] if version.number > 1 else []),
                          "", *where, "", "Please do not forward this e-mail.", "", "OFFICIAL-SENSITIVE"])
        queue_message("minutes_issued", email, subject, body, case_id=meeting.case_id)
