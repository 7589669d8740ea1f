"""The runtime's full step against SpiffWorkflow's own cycle, on the same looping diagram.

Baseline (SpiffWorkflow alone): deserialize the JSON state → complete the ready task → do_engine_steps →
serialize the JSON state (the state carrying its spec, as SpiffWorkflow keeps it by default).
Runtime step: runtime.complete_task (lock and load from the database, validate the form, complete, run,
save with the version counter, refresh the derived rows, audit) and commit, on a file-backed SQLite database
(or DATABASE_URL).

Both run the review loop of tests/workflows/diagrams (record → review → back to record), one user task a step;
the figures are the medians of steps 1–10 and 40–50, and the runtime/baseline ratio. Target: ratio ≤ 2.

    .venv/bin/python bench/runtime_step.py [--steps 50] [--rounds 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DIAGRAMS = ROOT / "tests" / "workflows" / "diagrams"
WINDOWS = {"steps 1-10": range(1, 11), "steps 40-50": range(40, 51)}


def answers(step: int) -> dict:
    """Odd steps record a visit, even steps review it and ask for another."""
    return {"visits": step} if step % 2 else {"outcome": "again"}


def baseline(steps: int) -> dict[int, float]:
    """Seconds per step of SpiffWorkflow's own load → complete → engine steps → save cycle."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.util.task import TaskState

    from webapp.workflow.bundles import read_library
    from webapp.workflow.engine import HandlerServiceTask, HandlerServiceTaskConverter, Parser, _registry
    from webapp.workflow.expressions import script_engine
    from webapp.workflow.xml import parse_diagram
    from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG

    config = dict(CAMUNDA_CONFIG)
    config[HandlerServiceTask] = HandlerServiceTaskConverter
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config, _registry()))
    bundle = read_library(DIAGRAMS).bundle("review_loop")
    parser = Parser()
    for name, text in bundle.diagrams.items():
        parser.add_bpmn_xml(parse_diagram(text.encode()), filename=name)
    workflow = BpmnWorkflow(parser.get_spec("review_loop"), parser.get_subprocess_specs("review_loop"))
    workflow.script_engine = script_engine()
    workflow.do_engine_steps()
    state = serializer.serialize_json(workflow)
    timings = {}
    for step in range(1, steps + 1):
        started = time.perf_counter()
        workflow = serializer.deserialize_json(state)
        workflow.script_engine = script_engine()
        task = workflow.get_next_task(state=TaskState.READY, manual=True)
        task.data.update(answers(step))
        task.run()
        workflow.do_engine_steps()
        state = serializer.serialize_json(workflow)
        timings[step] = time.perf_counter() - started
    return timings


def runtime_steps(steps: int, database_url: str) -> tuple[dict[int, float], int]:
    """Seconds per step of the runtime's full step with its commit; and the final state's size."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from webapp import create_app
    from webapp.auth.models import Team, User, UserRole
    from webapp.auth.passwords import hash_password
    from webapp.config import Settings
    from webapp.extensions import db
    from webapp.workflow import runtime
    from webapp.workflow.models import OpenTask, WorkflowInstance
    from webapp.workflow.versions import deploy_directory

    app = create_app(settings=Settings.from_environment({"APP_ENV": "test", "DATABASE_URL": database_url}))
    with app.app_context():
        upgrade()
        team = Team(name="Bench team")
        password = hash_password("bench-password-1")
        worker = User(username="bench_sw", full_name="Bench worker", email="sw@example.org", password_hash=password,
                      team=team, role_rows=[UserRole(role="social_worker")])
        manager = User(username="bench_tm", full_name="Bench manager", email="tm@example.org",
                       password_hash=password, team=team, role_rows=[UserRole(role="team_manager")])
        db.session.add_all([team, worker, manager])
        deploy_directory(DIAGRAMS)
        instance_id = runtime.start_instance("review_loop", "cases", 1, actor=worker)
        db.session.commit()
        timings = {}
        for step in range(1, steps + 1):
            task_id = db.session.scalar(select(OpenTask.task_id).where(OpenTask.instance_id == instance_id))
            actor = worker if step % 2 else manager
            db.session.commit()  # the step starts a transaction of its own, as a request does
            assert actor.roles  # the signed-in user, loaded by the web layer before it calls the runtime
            started = time.perf_counter()
            runtime.complete_task(instance_id, task_id, answers(step), actor=actor)
            db.session.commit()
            timings[step] = time.perf_counter() - started
        size = len(db.session.scalar(select(WorkflowInstance.state).where(WorkflowInstance.id == instance_id)))
        db.session.remove()
        db.engine.dispose()
    return timings, size


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--steps", type=int, default=50)
    arguments.add_argument("--rounds", type=int, default=5, help="repeat both and keep each step's best")
    options = arguments.parse_args()
    steps = max(options.steps, 10)
    best_base: dict[int, float] = {}
    best_runtime: dict[int, float] = {}
    size = 0
    with tempfile.TemporaryDirectory() as folder:
        for round_number in range(options.rounds):
            url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(folder) / f'bench{round_number}.db'}"
            if url.startswith("postgres"):
                _reset_postgres(url)
            base = baseline(steps)
            measured, size = runtime_steps(steps, url)
            for step in base:
                best_base[step] = min(best_base.get(step, base[step]), base[step])
                best_runtime[step] = min(best_runtime.get(step, measured[step]), measured[step])
    database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite (file)"
    print(f"Runtime step vs SpiffWorkflow's own cycle, review loop, {database}, best of {options.rounds} rounds")
    print(f"{'window':<12} {'spiff ms':>9} {'runtime ms':>11} {'ratio':>6}  target ≤ 2.0")
    for label, window in WINDOWS.items():
        chosen = [step for step in window if step in best_base]
        if not chosen:
            continue
        spiff = statistics.median(best_base[s] for s in chosen) * 1000
        ours = statistics.median(best_runtime[s] for s in chosen) * 1000
        print(f"{label:<12} {spiff:>9.2f} {ours:>11.2f} {ours / spiff:>6.2f}")
    print(f"state after {steps} steps: {size:,} bytes (spec stored once per version, not in the state)")


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    if "test" not in url.rsplit("/", 1)[-1]:
        raise SystemExit("DATABASE_URL must name a database containing 'test': the benchmark empties it")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


if __name__ == "__main__":
    main()
