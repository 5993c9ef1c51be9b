"""examples/quickstart.py, as `make demo` runs it; its build progress comes as plain lines
when the output is not a terminal."""

from __future__ import annotations

import subprocess

import pytest

from tests.examples.test_progress_display import step_shown

from .conftest import EXAMPLES, PYTHON, example_env


@pytest.mark.needs("follow-ends")  # it follows a container's logs to their end
def test_quickstart_runs_to_the_end() -> None:
    done = subprocess.run(
        [PYTHON, str(EXAMPLES / "quickstart.py")],
        capture_output=True,
        text=True,
        timeout=120,
        env=example_env(),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("daemon: Docker Engine ")
    assert "  [stdout] out 3" in lines
    assert "  [stderr] err 3" in lines
    assert "exited with status 0" in lines
    assert step_shown(lines, "RUN echo built by aiodock > /greeting")
    assert lines[-1].startswith("built ") and lines[-1].endswith("'built by aiodock'")
