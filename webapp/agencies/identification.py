"""Which child a record is about, as its reader is shown it: one rule for the minutes and plan PDFs, the meeting
and invitation-answer pages and the agencies' e-mails (docs/ACCESS.md, "Which child it is").

Every reader who may be told who the child is gets the same identifiers: the name, the date of birth (or, for an
unborn baby, the expected date of delivery) and the NHS number where it was recorded. A GP practice matches a
letter to a patient on exactly these three (a name alone matches several patients), so health agencies, and the
records every agency files, say "NHS number: Not recorded" rather than leaving it out: the practice then knows
to match on name and date of birth and to ask. Other agencies get the NHS number only when there is one.

Whether a channel may identify the child at all is not decided here: pages behind sign-in follow who may see the
record, and e-mails and personal links follow `may_receive_identifying_details` (webapp/agencies/services.py).
E-mail subjects and calendar invitations never carry any of it."""
from __future__ import annotations

from dataclasses import dataclass

from webapp.agencies.models import AgencyKind

# Agencies that file by NHS number (the consistent identifier across health care).
HEALTH_AGENCIES = frozenset({AgencyKind.GP_PRACTICE.value, AgencyKind.HEALTH_VISITING.value,
                             AgencyKind.MIDWIFERY.value})
NOT_RECORDED = "Not recorded"


@dataclass(frozen=True)
class Identification:
    """The identifiers of one child for one reader: (label, value) rows, in the order readers match on."""

    heading: str  # "Which patient this is" for a health agency, "Which child this is" otherwise
    rows: tuple[tuple[str, str], ...]

    @property
    def line(self) -> str:
        """One line for an e-mail body: "Ava Demochild, born 3 April 2019, NHS number 943 476 5919"."""
        values = dict(self.rows)
        parts = [values["Name"]]
        if "Date of birth" in values:
            parts.append(f"born {values['Date of birth']}" if values["Date of birth"] != "Not known"
                         else "date of birth not known")
        if "Expected date of delivery" in values:
            parts.append(f"expected {values['Expected date of delivery']}")
        if "NHS number" in values:
            number = values["NHS number"]
            parts.append("NHS number not recorded" if number == NOT_RECORDED else f"NHS number {number}")
        return ", ".join(parts)


def patient_identification(child, viewer_agency=None) -> Identification:
    """How `child` is identified to a reader from `viewer_agency` (an Agency; None for children's social care
    and for a record every reader of it gets, such as a PDF)."""
    health = viewer_agency is None or viewer_agency.kind in HEALTH_AGENCIES
    rows = [("Name", child.full_name)]
    if child.date_of_birth is not None:
        rows.append(("Date of birth", child.date_of_birth.strftime("%-d %B %Y")))
    elif child.expected_delivery_on is not None:
        rows.append(("Expected date of delivery", child.expected_delivery_on.strftime("%-d %B %Y")))
    else:
        rows.append(("Date of birth", "Not known"))
    if child.nhs_number:
        rows.append(("NHS number", formatted_nhs_number(child.nhs_number)))
    elif health:
        rows.append(("NHS number", NOT_RECORDED))
    is_patient = viewer_agency is not None and viewer_agency.kind in HEALTH_AGENCIES
    return Identification("Which patient this is" if is_patient else "Which child this is", tuple(rows))


# -- the NHS number --------------------------------------------------------------------------------------

def normal_nhs_number(text: str | None) -> str | None:
    """The ten digits of an NHS number as typed ("943 476 5919", "943-476-5919"); None when blank."""
    digits = "".join(ch for ch in (text or "") if ch not in " -")
    return digits or None


def valid_nhs_number(digits: str) -> bool:
    """Ten digits whose last is the Modulus 11 check digit of the other nine (NHS Data Dictionary)."""
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit() or len(set(digits)) == 1:
        return False  # 0000000000 passes the sum, but is nobody's
    check = 11 - sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1))) % 11
    return check != 10 and (check % 11) == int(digits[9])


def formatted_nhs_number(digits: str) -> str:
    """"943 476 5919", as the NHS writes it."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits


# -- the unique pupil number (schools, and the Children in Need census) ------------------------------------

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # I, O and S are never used: they read as digits


def normal_upn(text: str | None) -> str | None:
    """A UPN as typed, without spaces, in capitals; None when blank."""
    upn = "".join((text or "").split()).upper()
    return upn or None


def valid_upn(upn: str) -> bool:
    """13 characters: the check letter, then 11 digits, then a digit or (a temporary UPN) a letter; the check
    letter is the weighted sum of characters 2 to 13 (weights 2 to 13) modulo 23 (DfE's UPN guide)."""
    if len(upn) != 13 or not upn.isascii() or not upn[1:12].isdigit():
        return False
    last = upn[12]
    if not (last.isdigit() or last in UPN_LETTERS):
        return False
    values = [int(ch) for ch in upn[1:12]] + [int(last) if last.isdigit() else UPN_LETTERS.index(last)]
    return upn[0] == UPN_LETTERS[sum(value * weight for value, weight in zip(values, range(2, 14))) % 23]
