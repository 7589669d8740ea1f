"""Every action the code writes to the audit trail has words (found by reading webapp/ for record_event calls,
constants and computed actions included), and an action without words still reads."""
import ast
import re
from pathlib import Path

from webapp.audit.records import plain_record
from webapp.audit.wording import ACTION_WORDS, AREAS, action_words

WEBAPP = Path(__file__).resolve().parents[2] / "webapp"
CODE = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")


def _strings(node) -> set[str]:
    """Every string constant shaped like an action code inside an expression."""
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and CODE.match(n.value)}


def _constants() -> dict[str, set[str]]:
    """Names assigned action-code strings anywhere in webapp/ (SIGN_IN_FAILED, ACTION, a local `action`)."""
    found: dict[str, set[str]] = {}
    for path in WEBAPP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found.setdefault(target.id, set()).update(_strings(node.value))
    return found


def written_actions() -> dict[str, str]:
    """Each action code passed to record_event in webapp/, with where it is written."""
    constants, actions = _constants(), {}
    for path in sorted(WEBAPP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and node.args
                    and getattr(node.func, "id", getattr(node.func, "attr", None)) == "record_event"):
                continue
            first = node.args[0]
            codes = _strings(first) | {code for name in ast.walk(first) if isinstance(name, ast.Name)
                                       for code in constants.get(name.id, ())}
            assert codes, f"{path.relative_to(WEBAPP.parent)}:{node.lineno}: record_event's action could not be read"
            for code in codes:
                actions.setdefault(code, f"{path.relative_to(WEBAPP.parent)}:{node.lineno}")
    return actions


def test_every_action_written_has_words():
    actions = written_actions()
    # The scan reads them all: the literal ones, the constants and the computed ones.
    assert len(actions) >= 105
    assert {"auth.sign_in_failed", "access.refused", "meeting.time_proposed", "meeting.reply_refused",
            "user.deactivated", "minutes.draft_saved", "case.diagram_viewed"} <= set(actions)
    missing = {code: where for code, where in actions.items() if code not in ACTION_WORDS}
    assert missing == {}, "add words for these in webapp/audit/wording.py"


def test_the_words_read_as_people_say_them():
    assert action_words("case.diagram_viewed") == "Looked at the process diagram"
    assert action_words("auth.signed_in") == "Signed in"
    assert action_words("case.step_completed") == "Completed a step"
    every = [words for area in AREAS for words in area.actions.values()]
    assert len(every) == len(set(every)), "two actions with the same words cannot be told apart in the filter"
    assert all(words[:1].isupper() and "_" not in words and not words.endswith(".") for words in every)
    codes = [code for area in AREAS for code in area.actions]
    assert len(codes) == len(set(codes)), "an action is in one area only"


def test_an_action_without_words_still_reads():
    assert action_words("meeting.time_moved") == "Meeting: time moved"
    assert action_words("information_request.sent_again") == "Information request: sent again"
    assert action_words("test") == "Test"
    assert action_words("") == "Something happened"
    assert action_words(None) == "Something happened"
    assert plain_record("outbox_messages", 12) == "Outbox message 12"
