"""The Children in Need census checked by the DfE's validation rules, as the field's open validator
(csc-validator-be-cin, pinned in requirements-cin.txt) runs them: errors stop a return in DfE COLLECT, queries
need an answer or a reason.

The validator needs pandas 1.5 with numpy below 2, so it lives in its own virtual environment (.venv-cin, built by
`make test`) and runs in a child process (cin_validator_runner.py), which prints its findings as JSON.
"""
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("cin_validator_runner.py")
# Where a deployment keeps the validator's interpreter elsewhere, it says so here.
PYTHON_SETTING = "CIN_VALIDATOR_PYTHON"
DEFAULT_PYTHON = ROOT / ".venv-cin" / "bin" / "python"

# The years (the March each collection ends) that csc-validator-be-cin 0.1.13 has rules for. From 2024/25 on,
# the 2025/26 and 2026/27 rulesets are the 2024/25 rules unchanged.
YEARS = (2023, 2024, 2025, 2026, 2027)
LATEST_YEAR = YEARS[-1]


class ValidatorUnavailable(RuntimeError):
    """The validator's environment is not installed here."""


class ValidatorFailed(RuntimeError):
    """The validator could not check the file at all (not XML, another year's file, no ruleset, a crash)."""


@dataclass(frozen=True)
class Location:
    """One value a rule points at: the validator's table and field, the row in that table, and the value written."""
    table: str
    field: str
    row: int
    value: str | None


@dataclass(frozen=True)
class Problem:
    """One rule broken for one child (child_id is the LAchildID), or by the return as a whole (child_id None)."""
    code: str
    message: str
    child_id: str | None
    locations: tuple[Location, ...] = ()

    @property
    def fields(self) -> set[str]:
        return {location.field for location in self.locations}


@dataclass(frozen=True)
class Report:
    year: int
    validator: str
    ruleset: str
    rules_run: int
    errors: list[Problem]
    queries: list[Problem]
    # rules whose own code raised on this file, with why: they checked nothing, so the return is not shown clean
    crashed: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.crashed

    def error_codes(self) -> set[str]:
        return {problem.code for problem in self.errors}

    def query_codes(self) -> set[str]:
        return {problem.code for problem in self.queries}


def validator_python() -> Path:
    return Path(os.environ.get(PYTHON_SETTING) or DEFAULT_PYTHON)


def validate_census(xml_path: str | os.PathLike, year: int, *, timeout: float = 900) -> Report:
    """Checks the census XML at xml_path by the rules of the collection ending in March of `year`."""
    if year not in YEARS:
        raise ValueError(f"The validator has no rules for the collection ending March {year} "
                         f"(it has {YEARS[0]} to {LATEST_YEAR}).")
    python = validator_python()
    if not python.exists():
        raise ValidatorUnavailable(
            f"The CIN census validator is not installed: {python} is missing. Run `make .venv-cin/.installed` "
            f"(or set {PYTHON_SETTING} to an interpreter with requirements-cin.txt installed).")
    # -I: the runner sees only the validator's environment, not this checkout or PYTHONPATH
    run = subprocess.run([str(python), "-I", str(RUNNER), os.fspath(xml_path), str(year)],
                         capture_output=True, text=True, timeout=timeout)
    if run.returncode != 0:
        raise ValidatorFailed(run.stderr.strip().splitlines()[-1] if run.stderr.strip()
                              else f"The validator stopped with exit status {run.returncode}.")
    found = json.loads(run.stdout)
    problems = {"error": [], "query": []}
    for item in found["problems"]:
        problems[item["kind"]].append(Problem(
            code=item["code"], message=item["message"], child_id=item["child_id"],
            locations=tuple(Location(**location) for location in item["locations"])))
    return Report(year=year, validator=found["validator"], ruleset=found["ruleset"], rules_run=found["rules_run"],
                  errors=problems["error"], queries=problems["query"],
                  crashed={item["code"]: item["reason"] for item in found["crashed"]})
