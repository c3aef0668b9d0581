"""An HTTP front door that behaves like the template's API Gateway REST API.

It matches requests against the template's Api events, runs the TOKEN authorizer (caching its
allow results per token for `ReauthorizeEvery` seconds, as API Gateway does), builds a REST proxy
event and runs the Api function in-process.
"""

import base64
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .http_framing import BadRequest, FramedRequestHandler
from .lambda_runtime import invoke
from .template import authorizer_ttl_seconds, functions

STAGE = "local"
# Lambda's synchronous invocation payload limits, in bytes of the JSON it is handed (the whole event) and
# hands back (the whole proxy response): 6 MiB, and 100 bytes more for the response (measured; see
# docs/decisions/0012). API Gateway answers an event over the limit 413, a response over it 502.
LAMBDA_MAX_EVENT_BYTES = 6 * 1024 * 1024
LAMBDA_MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100


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


def _json(status: int, body: dict[str, Any], **headers: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(body).encode()


# What API Gateway (REST) answers for a path no resource has, or a method its resource does not have.
MISSING_ROUTE = (403, {"message": "Missing Authentication Token"}, "MissingAuthenticationTokenException")


def _proxy_body(body: bytes) -> tuple[str | None, bool]:
    """The proxy event's body: text as it came, or base64 with isBase64Encoded when it is not UTF-8
    (API Gateway passes such a body on encoded rather than garbling it)."""
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def _over(limit: int, body: Any, payload: dict[str, Any]) -> bool:
    """Whether `payload` serialised is over `limit` bytes. Serialised only when its body could make it so
    (JSON escapes a character in at most 6 bytes; the rest of an event is far below 64 KB)."""
    if not isinstance(body, str) or len(body) * 6 + 65536 <= limit:
        return False
    return len(json.dumps(payload, ensure_ascii=False).encode("utf-8", "surrogatepass")) > limit


def _every_value(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    return values


class FrontDoor:
    def __init__(self, authorizer_ttl: int | None = None) -> None:
        self.routes = _routes()
        self.authorizer = AuthorizerCache(authorizer_ttl_seconds() if authorizer_ttl is None else authorizer_ttl)

    def handle(
        self,
        method: str,
        raw_path: str,
        headers: dict[str, str] | list[tuple[str, str]],
        body: bytes,
        source_ip: str = "127.0.0.1",
    ) -> tuple[int, dict[str, str], bytes]:
        """`headers` as they arrived (name, value pairs, a name may repeat), or a dict of them."""
        pairs = list(headers.items()) if isinstance(headers, dict) else headers
        url = urlsplit(raw_path)
        route, match = next(
            ((r, m) for r in self.routes if r.method == method and (m := r.pattern.match(url.path))),
            (None, None),
        )
        if route is None or match is None:
            status, message, error_type = MISSING_ROUTE
            return _json(status, message, **{"x-amzn-ErrorType": error_type})
        request_id = str(uuid.uuid4())
        authorizer: dict[str, Any] = {}
        if route.needs_auth:
            header = next((v for k, v in reversed(pairs) if k.lower() == "authorization"), "")  # the last, as `headers`
            arn = f"arn:aws:execute-api:us-east-1:123456789012:local/{STAGE}/{method}{url.path}"
            context = self.authorizer.authorize(header, arn) if header else None
            if context is None:
                return _json(401, {"message": "Unauthorized"})
            authorizer = context
        query = parse_qs(url.query, keep_blank_values=True)
        text, encoded = _proxy_body(body)
        event = {
            "resource": route.path_template,
            "path": url.path,
            "httpMethod": method,
            # As API Gateway: a repeated header's last value in `headers`, all of them in `multiValueHeaders`.
            "headers": dict(pairs),
            "multiValueHeaders": _every_value(pairs),
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "pathParameters": match.groupdict() or None,
            "stageVariables": None,
            "requestContext": {
                "requestId": request_id,
                "extendedRequestId": request_id,
                "stage": STAGE,
                "httpMethod": method,
                # Served at the root, as API Gateway is behind a custom domain: no stage in the path.
                "path": url.path,
                "resourcePath": route.path_template,
                "requestTimeEpoch": int(time.time() * 1000),
                "accountId": "123456789012",
                "apiId": "local",
                "identity": {
                    "sourceIp": source_ip,
                    "userAgent": next((v for k, v in reversed(pairs) if k.lower() == "user-agent"), None),
                },
                "authorizer": authorizer or None,
            },
            "body": text,
            "isBase64Encoded": encoded,
        }
        if _over(LAMBDA_MAX_EVENT_BYTES, text, event):
            return _json(413, {"message": "Request Too Long"})
        try:
            response = invoke(route.function, event)
        except Exception:  # API Gateway answers 502 when the integration itself fails
            return _json(502, {"message": "Internal server error"})
        if _over(LAMBDA_MAX_RESPONSE_BYTES, response.get("body"), response):
            return _json(502, {"message": "Internal server error"})  # Lambda refused to return it
        out_headers = {k: v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()}
        out_headers.update(response.get("headers") or {})
        out_headers["x-amzn-RequestId"] = request_id
        return int(response["statusCode"]), out_headers, (response.get("body") or "").encode()


def make_http_server(front_door: FrontDoor, host: str, port: int) -> ThreadingHTTPServer:
    class RequestHandler(FramedRequestHandler):
        def _serve(self) -> None:
            try:
                body = self.read_body()
            except BadRequest as error:
                self.close_connection = True  # the rest of the stream cannot be trusted
                self.answer(*_json(error.status, {"message": str(error)}))
                return
            try:
                answer = front_door.handle(self.command, self.path, self.headers.items(), body, self.client_address[0])
            except Exception:  # never leave a client without an answer
                answer = _json(502, {"message": "Internal server error"})
            self.answer(*answer)

        def __getattr__(self, name: str) -> Any:
            # Every method reaches the front door (TRACE, PROPFIND, ...), which answers as API Gateway
            # does for a method no route has, instead of http.server's HTML 501 page.
            if name.startswith("do_"):
                return self._serve
            raise AttributeError(name)

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """Malformed request lines and headers get JSON too, not http.server's HTML page."""
            self.close_connection = True
            self.answer(*_json(code, {"message": message or explain or "Bad Request"}))

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return _Server((host, port), RequestHandler)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default backlog of 5 resets bursts of concurrent clients
