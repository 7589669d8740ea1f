"""The architecture's rules (pyproject.toml, [tool.importlinter]) hold, and they bite: a copy of the package with
one forbidden import breaks its contract."""
import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(root)})


def test_the_contracts_hold():
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


@pytest.mark.parametrize("module, forbidden, broken", [
    ("workflow/runtime.py", "from webapp.cases import models as _cases",
     "webapp.workflow is not allowed to import webapp.cases"),
    ("workflow/versions.py", "from webapp.service_handlers import SERVICE_HANDLERS as _handlers",
     "webapp.workflow is not allowed to import webapp.service_handlers"),
    ("cases/flags.py", "import SpiffWorkflow as _engine", "SpiffWorkflow is imported only inside webapp.workflow"),
    ("cases/steps.py", "from webapp.safer_sleep import services as _safer_sleep",
     "webapp.cases is not allowed to import webapp.safer_sleep"),
    ("cases/flags.py", "from webapp.safer_sleep.services import safer_sleep_flags as _flags",
     "webapp.cases is not allowed to import webapp.safer_sleep"),
    ("cases/services.py", "from webapp.meetings.services import meetings_on_case as _meetings",
     "webapp.cases is not allowed to import webapp.meetings"),
    ("documents/services.py", "from webapp.cases.models import Case as _Case",
     "webapp.documents is not allowed to import webapp.cases"),
    ("shell/forms.py", "from webapp.auth.roles import Role as _Role", "webapp.shell is not allowed to import webapp.auth"),
    ("minutes/services.py", "from webapp.wiring import STEP_HOOKS as _hooks",
     "webapp.minutes is not allowed to import webapp.wiring"),
])
def test_a_forbidden_import_breaks_its_contract(tmp_path, module, forbidden, broken):
    shutil.copytree(ROOT / "webapp", tmp_path / "webapp", ignore=shutil.ignore_patterns("static", "assets", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    path = tmp_path / "webapp" / module
    path.write_text(path.read_text() + f"\n{forbidden}\n")
    run = lint_imports(tmp_path)
    assert run.returncode != 0
    assert "0 broken" not in run.stdout and broken in " ".join(run.stdout.split()), run.stdout


# What one feature may import of another: what it does, its rows, and who may see them. Its pages, handlers,
# notices and other modules are its own.
PUBLIC_MODULES = {"services", "models", "access"}


def feature_packages() -> list[str]:
    """The features' line of the layers contract in pyproject.toml (the one holding webapp.closure)."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    layers, = [c["layers"] for c in contracts if c["type"] == "layers"]
    line, = [layer for layer in layers if "webapp.closure" in layer]
    return [name.strip().removeprefix("webapp.") for name in line.split(":")]


def private_crossings(root: Path) -> list[str]:
    """Each import by one feature of another feature's module outside PUBLIC_MODULES, as "importer -> imported"."""
    features = set(feature_packages())
    found = set()
    for feature in sorted(features):
        for path in sorted((root / "webapp" / feature).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("webapp."):
                    targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
                elif isinstance(node, ast.Import):
                    targets = [alias.name for alias in node.names]
                else:
                    continue
                for target in targets:
                    parts = target.split(".")
                    if (len(parts) >= 3 and parts[0] == "webapp" and parts[1] in features and parts[1] != feature
                            and (root / "webapp" / parts[1] / f"{parts[2]}.py").exists()
                            and parts[2] not in PUBLIC_MODULES):
                        found.add(f"{path.relative_to(root)} -> {'.'.join(parts[:3])}")
    return sorted(found)


def test_features_reach_each_other_only_through_their_public_modules():
    assert private_crossings(ROOT) == []


def test_a_private_crossing_is_found(tmp_path):
    shutil.copytree(ROOT / "webapp", tmp_path / "webapp", ignore=shutil.ignore_patterns("static", "assets", "__pycache__"))
    path = tmp_path / "webapp" / "closure" / "services.py"
    path.write_text(path.read_text() + "\nfrom webapp.meetings.invitations import queue_invitation as _queue\n")
    other = tmp_path / "webapp" / "safer_sleep" / "views.py"
    other.write_text(other.read_text() + "\nfrom webapp.information_requests import views as _views\n")
    assert private_crossings(tmp_path) == ["webapp/closure/services.py -> webapp.meetings.invitations",
                                           "webapp/safer_sleep/views.py -> webapp.information_requests.views"]


def test_no_webapp_import_hides_inside_a_function():
    """Imports at the top show a module's dependencies (and let import-linter see them plainly); only the app
    factory, the commands, the worker and the demo data import inside functions (they wire or start things)."""
    allowed = {"webapp/__init__.py", "webapp/worker.py", "webapp/demo.py"}
    hidden = [f"{path.relative_to(ROOT)}:{number}" for path in sorted((ROOT / "webapp").rglob("*.py"))
              if str(path.relative_to(ROOT)) not in allowed and path.name != "cli.py"
              for number, line in enumerate(path.read_text().splitlines(), 1)
              if line.startswith((" ", "\t")) and line.lstrip().startswith(("from webapp", "import webapp"))]
    assert hidden == []
