"""How a form's field is named inside an error message, in GOV.UK's style: "Enter the concern", "Select whether
there is domestic abuse", "The date the child was seen must be a real date". A field whose title is a question
(or reads badly after "Enter") says how it is named in its schema's `x-error-name`; any other title is used
as a noun phrase ("Postcode" -> "the postcode", "What the agency told us" stays as it is)."""
from __future__ import annotations

import re

# Titles that already read as a phrase after "Enter" or "Select": no "the" in front.
_PHRASE_STARTS = {"what", "when", "where", "why", "how", "who", "whom", "which", "whether", "anything", "any",
                  "the", "a", "an", "their", "your", "his", "her", "its", "our", "this", "that", "these", "those",
                  "each", "every", "to"}
_OPTIONAL = re.compile(r"\s*\(optional\)\s*$", re.I)


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():  # an acronym: "GP practice"
        return text
    return text[:1].lower() + text[1:]


def field_phrase(schema: dict, name: str) -> str:
    """The field's name as it reads inside a sentence."""
    if schema.get("x-error-name"):
        return schema["x-error-name"]
    title = _OPTIONAL.sub("", schema.get("title") or name.replace("_", " ")).rstrip("?")
    phrase = _lower_first(title)
    first = re.match(r"[\w']*", phrase).group(0).lower()
    return phrase if first in _PHRASE_STARTS else f"the {phrase}"


def capitalised(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:]


def with_article(noun: str) -> str:
    """"a meeting", "an action"."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"
