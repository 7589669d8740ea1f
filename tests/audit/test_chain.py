"""The audit trail's hash chain: sealed by the worker, verified by `flask audit verify`, which passes on a clean
trail and names the row after one is altered or removed in SQL."""
from sqlalchemy import text

from webapp.audit.chain import seal, seal_pending, verify
from webapp.audit.models import AuditEvent
from webapp.audit.services import record_event
from webapp.config import MailSettings
from webapp.worker import run_pass


def events(session, count: int) -> None:
    for number in range(count):
        record_event("test.event", actor_label=f"tester {number}", subject=("cases", number),
                     detail={"number": number, "text": "é ✓"})
    session.commit()


def test_the_chain_holds_and_the_command_says_so(app, committed_db):
    events(committed_db, 5)
    assert run_pass(MailSettings(), send=lambda message, settings: None) is not None  # the worker seals
    events(committed_db, 2)
    result = verify()
    assert (result.ok, result.sealed, result.waiting) == (True, 5, 2)
    output = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert output.exit_code == 0 and "5 row(s) sealed and intact, 2 waiting" in output.output
    assert seal_pending() == 2
    committed_db.commit()
    assert verify().sealed == 7


def altered(session, statement: str) -> None:
    with session.get_bind().begin() as connection:
        connection.execute(text(statement))


def test_an_altered_row_is_named(app, committed_db):
    events(committed_db, 6)
    seal_pending()
    committed_db.commit()
    third = committed_db.execute(text("SELECT id FROM audit_events ORDER BY chain_position LIMIT 1 OFFSET 2")).scalar()
    altered(committed_db, f"UPDATE audit_events SET actor_label = 'someone else' WHERE id = {third}")
    committed_db.rollback()
    result = verify()
    assert not result.ok and result.problem.startswith(f"row {third} (position 3) does not match its seal")
    output = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert output.exit_code == 1 and f"row {third}" in output.output


def test_a_removed_row_is_found(app, committed_db):
    events(committed_db, 6)
    seal_pending()
    committed_db.commit()
    second = committed_db.execute(text("SELECT id FROM audit_events WHERE chain_position = 2")).scalar()
    altered(committed_db, f"DELETE FROM audit_events WHERE id = {second}")
    committed_db.rollback()
    assert verify().problem.startswith("position 2 is missing")


def test_a_forged_seal_does_not_hide_an_alteration(app, committed_db):
    """Re-sealing an altered row without the chain's later seals still breaks at the next row."""
    events(committed_db, 4)
    seal_pending()
    committed_db.commit()
    rows = committed_db.execute(text("SELECT id, row_hash FROM audit_events ORDER BY chain_position")).all()
    altered(committed_db, f"UPDATE audit_events SET action = 'covered.up' WHERE id = {rows[1].id}")
    committed_db.rollback()
    forged = seal(rows[0].row_hash, committed_db.get(AuditEvent, rows[1].id))
    altered(committed_db, f"UPDATE audit_events SET row_hash = '{forged}' WHERE id = {rows[1].id}")
    committed_db.rollback()
    assert verify().problem.startswith(f"row {rows[2].id} (position 3) does not match its seal")
