"""What the benchmarks share: an embedded DynamoDB in its own process, configured for the service."""

import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from infra.template import ROOT

sys.path.insert(0, str(ROOT / "functions"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def embedded_dynamodb(table: str = "bench") -> Iterator[str]:
    """A patched moto server in a child process; the service's environment points at it."""
    from infra.dynamodb import spawn_embedded_dynamodb

    process, url = spawn_embedded_dynamodb()
    try:
        from infra.dynamodb import create_tables
        from infra.lambda_runtime import configure_environment
        from infra.queues import create_queues

        resources = create_queues(url, table)
        configure_environment(table, url, resources)
        os.environ["PROVISIONING_QUEUE_URL"] = resources["ProvisioningQueue"]
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        create_tables(url, table)
        _forget_cached_clients()  # a previous benchmark may have pointed them at another endpoint
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _forget_cached_clients() -> None:
    from package_service.settings import get_settings
    from package_service.store.dynamo import get_client
    from package_service.store.queue import get_sqs

    for cached in (get_settings, get_client, get_sqs):
        cached.cache_clear()
