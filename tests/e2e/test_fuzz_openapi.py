"""Property-based testing of the served OpenAPI document with schemathesis' own runner, every phase
(examples, coverage with unexpected methods, fuzzing, stateful), and a sweep of non-UTF-8 bodies over
every operation. 0 server errors, 0 dropped connections, 0 schema violations; the exceptions kept are
listed with their reasons in schemathesis.toml beside this file."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from infra.template import ROOT
from package_service.api_examples import DEMO_TOKEN
from tests.e2e.conftest import TOKENS

CONFIG = Path(__file__).with_name("schemathesis.toml")
OPERATIONS = [
    (method.upper(), path)
    for path, item in json.loads((ROOT / "openapi.json").read_text())["paths"].items()
    for method in item
]


def test_every_phase_finds_nothing(base_url: str) -> None:
    """With the demo tenant's token the request examples reach real records (200s, not only 404s)."""
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(CONFIG), "run",
        f"{base_url}/swagger?format=json", "-H", f"Authorization: Bearer {DEMO_TOKEN}",
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, env={**os.environ, "NO_COLOR": "1"})
    report = run.stdout[run.stdout.rfind("SUMMARY") :]
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    phases = report.split("Test Phases:", 1)[1].split("\n\n", 1)[0]
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in phases, f"{phase} did not run and pass:\n{report}"
    assert "Failures:" not in report and "Errors:" not in report, report


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_a_body_that_is_not_utf8_is_answered_400_on_every_operation(base_url: str, method: str, path: str) -> None:
    """What API Gateway passes on base64-encoded: every operation answers 400 naming the body, over a
    real connection that is never dropped."""
    target = urlsplit(base_url)
    concrete = path.replace("{customer_id}", "00000000-0000-4000-8000-000000000000")
    body = b'{"name": "\xff\xfe\xfa"}'
    raw = (
        f"{method} {concrete} HTTP/1.1\r\nHost: {target.netloc}\r\nAuthorization: Bearer {TOKENS['acme']}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    with socket.create_connection((target.hostname, target.port), timeout=30) as sock:
        sock.sendall(raw)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    message = json.loads(payload)["message"]
    assert status == 400 and message.startswith("request body:"), (status, message)
