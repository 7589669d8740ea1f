"""How a case is quoted where its child's name must not appear (e-mails, invites, alerts, logs). Kept at the
bottom of the package so that every layer can quote a case without importing the case record."""
from __future__ import annotations


def case_reference(case_id: int) -> str:
    """The reference people quote (in e-mails and invites instead of the child's name)."""
    return f"CIN-{case_id:06d}"


def case_id_from_reference(text: str) -> int | None:
    """The case id a typed reference names ("CIN-000012", "12"), or None; isdecimal, not isdigit: "³" is a digit
    that int() refuses."""
    digits = text.strip().upper().removeprefix("CIN-").lstrip("0")
    return int(digits) if digits.isdecimal() else None
