"""`make run`: the whole service on 127.0.0.1 with no AWS account and no Docker.

Environment:
  PORT                   front door port (default 3000)
  LOCAL_API_TOKENS       tenant=token,tenant2=token2 to seed (default: one generated dev token)
  DYNAMODB_ENDPOINT_URL  use this DynamoDB (DynamoDB Local, AWS) instead of the embedded one
  TABLE_NAME             table to use/create (default package-service-local)
  LOCAL_AUTHORIZER_TTL   override the template's authorizer cache TTL (seconds)
  LOCAL_SCHEDULE_SECONDS how often scheduled functions run (default 5; 0 turns the loop off)
  LOCAL_DEMO_DATA        0 skips the demo tenant (token demo-token) that events/ refer to

The stack's endpoints are written to .local/stack.json for `make invoke` and `make provision-now`;
change events (no EventBridge here) are appended to .local/events.jsonl and printed, one line each.
"""

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

from .dynamodb import DEFAULT_TABLE_NAME, create_tables, spawn_embedded_dynamodb
from .queues import create_queues
from .template import ROOT

STATE_FILE = ROOT / ".local" / "stack.json"
EVENTS_FILE = ROOT / ".local" / "events.jsonl"  # every change event, one JSON line each (also printed)

sys.path.insert(0, str(ROOT / "functions"))


def parse_tokens(spec: str) -> dict[str, str]:
    """`tenant=token,tenant2=token2` -> {token: tenant}."""
    tokens = {}
    for pair in filter(None, (p.strip() for p in spec.split(","))):
        tenant, sep, token = pair.partition("=")
        if not sep or not tenant or not token:
            raise SystemExit(f"LOCAL_API_TOKENS: {pair!r} is not tenant=token")
        tokens[token] = tenant
    return tokens


@dataclass
class _ChildProcess:
    process: "subprocess.Popen[Any]"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@dataclass
class LocalStack:
    """Embedded DynamoDB (a child process) + front door. Used by `make run` and by the end-to-end tests."""

    port: int = 3000
    endpoint_url: str | None = None
    table_name: str = DEFAULT_TABLE_NAME
    authorizer_ttl: int | None = None
    schedule_seconds: float = 5
    demo_data: bool = True
    _servers: list[Any] = field(default_factory=list)

    def start(self) -> str:
        from .event_sources import EventSourceLoop
        from .lambda_runtime import configure_environment

        if self.endpoint_url is None:
            process, self.endpoint_url = spawn_embedded_dynamodb()
            self._servers.append(_ChildProcess(process))
        self.resources = create_queues(self.endpoint_url, self.table_name)
        configure_environment(self.table_name, self.endpoint_url, self.resources)
        EVENTS_FILE.parent.mkdir(exist_ok=True)
        os.environ["LOCAL_EVENTS_FILE"] = str(EVENTS_FILE)  # change events: no EventBridge here
        create_tables(self.endpoint_url, self.table_name)
        if self.demo_data:
            from . import demo

            demo.seed()  # the tenant the sample events in events/ use
        if self.schedule_seconds > 0:
            loop = EventSourceLoop(self.endpoint_url, self.resources, self.schedule_seconds)
            loop.start()
            self._servers.append(loop)
        from .streams import spawn_stream_poller  # change events: .local/events.jsonl, and printed

        self._servers.append(_ChildProcess(spawn_stream_poller(self.endpoint_url, self.table_name)))

        from .front_door import FrontDoor, make_http_server

        self.front_door = FrontDoor(self.authorizer_ttl)
        http = make_http_server(self.front_door, "127.0.0.1", self.port)
        self.port = http.server_address[1]
        threading.Thread(target=http.serve_forever, daemon=True).start()
        self._servers.append(http)
        STATE_FILE.parent.mkdir(exist_ok=True)
        STATE_FILE.write_text(
            json.dumps(
                {"endpoint_url": self.endpoint_url, "table_name": self.table_name, "resources": self.resources,
                 "base_url": self.base_url},
                indent=2,
            )
        )  # fmt: skip
        return self.base_url

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_token(self, tenant: str, token: str | None = None, name: str | None = None) -> str:
        from package_service.domain.errors import Conflict
        from package_service.store.tokens import create_token, find_principal

        try:
            return create_token(tenant, name or tenant, token)
        except Conflict:  # seeded by an earlier run on a kept DynamoDB: fine if it is still this tenant's
            principal = find_principal(token or "")
            if principal is None or principal.tenant_id != tenant:
                raise
            return token or ""

    def stop(self) -> None:
        for server in reversed(self._servers):
            if hasattr(server, "shutdown"):
                server.shutdown()
            else:
                server.stop()
        self._servers.clear()


def main() -> None:
    ttl = os.environ.get("LOCAL_AUTHORIZER_TTL")
    stack = LocalStack(
        schedule_seconds=float(os.environ.get("LOCAL_SCHEDULE_SECONDS", "5")),
        demo_data=os.environ.get("LOCAL_DEMO_DATA", "1") != "0",
        port=int(os.environ.get("PORT", "3000")),
        endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None,
        table_name=os.environ.get("TABLE_NAME", DEFAULT_TABLE_NAME),
        authorizer_ttl=int(ttl) if ttl else None,
    )
    base_url = stack.start()
    seeded = parse_tokens(os.environ.get("LOCAL_API_TOKENS", ""))
    for token, tenant in seeded.items():
        stack.add_token(tenant, token)
    if not seeded:
        seeded = {stack.add_token("dev", name="dev"): "dev"}
    token, tenant = next(iter(seeded.items()))
    demo_hint = (
        "\n  Authorize there with demo-token: every example body refers to the demo tenant's records."
        if stack.demo_data
        else ""
    )
    print(
        f"""
Package service listening on {base_url}  (DynamoDB: {stack.endpoint_url}, table {stack.table_name})
Tenants: {", ".join(sorted(set(seeded.values())))}.  Token for {tenant!r}: {token}

  curl -s -X POST {base_url}/v1/packages/list -H 'Authorization: Bearer {token}' -d '{{}}'

  from metronome import Metronome
  client = Metronome(bearer_token="{token}", base_url="{base_url}")
  client.v1.packages.create(name="Starter plan")

OpenAPI + Swagger UI: {base_url}/swagger   (JSON: {base_url}/swagger?format=json){demo_hint}
Ctrl-C to stop.""",
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        stack.stop()


if __name__ == "__main__":
    main()
