"""The worker's promises under faults, as repeatable checks. Real `flask worker` processes (two, side by side) run
against a fresh database while the bench breaks what is around them:

  kill            SIGKILL a worker every few seconds (restarted at once) while timers, mail and renders are due
  postgres        the workers' database connections terminated every few seconds (pg_terminate_backend); with
                  --restart-postgres the server is restarted once too (off by default: it disturbs anyone else)
  refusing        the SMTP server refuses every conversation (554 greeting)
  hanging         the SMTP server greets, then never answers (200 mails queued by default)
  dripping        the SMTP server drips an endless greeting, a byte at a time, never letting one read time out
  crash-mid-send  a worker killed while the server holds its reply to DATA: one message once, one every time
  render-slow     a document that renders for longer than RENDER_TIMEOUT_SECONDS, with timers due meanwhile
  render-killed   the same document's render killed twice (the worker's process group, as systemd does)

Each phase seeds timers falling due during the fault (the 4-hour reminder of tests/workflows/diagrams/deadline.bpmn,
started four hours before its due time), queues outbox messages and PDFs, breaks things for --window seconds, then
puts the good SMTP server back, stops the workers, brings due what the fault left backing off or claimed (as time
passing would: the bench cannot move the workers' clocks), starts them again and waits until everything settled.
It prints timers fired once / twice / never and the longest delay, mails delivered once / twice / never, and exits
non-zero on a timer fired twice or never, a mail never delivered, a timer delayed by a mail or render fault
beyond its budget (2 x WORKER_INTERVAL_SECONDS: the worker fires due timers while a send or a render waits), a
message killed mid-send every time delivered more than MAIL_MAX_ATTEMPTS times, or a render killed twice not
ending failed after its last attempt. Kills and lost connections are faults of the worker itself: their delays
are printed, not judged.

    .venv/bin/python bench/faults.py [--phases kill,hanging,...] [--timers 20] [--mails 40] [--window 30]
With DATABASE_URL (a database whose name contains 'test': it is emptied, and created if missing) it runs on
PostgreSQL; otherwise on a SQLite file, where the postgres phase is skipped.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

BENCH_APP_NAME = "faults-bench"  # the bench's own PostgreSQL sessions, never terminated
MAIL_FAULTS = ("refusing", "hanging", "dripping")
RENDER_FAULTS = ("render-slow",)
ALL_PHASES = ("kill", "postgres", *MAIL_FAULTS, "crash-mid-send", *RENDER_FAULTS, "render-killed")
FILL = ("Ava spoke about school, her friends and the evenings at home. She said mornings are calmer now and that "
        "she likes the new bedtime story. Her teacher reports she arrives on time most days. ") * 400


# ---------------------------------------------------------------- SMTP: a recorder and a switchable front door

class Recorder:
    """The good SMTP server's handler (aiosmtpd): counts deliveries per Message-ID; can hold its reply to DATA
    for chosen messages (the worker is then mid-send: the server has the message, the worker has no answer)."""

    def __init__(self):
        self.deliveries: Counter[str] = Counter()
        self.holds: dict[str, int] = {}  # Message-ID -> how many more deliveries to hold
        self.reply_delay = 0.0
        self.held: list[str] = []
        self._lock = threading.Lock()
        self._released = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        message_id = (BytesParser(policy=default_policy).parsebytes(envelope.content, headersonly=True)
                      ["Message-ID"] or "").strip()
        with self._lock:
            self.deliveries[message_id] += 1
            hold = self.holds.get(message_id, 0) > 0
            if hold:
                self.holds[message_id] -= 1
                self.held.append(message_id)
        if hold:
            while not self._released.is_set():
                await asyncio.sleep(0.05)
        elif self.reply_delay:
            await asyncio.sleep(self.reply_delay)
        return "250 Message accepted for delivery"

    def take_held(self) -> list[str]:
        with self._lock:
            held, self.held = self.held, []
            return held

    def release(self) -> None:
        """Answer the held replies (to connections whose worker is gone by now) and hold new ones again."""
        self._released.set()
        time.sleep(0.2)
        self._released.clear()


class Switchboard:
    """The address the workers send to. Good: relayed to the recorder. Refusing: a 554 greeting, then closed.
    Hanging: a greeting, then silence. Dripping: an endless multi-line greeting, one byte every `drip` seconds.
    Switching closes the bad mode's open connections, as a server restarted would."""

    def __init__(self, upstream_port: int, drip: float = 0.25):
        self.upstream_port, self.drip = upstream_port, drip
        self.mode, self.generation = "good", 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def switch(self, mode: str) -> None:
        with self._lock:
            self.mode, self.generation = mode, self.generation + 1
            for connection in self._open:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _accept(self) -> None:
        while True:
            client, _ = self.listener.accept()
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with self._lock:
            mode, generation = self.mode, self.generation
            if mode != "good":
                self._open.add(client)
        try:
            if mode == "good":
                self._relay(client)
            elif mode == "refusing":
                client.sendall(b"554 5.3.2 No SMTP service here\r\n")
            elif mode == "hanging":
                client.sendall(b"220 faults.bench ESMTP\r\n")
                while self.generation == generation and client.recv(4096):
                    pass
            elif mode == "dripping":
                while True:  # never the last line of the greeting: a reply that never ends
                    for value in b"220-faults.bench dripping\r\n":
                        if self.generation != generation:
                            return
                        client.sendall(bytes([value]))
                        time.sleep(self.drip)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(client)
            client.close()

    def _relay(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))

        def pump(source, target):
            try:
                while data := source.recv(65536):
                    target.sendall(data)
            except OSError:
                pass
            for end in (source, target):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
        back.start()
        pump(client, upstream)
        back.join()
        upstream.close()


