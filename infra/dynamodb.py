"""Embedded DynamoDB (moto server on loopback) and table creation from template.yaml."""

import contextlib
import ctypes
import logging
import signal
import subprocess
import sys
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from .template import ROOT, table_definitions

DEFAULT_TABLE_NAME = "package-service-local"
_DUMMY_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


def start_embedded_dynamodb(port: int = 0) -> tuple[ThreadedMotoServer, str]:
    """Start moto's server on 127.0.0.1 (a free port unless one is given); returns it and its URL."""
    from . import moto_patches

    moto_patches.apply()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no per-request access log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, bound_port = server.get_host_and_port()
    return server, f"http://{host}:{bound_port}"


def stop_with_parent() -> None:
    """In the child: the kernel sends SIGTERM when the process that started it dies (even on kill -9)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG (Linux)


def spawn_embedded_dynamodb() -> tuple["subprocess.Popen[str]", str]:
    """The embedded DynamoDB (and SQS) in a child process of its own: its requests do not compete with
    the caller's threads for one interpreter lock. Returns the process and its URL; stops with the caller."""
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.dynamodb_server", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True,
        preexec_fn=stop_with_parent,
    )  # fmt: skip
    url = (process.stdout.readline() if process.stdout else "").strip()
    if not url:
        process.kill()
        raise RuntimeError("the embedded DynamoDB did not start")
    return process, url


def create_tables(endpoint_url: str | None, table_name: str, region: str = "us-east-1") -> None:
    """Create the template's table under `table_name` unless it exists (idempotent)."""
    extra: dict[str, Any] = {"endpoint_url": endpoint_url, **_DUMMY_CREDENTIALS} if endpoint_url else {}
    client = boto3.client("dynamodb", region_name=region, **extra)
    (definition,) = table_definitions().values()  # one table: every record type shares it
    try:
        client.create_table(TableName=table_name, **definition)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceInUseException":
            raise
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
