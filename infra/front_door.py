"""An HTTP front door that behaves like the template's API Gateway REST API.

It matches requests against the template's Api events, runs the TOKEN authorizer (caching its
allow results per token for `ReauthorizeEvery` seconds, as API Gateway does), builds a REST proxy
event and runs the Api function in-process.
"""

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .lambda_runtime import invoke
from .template import authorizer_ttl_seconds, functions

API_GATEWAY_MAX_BODY = 10 * 1024 * 1024
STAGE = "local"


@dataclass(frozen=True)
class Route:
    method: str
    path_template: str
    pattern: re.Pattern[str]
    function: str
    needs_auth: bool


def _routes() -> list[Route]:
    routes = []
    for name, props in functions().items():
        for event in props.get("Events", {}).values():
            if event.get("Type") != "Api":
                continue
            path = event["Properties"]["Path"]
            regex = re.sub(r"\{[^}/]+\+\}", r"(?P<proxy>.+)", path)
            regex = re.sub(r"\{([^}/]+)\}", r"(?P<\1>[^/]+)", regex)
            auth = event["Properties"].get("Auth", {}).get("Authorizer")
            routes.append(
                Route(
                    event["Properties"]["Method"].upper(),
                    path,
                    re.compile(f"^{regex}$"),
                    name,
                    auth != "NONE",
                )
            )
    return routes


class AuthorizerCache:
    """Allow results per token, kept for the template's TTL (0 disables caching)."""

    def __init__(self, ttl_seconds: int) -> None:
        self.ttl = ttl_seconds
        self._entries: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.invocations = 0

    def authorize(self, header: str, method_arn: str) -> dict[str, Any] | None:
        with self._lock:
            cached = self._entries.get(header)
            if cached and cached[0] > time.monotonic():
                return cached[1]
            self.invocations += 1
        try:
            result = invoke(
                "AuthorizerFunction", {"type": "TOKEN", "authorizationToken": header, "methodArn": method_arn}
            )
        except Exception:  # the authorizer signals 401 by raising "Unauthorized"
            return None
        statements = result.get("policyDocument", {}).get("Statement", [])
        if not any(s.get("Effect") == "Allow" for s in statements):
            return None
        context = {"principalId": result.get("principalId"), **result.get("context", {})}
        if self.ttl > 0:
            with self._lock:
                self._entries[header] = (time.monotonic() + self.ttl, context)
        return context


def _json(status: int, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


class FrontDoor:
    def __init__(self, authorizer_ttl: int | None = None) -> None:
        self.routes = _routes()
        self.authorizer = AuthorizerCache(authorizer_ttl_seconds() if authorizer_ttl is None else authorizer_ttl)

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(raw_path)
        route, match = next(
            ((r, m) for r in self.routes if r.method == method and (m := r.pattern.match(url.path))),
            (None, None),
        )
        if route is None or match is None:
            return _json(404, {"message": f"no route for {method} {url.path}"})
        request_id = str(uuid.uuid4())
        authorizer: dict[str, Any] = {}
        if route.needs_auth:
            header = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
            arn = f"arn:aws:execute-api:us-east-1:123456789012:local/{STAGE}/{method}{url.path}"
            context = self.authorizer.authorize(header, arn) if header else None
            if context is None:
                return _json(401, {"message": "Unauthorized"})
            authorizer = context
        query = parse_qs(url.query, keep_blank_values=True)
        event = {
            "resource": route.path_template,
            "path": url.path,
            "httpMethod": method,
            "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "pathParameters": match.groupdict() or None,
            "stageVariables": None,
            "requestContext": {
                "requestId": request_id,
                "extendedRequestId": request_id,
                "stage": STAGE,
                "httpMethod": method,
                "path": f"/{STAGE}{url.path}",
                "resourcePath": route.path_template,
                "requestTimeEpoch": int(time.time() * 1000),
                "accountId": "123456789012",
                "apiId": "local",
                "identity": {"sourceIp": "127.0.0.1"},
                "authorizer": authorizer or None,
            },
            "body": body.decode() if body else None,
            "isBase64Encoded": False,
        }
        try:
            response = invoke(route.function, event)
        except Exception:  # API Gateway answers 502 when the integration itself fails
            return _json(502, {"message": "Internal server error"})
        out_headers = {k: v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()}
        out_headers.update(response.get("headers") or {})
        out_headers["x-amzn-RequestId"] = request_id
        return int(response["statusCode"]), out_headers, (response.get("body") or "").encode()


def make_http_server(front_door: FrontDoor, host: str, port: int) -> ThreadingHTTPServer:
    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, a keep-alive client's delayed ACK
        # holds the body back ~40 ms on every request.
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > API_GATEWAY_MAX_BODY:
                status, headers, payload = _json(413, {"message": "Request Too Long"})
                self.close_connection = True
            else:
                body = self.rfile.read(length) if length else b""
                status, headers, payload = front_door.handle(self.command, self.path, dict(self.headers.items()), body)
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in ("content-length", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = _Server((host, port), RequestHandler)
    return server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default backlog of 5 resets bursts of concurrent clients