def start_smtp() -> tuple[Recorder, Switchboard, object]:
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.CRITICAL)  # it logs whole messages, and dead peers loudly
    recorder = Recorder()
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    return recorder, Switchboard(port), controller


# ---------------------------------------------------------------- worker processes

class Workers:
    """`flask worker` processes, each the leader of its own process group (its render children with it)."""

    def __init__(self, env: dict[str, str], logs: Path, root: Path = ROOT):
        self.env, self.logs, self.root = {**env, "PYTHONPATH": str(root)}, logs, root
        self.processes: dict[int, subprocess.Popen] = {}
        self.started = 0
        self.stuck: list[str] = []  # workers that outlived SIGTERM by the stop timeout

    def start(self, slot: int, phase: str, extra_env: dict[str, str] | None = None) -> Path:
        self.started += 1
        log = self.logs / f"{phase}-worker{slot}-{self.started}.log"
        with log.open("wb") as output:
            self.processes[slot] = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "webapp", "worker"], cwd=self.root,
                env={**self.env, **(extra_env or {})}, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True)
        return log

    def start_all(self, phase: str, count: int, extra_env: dict[str, str] | None = None,
                  wait: bool = True) -> None:
        logs = [self.start(slot, phase, extra_env) for slot in range(count)]
        deadline = time.monotonic() + 90
        while wait and not all("Worker running" in log.read_text(errors="replace") for log in logs):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes.values()):
                raise SystemExit(f"a worker did not start: see {logs}")
            time.sleep(0.1)

    def kill(self, slot: int) -> None:
        process = self.processes.pop(slot)
        _signal_group(process.pid, signal.SIGKILL)
        process.wait()

    def kill_all(self) -> None:
        for slot in list(self.processes):
            self.kill(slot)

    def stop_all(self, timeout: float) -> None:
        """SIGTERM (a worker finishes its pass), SIGKILL after `timeout`; then the group, for any orphan."""
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for slot, process in self.processes.items():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stuck.append(f"worker {slot} (pid {process.pid})")
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()
        self.processes.clear()


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        pass


# ---------------------------------------------------------------- the database: built once, read after each phase

@dataclass
class Sources:
    case_id: int
    normal: int  # a minutes version of about ten pages
    slow_case_id: int
    slow: int  # minutes with every field at its longest: renders for longer than RENDER_TIMEOUT_SECONDS


def prepare_database(url: str) -> Sources:
    """A fresh database with the processes deployed, the demo partnership and two approved minutes to render."""
    from sqlalchemy import update

    from minutes_pdf import demo_app, long_minutes
    from tests.minutes.builders import approve, held_meeting, write
    from webapp.documents.models import Document
    from webapp.extensions import db
    from webapp.mail.models import OutboxMessage

    if url.startswith("postgres"):
        from runtime_step import _reset_postgres

        ensure_postgres_database(url)
        _reset_postgres(url)
    demo_app(url)
    case, _, sw1, tm1 = held_meeting(db.session)
    write(sw1, case, long_minutes())
    normal = approve(tm1, case)
    slow_case, _, sw1, tm1 = held_meeting(db.session)
    write(sw1, slow_case, longest_minutes())
    slow = approve(tm1, slow_case)
    db.session.flush()
    # What setting up queued is not the phases' business: set aside as done.
    db.session.execute(update(Document).values(status="ready"))
    db.session.execute(update(OutboxMessage).values(sent_at=utc()))
    db.session.commit()
    return Sources(case.id, normal.id, slow_case.id, slow.id)


