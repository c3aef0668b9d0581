"""A schemathesis run over one of Metronome's published excerpts (tests/published/), with the published
run's configuration (schemathesis-published.toml): no 5xx, answers in Metronome's response schemas."""

import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import TOKENS

PUBLISHED_CONFIG = Path(__file__).with_name("schemathesis-published.toml")


def fuzz_published(document: Path, base_url: str, operations: int) -> None:
    """Run it against `base_url` and fail with the report unless all `operations` were tested cleanly."""
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(PUBLISHED_CONFIG), "run",
        str(document), "--url", base_url, "-H", f"Authorization: Bearer {TOKENS['acme']}",
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, env={**os.environ, "NO_COLOR": "1"})
    report = run.stdout[run.stdout.rfind("SUMMARY") :]
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert "Failures:" not in report and "Errors:" not in report, report
    assert f"Tested: {operations}" in report or f"{operations} selected" in run.stdout, run.stdout[-3000:]
