"""Starts `python -m infra.local_stack` (what `make run` runs) and hands out SDK clients."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from metronome import Metronome

from infra.template import ROOT

TOKENS = {"acme": "e2e-acme-token", "globex": "e2e-globex-token"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    yield from local_stack()


def local_stack(**settings: str) -> Iterator[str]:
    """A local stack in its own process (`make run`), with `settings` added to its environment."""
    port = _free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "LOCAL_API_TOKENS": ",".join(f"{tenant}={token}" for tenant, token in TOKENS.items()),
        "LOCAL_AUTHORIZER_TTL": "0",
        "LOCAL_SCHEDULE_SECONDS": "1",
        **settings,
    }
    env.pop("DYNAMODB_ENDPOINT_URL", None)
    # Its output goes to a file: a pipe no one reads fills up (64 KB) and then blocks the stack's prints.
    log = tempfile.NamedTemporaryFile(prefix="e2e-stack-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local_stack"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"local stack exited: {Path(log.name).read_text()}")
        try:
            httpx.get(f"{url}/swagger", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("local stack did not start within 60s")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def client(base_url: str) -> Metronome:
    return Metronome(bearer_token=TOKENS["acme"], base_url=base_url, max_retries=0)


def stack_on_clock(clock: str) -> tuple[Any, Any]:
    """`base_url` and `client` fixtures for one module, on a stack of its own whose clock starts at `clock`
    (LOCAL_CLOCK): migrations refuse past dates, so a module's dates stay in the future whenever it runs.
    A module takes them with `base_url, client = stack_on_clock(CLOCK)` (the session's `client` cannot
    depend on a module-scoped stack)."""

    @pytest.fixture(scope="module", name="base_url")
    def pinned_base_url() -> Iterator[str]:
        yield from local_stack(LOCAL_CLOCK=clock)

    @pytest.fixture(scope="module", name="client")
    def pinned_client(base_url: str) -> Metronome:
        return Metronome(bearer_token=TOKENS["acme"], base_url=base_url, max_retries=0)

    return pinned_base_url, pinned_client


@pytest.fixture(scope="session")
def other_client(base_url: str) -> Metronome:
    return Metronome(bearer_token=TOKENS["globex"], base_url=base_url, max_retries=0)
