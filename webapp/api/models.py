"""API tokens: personal ones a person makes for their own scripts, and service tokens an administrator makes for
another system's account. Only a hash is stored; the token is shown once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.columns import UTCDateTime, utc_now
from webapp.extensions import db


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)  # whose rights it carries
    kind: Mapped[str] = mapped_column(String(12))  # personal | service
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the token
    prefix: Mapped[str] = mapped_column(String(12))  # the first characters, to recognise it in lists
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(String(40))  # revoked | password_changed | deactivated ...
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The owner's session epoch when the token was made: a password set or a deactivation moves the epoch on,
    # and the token ends with it (reactivation moves it again, so nothing revives).
    owner_epoch: Mapped[int] = mapped_column(default=0)

    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821
