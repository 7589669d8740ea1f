"""The people typed in a referral's "People in the household": each added to the household, merged into the
person already known there (nothing typed is dropped), or, for a child, recorded as a child of the household."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from webapp.cases.models import Child, Household, HouseholdMember

# A relationship to the referred child that makes the person a child too (a brother, a half-sister, a son of
# the mother's partner); an adult word anywhere ("father of the child", "mother's partner") wins.
CHILD_WORDS = {"son", "daughter", "child", "sibling", "brother", "sister", "baby", "twin", "stepson", "stepdaughter",
               "stepbrother", "stepsister", "stepchild", "halfbrother", "halfsister", "stepsibling", "halfsibling"}
ADULT_WORDS = {"mother", "father", "mum", "dad", "parent", "stepmother", "stepfather", "stepmum", "stepdad",
               "grandmother", "grandfather", "grandparent", "nan", "gran", "grandad", "partner", "boyfriend",
               "girlfriend", "husband", "wife", "carer", "guardian", "uncle", "aunt", "auntie", "lodger", "friend",
               "lady", "man", "woman", "adult"}
ADULT_AGE = 18

# How the case page names each field (audit rows carry these names only, never the values).
FIELD_LABELS = {"email": "e-mail address", "relationship_to_child": "relationship to the child",
                "has_parental_responsibility": "parental responsibility"}


@dataclass
class MemberUpdate:
    """What a referral added to or changed for a person already known in the household (field names only)."""

    member_id: int
    added: list[str] = field(default_factory=list)  # empty before, filled from what was typed
    changed: list[str] = field(default_factory=list)  # differed: the typed value is now current
    kept: list[str] = field(default_factory=list)  # differed: the known value is kept (the typed one stays in
                                                   # the referral's own record)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.kept)


def _words(text: str) -> set[str]:
    return {w.replace("-", "") for w in re.findall(r"[a-z]+(?:-[a-z]+)*", text.lower())}


def is_child(person: dict, today: date) -> bool:
    """Under 18 by the date of birth typed; without one, a relationship such as son, sister or half-brother."""
    born = person.get("date_of_birth")
    if born:
        born = date.fromisoformat(born) if isinstance(born, str) else born
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        return age < ADULT_AGE
    words = _words(person.get("relationship", ""))
    return bool(words & CHILD_WORDS) and not words & ADULT_WORDS


def add_people(household: Household, people: list[dict], *, referred: Child, today: date) -> list[MemberUpdate]:
    """Add each typed person to the household: merged into a known person of the same name (case-insensitive),
    else a new child (with no case of its own) or a new adult or regular visitor. Returns the merges."""
    members = {m.full_name.strip().lower(): m for m in household.members}
    children = {c.full_name.strip().lower() for c in household.children} | {referred.full_name.lower()}
    updates = []
    for person in people:
        name = person["full_name"].strip()
        if name.lower() in members:
            update = _merge(members[name.lower()], person)
            if update:
                updates.append(update)
        elif name.lower() in children:
            continue  # the child referred, or a child already known: nothing more is typed for a child
        elif is_child(person, today):
            given, _, family = name.rpartition(" ")
            household.children.append(Child(given_names=given or family, family_name=family if given else "",
                                             date_of_birth=_date(person.get("date_of_birth"))))
            children.add(name.lower())
        else:
            members[name.lower()] = HouseholdMember(
                full_name=name, relationship_to_child=person["relationship"].strip(),
                has_parental_responsibility=person.get("has_parental_responsibility", False),
                is_regular_visitor=person.get("regular_visitor", False), email=_text(person.get("email")) or None)
            household.members.append(members[name.lower()])
    return updates


def _merge(member: HouseholdMember, person: dict) -> MemberUpdate:
    update = MemberUpdate(member.id)
    email = _text(person.get("email"))
    if email and not member.email:
        member.email = email
        update.added.append("email")
    elif email and email.lower() != member.email.strip().lower():
        member.email = email  # the newer address: invitations and minutes go where the family is reached now
        update.changed.append("email")
    relationship = _text(person.get("relationship"))
    if relationship and not member.relationship_to_child:
        member.relationship_to_child = relationship
        update.added.append("relationship_to_child")
    elif relationship and relationship.lower() != member.relationship_to_child.strip().lower():
        update.kept.append("relationship_to_child")  # a relationship to another child of the household
    if person.get("has_parental_responsibility") and not member.has_parental_responsibility:
        member.has_parental_responsibility = True
        update.added.append("has_parental_responsibility")
    return update


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