def longest_minutes() -> dict:
    """Minutes with every text and list at the longest the form allows (about 150 pages)."""
    from minutes_pdf import long_minutes

    texts = {name: FILL[:20000] for name in ("child_views", "family_views", "strengths", "worries", "decisions")}
    return {**long_minutes(), **texts, "dissent": FILL[:10000], "contingency": FILL[:10000],
            "progress": [{"outcome": FILL[:500], "progress": FILL[:5000]} for _ in range(50)],
            "actions": [{"action": FILL[:500], "owner": "Demo Health Visitor", "due_on": "2026-04-01"}
                        for _ in range(100)]}


def ensure_postgres_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": target.database}):
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    engine.dispose()


def utc() -> datetime:
    return datetime.now(timezone.utc)


def retrying(write):
    """The bench's own writes, tried again while SQLite answers "database is locked": seen at once (no busy
    wait) on the bench's connection just as the worker processes start."""
    from sqlalchemy.exc import OperationalError

    from webapp.extensions import db

    def attempt(*args, **kwargs):
        for _ in range(50):
            try:
                return write(*args, **kwargs)
            except OperationalError as error:
                if "database is locked" not in str(error.orig):
                    raise
                db.session.rollback()
                time.sleep(0.1)
        return write(*args, **kwargs)

    return attempt


