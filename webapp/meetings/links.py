"""Personal answer links: signed with the service's secret, naming one invitee of one meeting, valid until the
meeting ends. No sign-in: the link is the invitee's own."""
from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "meeting-answer"


@dataclass(frozen=True)
class AnswerLinks:
    secret_key: str
    service_url: str

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret_key, salt=SALT)

    def token(self, meeting_id: int, invitee_id: int) -> str:
        return self._serializer().dumps({"m": meeting_id, "i": invitee_id})

    def url(self, meeting_id: int, invitee_id: int, answer: str | None = None) -> str:
        suffix = f"?answer={answer}" if answer else ""
        return f"{self.service_url}/answer/{self.token(meeting_id, invitee_id)}{suffix}"

    def read(self, token: str) -> tuple[int, int] | None:
        """(meeting id, invitee id), or None for a link that was not made here or was altered."""
        try:
            payload = self._serializer().loads(token)
        except BadSignature:
            return None
        if not isinstance(payload, dict) or not {"m", "i"} <= payload.keys():
            return None
        return int(payload["m"]), int(payload["i"])
