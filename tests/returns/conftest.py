"""The DfE's census rules run in their own environment (.venv-cin, `make test` builds it); a test run without it
builds it once, and skips the validator's tests only where it cannot be built (never in CI: there it fails)."""
import os
import subprocess

import pytest

from webapp.returns import validation

CANNOT_BUILD = "the CIN census validator's environment (.venv-cin) could not be built: "


@pytest.fixture(scope="session")
def cin_validator():
    python = validation.validator_python()
    if not python.exists() and python == validation.DEFAULT_PYTHON:
        build = subprocess.run(["make", "-C", str(validation.ROOT), ".venv-cin/.installed"],
                               capture_output=True, text=True, timeout=900)
        if build.returncode != 0:
            reason = CANNOT_BUILD + (build.stderr.strip().splitlines() or ["make failed"])[-1]
            if os.environ.get("CI"):
                pytest.fail(reason)
            pytest.skip(reason)
    return python