@retrying
def seed_timers(count: int, burst: int, first: datetime, last: datetime) -> list[int]:
    """`count` instances whose reminder falls due between `first` and `last`, `burst` at a time."""
    import time_machine
    from sqlalchemy import select

    from webapp.auth.models import User
    from webapp.extensions import db
    from webapp.workflow import runtime

    actor = db.session.scalar(select(User).where(User.username == "sw1"))
    bursts = max(1, -(-count // burst))
    step = (last - first) / max(1, bursts - 1)
    ids = []
    for number in range(count):
        due_at = first + step * (number // burst)
        with time_machine.travel(due_at - timedelta(hours=4), tick=False):
            ids.append(runtime.start_instance("deadline", "cases", 0, {"referral_on": "2027-06-01"}, actor=actor))
    db.session.commit()
    return ids


@retrying
def queue_mails(count: int, phase: str, message_ids: list[str] | None = None) -> list[int]:
    from webapp.database import begin_write
    from webapp.extensions import db
    from webapp.mail.services import queue_message

    begin_write(db.session)  # SQLite: a write begun as a read fails at once when a worker wrote meanwhile
    ids = [queue_message("faults_bench", f"faults{number}@example.org", f"Faults bench {phase} {number}",
                         "A message the fault bench counts.",
                         message_id=message_ids[number] if message_ids else None).id for number in range(count)]
    db.session.commit()
    return ids


@retrying
def queue_documents(case_id: int, source_id: int, count: int) -> list[int]:
    from webapp.database import begin_write
    from webapp.documents.services import queue_document
    from webapp.extensions import db

    begin_write(db.session)
    ids = [queue_document(case_id, "minutes", source_id, f"Faults bench {number}", utc()).id
           for number in range(count)]
    db.session.commit()
    return ids


@retrying
def release_claims() -> None:
    """With no worker running: bring due every message backing off or claimed, and make every render claim stale,
    as the minutes of backoff and claim would. Nothing is in flight, so nothing is sent twice by this."""
    from sqlalchemy import update

    from webapp.database import begin_write
    from webapp.documents.models import Document
    from webapp.extensions import db
    from webapp.mail.models import OutboxMessage

    now = utc()
    begin_write(db.session)
    db.session.execute(update(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
                       .values(next_attempt_at=now))
    db.session.execute(update(Document).where(Document.status == "rendering")
                       .values(claimed_at=now - timedelta(days=1)))
    db.session.commit()


def terminate_worker_backends() -> int:
    """End every session of this database but the bench's own: the workers lose their connections mid-work."""
    from sqlalchemy import text

    from webapp.extensions import db

    ended = db.session.scalar(text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND application_name <> :bench"), {"bench": BENCH_APP_NAME})
    db.session.commit()
    return ended or 0


@dataclass
class Timers:
    seeded: int = 0
    once: int = 0
    twice_or_more: int = 0
    never: int = 0
    longest_delay: float = 0.0


def read_timers(ids: list[int]) -> Timers:
    """How often each instance's reminder fired (its fire transactions, and the reminder tasks it opened) and how
    late the first firing was after the due time."""
    from sqlalchemy import func, select

    from webapp.audit.models import AuditEvent
    from webapp.extensions import db
    from webapp.workflow.models import OpenTask, WorkflowTimer

    due = dict(db.session.execute(select(WorkflowTimer.instance_id, WorkflowTimer.due_at).where(
        WorkflowTimer.instance_id.in_(ids), WorkflowTimer.bpmn_id == "reminder")).all())
    fired = {row[0]: row[1:] for row in db.session.execute(
        select(AuditEvent.subject_id, func.count(), func.min(AuditEvent.occurred_at))
        .where(AuditEvent.action == "workflow.timers_fired", AuditEvent.subject_type == "workflow_instances",
               AuditEvent.subject_id.in_(ids)).group_by(AuditEvent.subject_id))}
    opened = dict(db.session.execute(select(OpenTask.instance_id, func.count()).where(
        OpenTask.instance_id.in_(ids), OpenTask.bpmn_id == "read_reminder").group_by(OpenTask.instance_id)).all())
    db.session.rollback()
    result = Timers(seeded=len(ids))
    for instance_id in ids:
        times, first = fired.get(instance_id, (0, None))
        times = max(times, opened.get(instance_id, 0))
        if times == 0:
            result.never += 1
            continue
        result.once += times == 1
        result.twice_or_more += times > 1
        result.longest_delay = max(result.longest_delay, (first - due[instance_id]).total_seconds())
    return result


@dataclass
class Mails:
    queued: int = 0
    delivered: Counter = field(default_factory=Counter)  # times delivered -> messages
    attempts: dict[int, int] = field(default_factory=dict)
    deliveries: dict[int, int] = field(default_factory=dict)
    failed: set[int] = field(default_factory=set)
    waiting: int = 0

    def line(self) -> str:
        more = sum(n for times, n in self.delivered.items() if times > 2)
        return (f"{self.queued} queued: {self.delivered[1]} delivered once, {self.delivered[2]} twice, "
                f"{more} more often, {self.delivered[0]} never ({len(self.failed)} given up, {self.waiting} waiting);"
                f" {sum(self.attempts.values())} attempts")


def read_mails(ids: list[int], recorder: Recorder) -> Mails:
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.mail.models import OutboxMessage

    result = Mails(queued=len(ids))
    for row in db.session.execute(select(OutboxMessage.id, OutboxMessage.message_id, OutboxMessage.attempts,
                                         OutboxMessage.sent_at, OutboxMessage.failed_at)
                                  .where(OutboxMessage.id.in_(ids))):
        times = recorder.deliveries[row.message_id]
        result.delivered[times] += 1
        result.deliveries[row.id], result.attempts[row.id] = times, row.attempts
        if row.failed_at is not None:
            result.failed.add(row.id)
        elif row.sent_at is None:
            result.waiting += 1
    db.session.rollback()
    return result


def read_documents(ids: list[int]) -> list[tuple[int, str, int, str | None]]:
    from sqlalchemy import select

    from webapp.documents.models import Document
    from webapp.extensions import db

    rows = [tuple(row) for row in db.session.execute(
        select(Document.id, Document.status, Document.attempts, Document.last_error).where(Document.id.in_(ids))
        .order_by(Document.id))]
    db.session.rollback()
    return rows


def mail_attempts(ids: list[int]) -> int:
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.mail.models import OutboxMessage

    total = db.session.scalar(select(func.coalesce(func.sum(OutboxMessage.attempts), 0))
                              .where(OutboxMessage.id.in_(ids)))
    db.session.rollback()
    return int(total)


def settled(timer_ids: list[int], mail_ids: list[int], document_ids: list[int]) -> bool:
    """Every timer fired, every message sent or given up, every document rendered or failed."""
    from sqlalchemy import func, select

    from webapp.audit.models import AuditEvent
    from webapp.documents.models import Document
    from webapp.extensions import db
    from webapp.mail.models import OutboxMessage

    fired = db.session.scalar(select(func.count(func.distinct(AuditEvent.subject_id))).where(
        AuditEvent.action == "workflow.timers_fired", AuditEvent.subject_type == "workflow_instances",
        AuditEvent.subject_id.in_(timer_ids))) if timer_ids else 0
    waiting = db.session.scalar(select(func.count()).where(
        OutboxMessage.id.in_(mail_ids), OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None)))
    unrendered = db.session.scalar(select(func.count()).where(
        Document.id.in_(document_ids), Document.status.in_(("queued", "rendering"))))
    db.session.rollback()
    return fired == len(timer_ids) and waiting == 0 and unrendered == 0


# ---------------------------------------------------------------- phases

@dataclass
class Outcome:
    name: str
    title: str
    budget: float | None = None
    kills: int = 0
    backends_ended: int = 0
    attempts_during_fault: int = 0
    timers: Timers = field(default_factory=Timers)
    mails: Mails = field(default_factory=Mails)
    documents: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Bench:
    def __init__(self, options, sources: Sources, recorder: Recorder, switchboard: Switchboard, workers: Workers):
        self.options, self.sources = options, sources
        self.recorder, self.switchboard, self.workers = recorder, switchboard, workers
        self.random = random.Random(options.seed)

    @property
    def interval(self) -> float:
        return self.options.interval

    def stop_timeout(self) -> float:
        return self.options.message_deadline + self.options.render_timeout + 3 * self.interval + 10

    def run(self, name: str) -> Outcome:
        title, budget = {
            "kill": ("SIGKILL a worker every few seconds during timers, mail and renders", None),
            "postgres": ("the workers' database sessions terminated every few seconds"
                         + (", the server restarted once" if self.options.restart_postgres else ""), None),
            "refusing": ("the SMTP server refuses (554 greeting)", 2 * self.interval),
            "hanging": ("the SMTP server greets, then never answers", 2 * self.interval),
            "dripping": ("the SMTP server drips an endless greeting a byte at a time", 2 * self.interval),
            "crash-mid-send": ("workers killed while the SMTP server holds its reply to DATA", None),
            "render-slow": ("a document rendering for longer than RENDER_TIMEOUT_SECONDS", 2 * self.interval),
            "render-killed": (f"a long render killed {self.options.render_kills} times", None),
        }[name]
        outcome = Outcome(name, title, budget)
        started = time.monotonic()
        options = self.options
        extra_env = {"MAIL_MAX_ATTEMPTS": str(options.mail_attempts)} if name == "crash-mid-send" else {}
        self.recorder.reply_delay = 0.2 if name == "kill" else 0.0
        self.switchboard.switch(name if name in MAIL_FAULTS else "good")
        self.workers.start_all(name, options.workers, extra_env)

        mails = options.hanging_mails if name == "hanging" else options.mails
        targets = []
        if name == "crash-mid-send":  # held from the start: a worker may take them the moment they commit
            from webapp.mail.services import new_message_id

            once, always = new_message_id(), new_message_id()
            self.recorder.holds.update({once: 1, always: 1000})
            targets = queue_mails(2, name, [once, always])
        mail_ids = targets + queue_mails(mails, name)
        document_ids = []
        if name in ("kill", "postgres"):
            document_ids = queue_documents(self.sources.case_id, self.sources.normal, options.documents)
        elif name == "render-slow":  # one for each worker: a second worker must not hide the first one's wait
            document_ids = queue_documents(self.sources.slow_case_id, self.sources.slow, options.workers)
        elif name == "render-killed":
            document_ids = queue_documents(self.sources.slow_case_id, self.sources.slow, 1)
        first = utc() + timedelta(seconds=2)
        timer_ids = seed_timers(options.timers, options.burst, first,
                                first + timedelta(seconds=max(1.0, options.window - 2 - 2 * self.interval)))
        window_end = time.monotonic() + options.window

        fault = getattr(self, "fault_" + name.replace("-", "_"), self.fault_wait)
        fault(outcome, window_end, mail_ids=mail_ids, targets=targets, document_ids=document_ids)
        outcome.attempts_during_fault = mail_attempts(mail_ids)

        # Afterwards: the good server back, claims and backoffs lapsed, everything left done.
        self.switchboard.switch("good")
        self.recorder.holds.clear()
        self.recorder.release()
        self.workers.stop_all(self.stop_timeout())
        if name == "render-killed":
            self.check_render_killed(outcome, document_ids)
        release_claims()
        self.workers.start_all(name, options.workers, extra_env)
        deadline = time.monotonic() + options.settle
        while time.monotonic() < deadline and not settled(timer_ids, mail_ids, document_ids):
            time.sleep(0.5)
        self.workers.stop_all(self.stop_timeout())

        outcome.timers = read_timers(timer_ids)
        outcome.mails = read_mails(mail_ids, self.recorder)
        outcome.documents = read_documents(document_ids)
        self.judge(outcome, targets)
        outcome.seconds = time.monotonic() - started
        return outcome

    # Each fault runs until the window ends (or, for the aimed kills, until its story is told).

    def fault_wait(self, outcome: Outcome, window_end: float, **_) -> None:
        time.sleep(max(0.0, window_end - time.monotonic()))

    def fault_kill(self, outcome: Outcome, window_end: float, **_) -> None:
        slot = 0
        while (pause := self.options.kill_every * self.random.uniform(0.6, 1.4)) < window_end - time.monotonic():
            time.sleep(pause)
            self.workers.kill(slot)
            self.workers.start(slot, "kill")
            outcome.kills += 1
            slot = (slot + 1) % self.options.workers
        self.fault_wait(outcome, window_end)

    def fault_postgres(self, outcome: Outcome, window_end: float, **_) -> None:
        restart_at = time.monotonic() + self.options.window / 2 if self.options.restart_postgres else None
        while time.monotonic() < window_end:
            time.sleep(self.options.kill_every * self.random.uniform(0.6, 1.4))
            if restart_at is not None and time.monotonic() >= restart_at:
                restart_postgres(self.options.restart_command)
                outcome.notes.append(f"PostgreSQL restarted with: {self.options.restart_command}")
                restart_at = None
            outcome.backends_ended += terminate_worker_backends()

    def fault_crash_mid_send(self, outcome: Outcome, window_end: float, *, targets: list[int], **_) -> None:
        """Message A is held once, message B every time; each hold kills every worker while the server has the
        message and the worker has no answer yet. B must be given up after MAIL_MAX_ATTEMPTS, not sent for ever."""
        from sqlalchemy import select

        from webapp.extensions import db
        from webapp.mail.models import OutboxMessage

        always = db.session.scalar(select(OutboxMessage.message_id).where(OutboxMessage.id == targets[1]))
        db.session.rollback()
        limit = time.monotonic() + self.options.settle
        kills_of_always = 0
        while time.monotonic() < limit and kills_of_always <= self.options.mail_attempts + 1:
            held = self.recorder.take_held()
            if not held:
                if db.session.scalar(select(OutboxMessage.failed_at).where(OutboxMessage.id == targets[1])):
                    break
                db.session.rollback()
                time.sleep(0.05)
                continue
            self.workers.kill_all()
            outcome.kills += 1
            kills_of_always += always in held
            release_claims()
            self.recorder.release()
            self.workers.start_all("crash-mid-send", self.options.workers,
                                   {"MAIL_MAX_ATTEMPTS": str(self.options.mail_attempts)}, wait=False)
        db.session.rollback()

    def fault_render_killed(self, outcome: Outcome, window_end: float, *, document_ids: list[int], **_) -> None:
        """Kill every worker a second into each render of the long document, `render_kills` times; the attempt
        after must end failed (RENDER_TIMEOUT_SECONDS stops it), the last of MAX_ATTEMPTS."""
        limit = time.monotonic() + self.options.settle
        while outcome.kills < self.options.render_kills and time.monotonic() < limit:
            if read_documents(document_ids)[0][1] != "rendering":
                time.sleep(0.1)
                continue
            time.sleep(1.0)
            self.workers.kill_all()
            outcome.kills += 1
            release_claims()  # the claim of a killed worker, stale at once (as STALE_CLAIM passing would make it)
            self.workers.start_all("render-killed", self.options.workers, wait=False)
        # The attempt after the kills: let it end by itself, then watch that nothing claims it again.
        while time.monotonic() < limit and read_documents(document_ids)[0][1] in ("queued", "rendering"):
            time.sleep(0.2)
        before = read_documents(document_ids)[0]
        time.sleep(2 * self.interval + 1)
        after = read_documents(document_ids)[0]
        if after[2] != before[2]:
            outcome.failures.append(f"the document was claimed again after ending {before[1]} "
                                    f"(attempts {before[2]} -> {after[2]})")

    def check_render_killed(self, outcome: Outcome, document_ids: list[int]) -> None:
        from webapp.documents.services import MAX_ATTEMPTS

        _, status, attempts, error = read_documents(document_ids)[0]
        outcome.notes.append(f"after {outcome.kills} kills the document ended {status} after {attempts} attempts"
                             f" ({error or 'no error'})")
        if status != "failed" or attempts != MAX_ATTEMPTS:
            outcome.failures.append(f"a render killed {outcome.kills} times ended {status} with {attempts} attempts "
                                    f"counted: expected failed after the limit of {MAX_ATTEMPTS}")

    def judge(self, outcome: Outcome, targets: list[int]) -> None:
        timers, mails = outcome.timers, outcome.mails
        if timers.twice_or_more or timers.never:
            outcome.failures.append(f"{timers.twice_or_more} timers fired twice or more, {timers.never} never")
        if outcome.budget is not None and timers.longest_delay > outcome.budget:
            outcome.failures.append(f"a timer fired {timers.longest_delay:.1f} s late, beyond its budget of "
                                    f"{outcome.budget:.1f} s")
        never = [i for i, times in mails.deliveries.items() if times == 0]
        if never:
            outcome.failures.append(f"{len(never)} mails never delivered")
        uncounted = [i for i, times in mails.deliveries.items() if times > mails.attempts[i]]
        if uncounted:
            outcome.failures.append(f"{len(uncounted)} mails delivered more often than their attempts counted")
        if targets:
            once, always = targets
            outcome.notes.append(f"message killed mid-send once: delivered {mails.deliveries[once]} times in "
                                 f"{mails.attempts[once]} attempts")
            outcome.notes.append(f"message killed mid-send every time: delivered {mails.deliveries[always]} times "
                                 f"in {mails.attempts[always]} attempts, "
                                 + ("given up" if always in mails.failed else "not given up"))
            if always not in mails.failed or mails.deliveries[always] > self.options.mail_attempts:
                outcome.failures.append(f"a message killed mid-send every time was delivered "
                                        f"{mails.deliveries[always]} times with MAIL_MAX_ATTEMPTS="
                                        f"{self.options.mail_attempts}: duplicates not bounded")
        if self.workers.stuck:
            outcome.failures.append(f"{', '.join(self.workers.stuck)} did not stop within "
                                    f"{self.stop_timeout():.0f} s of SIGTERM")
            self.workers.stuck.clear()


def restart_postgres(command: str) -> None:
    from webapp.extensions import db

    db.session.remove()
    subprocess.run(command, shell=True, check=True)
    for _ in range(60):
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode == 0:
            break
        time.sleep(1)
    db.engine.dispose()


def report(outcome: Outcome) -> None:
    timers = outcome.timers
    budget = f" (budget {outcome.budget:.1f} s)" if outcome.budget is not None else " (no budget: a fault of the worker itself)"
    print(f"\n{outcome.name}: {outcome.title}  [{outcome.seconds:.0f} s]")
    if outcome.kills or outcome.backends_ended:
        print(f"  faults: {outcome.kills} kills, {outcome.backends_ended} database sessions terminated")
    print(f"  timers: {timers.seeded} due, {timers.once} fired once, {timers.twice_or_more} twice or more, "
          f"{timers.never} never; longest delay {timers.longest_delay:.1f} s{budget}")
    print(f"  mail:   {outcome.mails.line()}; {outcome.attempts_during_fault} attempts during the fault")
    if outcome.documents:
        statuses = Counter(status for _, status, _, _ in outcome.documents)
        print(f"  documents: {', '.join(f'{n} {s}' for s, n in statuses.items())}; attempts "
              f"{[attempts for _, _, attempts, _ in outcome.documents]}")
    for note in outcome.notes:
        print(f"  {note}")
    print("  " + ("FAILED: " + "; ".join(outcome.failures) if outcome.failures else "ok"))


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--phases", default=",".join(ALL_PHASES), help="comma-separated, from: "
                           + ", ".join(ALL_PHASES))
    arguments.add_argument("--workers", type=int, default=2)
    arguments.add_argument("--timers", type=int, default=20, help="timers falling due in each phase")
    arguments.add_argument("--burst", type=int, default=5, help="timers falling due at the same moment")
    arguments.add_argument("--mails", type=int, default=40, help="messages queued in each phase")
    arguments.add_argument("--hanging-mails", type=int, default=200)
    arguments.add_argument("--documents", type=int, default=4, help="ten-page PDFs queued in kill and postgres")
    arguments.add_argument("--window", type=float, default=30, help="seconds each fault lasts")
    arguments.add_argument("--settle", type=float, default=120, help="seconds allowed to finish after a fault")
    arguments.add_argument("--kill-every", type=float, default=4, help="mean seconds between kills")
    arguments.add_argument("--interval", type=int, default=5, help="WORKER_INTERVAL_SECONDS")
    arguments.add_argument("--mail-budget", type=int, default=2, help="WORKER_MAIL_BUDGET_SECONDS")
    arguments.add_argument("--smtp-timeout", type=int, default=2, help="SMTP_TIMEOUT_SECONDS")
    arguments.add_argument("--message-deadline", type=int, default=2, help="SMTP_MESSAGE_DEADLINE_SECONDS")
    arguments.add_argument("--render-timeout", type=int, default=5, help="RENDER_TIMEOUT_SECONDS")
    arguments.add_argument("--mail-attempts", type=int, default=3, help="MAIL_MAX_ATTEMPTS in crash-mid-send")
    arguments.add_argument("--render-kills", type=int, default=2)
    arguments.add_argument("--restart-postgres", action="store_true",
                           help="also restart the PostgreSQL server once (disturbs every other user of it)")
    arguments.add_argument("--restart-command", default="sudo -n systemctl restart postgresql")
    arguments.add_argument("--seed", type=int, default=7)
    arguments.add_argument("--worker-root", type=Path, default=ROOT,
                           help="the source tree the workers run from (an older version, to compare)")
    arguments.add_argument("--logs", type=Path, help="folder for the workers' logs (default: a new temporary one)")
    options = arguments.parse_args()
    phases = [p.strip() for p in options.phases.split(",") if p.strip()]
    unknown = set(phases) - set(ALL_PHASES)
    if unknown:
        raise SystemExit(f"unknown phases: {', '.join(sorted(unknown))}")

    os.environ["PGAPPNAME"] = BENCH_APP_NAME
    folder = Path(tempfile.mkdtemp(prefix="faults-"))
    logs = options.logs or folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'faults.db'}"
    for prefix in ("postgresql://", "postgres://"):
        url = "postgresql+psycopg://" + url[len(prefix):] if url.startswith(prefix) else url
    on_postgres = url.startswith("postgres")
    if not on_postgres and "postgres" in phases:
        phases.remove("postgres")
        print("postgres phase skipped: it needs DATABASE_URL on PostgreSQL")
    sources = prepare_database(url)
    recorder, switchboard, controller = start_smtp()
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": url, "PGAPPNAME": "faults-worker",
           "PYTHONUNBUFFERED": "1", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(switchboard.port),
           "SMTP_SECURITY": "none", "IMAP_HOST": "",
           "WORKER_INTERVAL_SECONDS": str(options.interval),
           "WORKER_MAIL_BUDGET_SECONDS": str(options.mail_budget),
           "SMTP_TIMEOUT_SECONDS": str(options.smtp_timeout),
           "SMTP_MESSAGE_DEADLINE_SECONDS": str(options.message_deadline),
           "RENDER_TIMEOUT_SECONDS": str(options.render_timeout)}
    workers = Workers(env, logs, options.worker_root.resolve())
    bench = Bench(options, sources, recorder, switchboard, workers)
    print(f"Faults bench on {'PostgreSQL' if on_postgres else 'SQLite (file)'}: {options.workers} workers, "
          f"WORKER_INTERVAL_SECONDS={options.interval}, WORKER_MAIL_BUDGET_SECONDS={options.mail_budget}, "
          f"SMTP_TIMEOUT_SECONDS={options.smtp_timeout}, SMTP_MESSAGE_DEADLINE_SECONDS={options.message_deadline}, "
          f"RENDER_TIMEOUT_SECONDS={options.render_timeout}; each fault {options.window:g} s")
    outcomes = []
    try:
        for name in phases:
            outcomes.append(bench.run(name))
            report(outcomes[-1])
    finally:
        workers.kill_all()
        controller.stop()
    failed = [o.name for o in outcomes if o.failures]
    print(f"\n{len(outcomes) - len(failed)} of {len(outcomes)} faults kept every promise"
          + (f"; failed: {', '.join(failed)}" if failed else "") + f". Worker logs: {logs}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
