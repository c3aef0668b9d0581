"""`make run` as it was before the performance pass, for side-by-side comparison only: the embedded
DynamoDB inside the front door's process, and moto's own query (every item of the table walked and
sorted per query). The transaction patch stays: without it cohort-sized work does not finish at all."""

from typing import Any

from infra import local_stack
from infra.dynamodb import start_embedded_dynamodb


class _InProcess:
    """Looks like the child process `LocalStack` expects; it is a server thread of this process."""

    def __init__(self, server: Any) -> None:
        self.server = server

    def terminate(self) -> None:
        self.server.stop()

    def wait(self, timeout: float | None = None) -> None:
        return None


def _in_process() -> tuple[Any, str]:
    from moto.dynamodb.models.table import Table

    server, url = start_embedded_dynamodb()
    Table.query = Table.query.original  # type: ignore[attr-defined,method-assign]
    return _InProcess(server), url


if __name__ == "__main__":
    local_stack.spawn_embedded_dynamodb = _in_process  # type: ignore[assignment]
    local_stack.main()
