"""Partner agencies: GP practices, health visiting, midwifery, schools, police and others."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.columns import UTCDateTime, utc_now
from webapp.extensions import db


class AgencyKind(str, enum.Enum):
    GP_PRACTICE = "gp_practice"
    HEALTH_VISITING = "health_visiting"
    MIDWIFERY = "midwifery"
    SCHOOL = "school"
    POLICE = "police"
    OTHER = "other"

    @property
    def label(self) -> str:
        return AGENCY_KIND_LABELS[self]


AGENCY_KIND_LABELS = {
    AgencyKind.GP_PRACTICE: "GP practice",
    AgencyKind.HEALTH_VISITING: "Health visiting",
    AgencyKind.MIDWIFERY: "Midwifery",
    AgencyKind.SCHOOL: "School or nursery",
    AgencyKind.POLICE: "Police",
    AgencyKind.OTHER: "Other",
}


class Agency(db.Model):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Marked by an administrator when the mailbox is accredited for OFFICIAL-SENSITIVE mail (NHSmail, for
    # example): only then may an e-mail to it name the child. Others get the case reference and a sign-in link.
    is_secure_mailbox: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    # The agency's designated safeguarding lead: holds its side of an escalation from stage 2.
    safeguarding_lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True))

    members: Mapped[list["User"]] = relationship(back_populates="agency",  # noqa: F821
                                                 foreign_keys="User.agency_id")
    safeguarding_lead: Mapped["User | None"] = relationship(foreign_keys=[safeguarding_lead_id])  # noqa: F821

    @property
    def kind_label(self) -> str:
        return AgencyKind(self.kind).label
