"""The local front door answers like API Gateway (REST, proxy integration), over a real socket: every
request, however malformed, gets an HTTP answer with a JSON body."""

import io
import json
import socket
import sys
import threading
from typing import Any, BinaryIO

import pytest

from infra.http_framing import FramedRequestHandler
from package_service.store.tokens import create_token

from .conftest import scan_count


def exchange(port: int, raw: bytes, headers_only: bool = False) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read one HTTP answer (status, headers, body); fails if none comes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        return read_answer(sock.makefile("rb"), headers_only)


def read_answer(stream: BinaryIO, headers_only: bool = False) -> tuple[int, dict[str, str], bytes]:
    """The next HTTP answer on `stream`; fails if the connection closes before it is whole."""
    lines = [stream.readline()]
    while lines[-1] not in (b"\r\n", b""):
        lines.append(stream.readline())
    assert lines[-1] == b"\r\n", f"connection closed without an answer after {b''.join(lines)!r}"
    text = [line.decode("latin-1").rstrip("\r\n") for line in lines[:-1]]
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in text[1:])}
    length = 0 if headers_only else int(headers.get("content-length", "0"))
    body = stream.read(length)
    assert len(body) == length, "connection closed mid-body"
    return int(text[0].split()[1]), headers, body


def request(method: str, path: str, token: str, body: bytes = b"", extra: str = "") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n{extra}"
    return head.encode() + f"Content-Length: {len(body)}\r\n\r\n".encode() + body


def test_a_body_that_is_not_utf8_is_a_400_naming_the_body(door: tuple[int, str]) -> None:
    port, token = door
    before = scan_count()
    status, headers, body = exchange(port, request("POST", "/v1/packages/create", token, b'{"name": "\xff\xfe"}'))
    assert status == 400 and json.loads(body)["message"].startswith("request body:")
    assert headers["content-type"] == "application/json" and scan_count() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [("TRACE", "/v1/packages/list"), ("PUT", "/v1/packages/create"), ("GET", "/v1/packages/list"),
     ("DELETE", "/v1/customers"), ("PROPFIND", "/v1/packages/get"), ("POST", "/nowhere"), ("GET", "/")],
)  # fmt: skip
def test_a_method_or_path_no_route_has_is_api_gateways_403(door: tuple[int, str], method: str, path: str) -> None:
    port, token = door
    status, headers, body = exchange(port, request(method, path, token))
    assert status == 403 and json.loads(body) == {"message": "Missing Authentication Token"}
    assert headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"


def test_an_unknown_path_under_the_proxy_resource_reaches_the_function(door: tuple[int, str]) -> None:
    port, token = door
    status, _, body = exchange(port, request("POST", "/v1/packages/nothing", token, b"{}"))
    assert status == 404 and json.loads(body)["message"] == "no route for POST /v1/packages/nothing"


def test_head_answers_headers_only(door: tuple[int, str]) -> None:
    port, token = door
    status, headers, body = exchange(port, request("HEAD", "/v1/customers", token), headers_only=True)
    assert status == 403 and int(headers["content-length"]) > 0 and body == b""


def test_chunked_bodies_are_read(door: tuple[int, str]) -> None:
    port, token = door
    payload = b'{"name": "Chunked plan"}'
    chunked = f"{len(payload[:10]):x}\r\n".encode() + payload[:10] + b"\r\n"
    chunked += f"{len(payload[10:]):x}\r\n".encode() + payload[10:] + b"\r\n0\r\n\r\n"
    raw = (
        f"POST /v1/packages/create HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode() + chunked
    status, _, body = exchange(port, raw)
    assert status == 200 and "id" in json.loads(body)["data"]


@pytest.mark.parametrize(
    "raw",
    [
        b"POST /v1/packages/create HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n{}",
        b"POST /v1/packages/create HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"POST /v1/packages/create HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        b"POST /v1/packages/create HTTP/1.1\r\nHost: x\r\nContent-Length: 20000000\r\n\r\n",
        b"GARBAGE\r\n\r\n",
        b"GET /v1/customers HTTP/9.9\r\nHost: x\r\n\r\n",
        b"GET /v1/customers HTTP/1.1\r\n" + b"X-Long: " + b"a" * 70000 + b"\r\n\r\n",
        b"GET /v1/customers HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n",
    ],
    ids=["bad-length", "negative-length", "bad-chunk", "over-10MB", "garbage", "bad-version", "huge-header",
         "header-without-colon"],
)  # fmt: skip
def test_malformed_requests_get_a_json_answer(door: tuple[int, str], raw: bytes) -> None:
    port, _ = door
    status, headers, body = exchange(port, raw)
    assert 400 <= status < 500 or status == 505, status  # 505: HTTP Version Not Supported, as HTTP says
    assert headers["content-type"] == "application/json" and "message" in json.loads(body)


def test_concurrent_requests_of_two_tenants_never_see_each_other(door: tuple[int, str]) -> None:
    """The front door serves requests on threads, but runs each function as Lambda does: one invocation
    per execution environment at a time (Powertools keeps the current event on module singletons)."""
    port, acme = door
    globex = create_token("globex", "ci")
    mine = {}
    for token in (acme, globex):
        status, _, body = exchange(port, request("POST", "/v1/packages/create", token, b'{"name": "Plan"}'))
        assert status == 200
        mine[token] = json.loads(body)["data"]["id"]
    seen: list[tuple[str, set[str]]] = []

    def list_packages(token: str) -> None:
        for _ in range(15):
            status, _, body = exchange(port, request("POST", "/v1/packages/list", token, b"{}"))
            assert status == 200
            seen.append((token, {p["id"] for p in json.loads(body)["data"]}))

    threads = [threading.Thread(target=list_packages, args=(t,)) for t in (acme, globex) * 4]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: a race shows at once
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert len(seen) == 120
    assert all(ids == {mine[token]} for token, ids in seen)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"POST /v1/packages/list HTTP/1.1\r\nHost: x\r\nContent-Length: \xb2\r\n\r\n{}", 400),  # "²" isdigit()
        (b"POST /v1/packages/list HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400),
        (b"GET /v1/customers HTTP/1.1\r\nHost : x\r\n\r\n", 400),  # whitespace before the colon
        (b"GET /v1/customers HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(101)) + b"\r\n", 431),
        (b"GET /v1/customers HTTP/\xb9.1\r\nHost: x\r\n\r\n", 400),
        (b"GET /v1/customers HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        (b"POST /v1/customers\r\n\r\n", 400),  # HTTP/0.9 has GET only
        (b"GET /v1/customers HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400),
    ],
    ids=["superscript-length", "two-lengths", "space-before-colon", "101-headers", "superscript-version",
         "http2", "http09-post", "four-words"],
)  # fmt: skip
def test_request_heads_http_refuses_are_answered_with_their_status_in_json(
    door: tuple[int, str], raw: bytes, status: int
) -> None:
    port, _ = door
    got, headers, body = exchange(port, raw)
    assert got == status and headers["connection"] == "close" and "message" in json.loads(body)


def test_folded_header_lines_continue_the_header_before(door: tuple[int, str]) -> None:
    port, token = door
    raw = f"POST /v1/packages/list HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\n {token}\r\nContent-Length: 2\r\n"
    status, _, body = exchange(port, raw.encode() + b"\r\n{}")
    assert status == 200 and "data" in json.loads(body)


def test_keep_alive_follows_the_http_version_and_connection_header(door: tuple[int, str]) -> None:
    port, token = door
    for version, connection, closes in [("1.1", "", False), ("1.1", "close", True), ("1.0", "", True),
                                        ("1.0", "keep-alive", False)]:  # fmt: skip
        extra = f"Connection: {connection}\r\n" if connection else ""
        raw = request("POST", "/v1/packages/list", token, b"{}", extra).replace(b"HTTP/1.1", f"HTTP/{version}".encode())
        status, headers, _ = exchange(port, raw)
        assert status == 200 and (headers.get("connection") == "close") == closes, (version, connection)


def test_pipelined_requests_are_answered_in_order_on_one_connection(door: tuple[int, str]) -> None:
    port, token = door
    first = request("POST", "/v1/packages/create", token, b'{"name": "Pipelined"}')
    second = request("POST", "/v1/packages/list", token, b"{}")
    third = request("POST", "/nowhere", token, b"{}")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(first + second + third)
        stream = sock.makefile("rb")
        statuses = [read_answer(stream)[0] for _ in range(3)]
    assert statuses == [200, 200, 403]


def test_expect_100_continue_is_answered_before_the_body(door: tuple[int, str]) -> None:
    port, token = door
    head = request("POST", "/v1/packages/list", token, extra="Expect: 100-continue\r\n").replace(
        b"Content-Length: 0", b"Content-Length: 2"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        assert sock.recv(1024).startswith(b"HTTP/1.1 100 Continue\r\n")
        sock.sendall(b"{}")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")


def test_a_repeated_header_reaches_the_function_as_api_gateway_passes_it(
    door: tuple[int, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every value in multiValueHeaders, the last one in headers (API Gateway's REST proxy event)."""
    import infra.front_door

    events: list[dict[str, Any]] = []
    real = infra.front_door.invoke

    def recorded(function: str, event: dict[str, Any]) -> Any:
        events.append(event)
        return real(function, event)

    monkeypatch.setattr(infra.front_door, "invoke", recorded)
    port, token = door
    extra = "X-Tag: first\r\nX-Tag: second\r\n"
    status, _, _ = exchange(port, request("POST", "/v1/packages/list", token, b"{}", extra))
    api_event = next(e for e in events if "httpMethod" in e)
    assert status == 200
    assert api_event["multiValueHeaders"]["X-Tag"] == ["first", "second"] and api_event["headers"]["X-Tag"] == "second"


def test_an_answer_header_beyond_latin_1_still_leaves_as_an_answer() -> None:
    """Header values are Latin-1 on the wire; one that is not is sent with "?", not dropped with the answer."""
    handler = FramedRequestHandler.__new__(FramedRequestHandler)
    handler.wfile, handler.close_connection, handler.command = io.BytesIO(), False, "POST"
    handler.answer(200, {"X-Name": "Zoë ☃"}, b"{}")
    head, _, body = handler.wfile.getvalue().partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"X-Name: Zo\xeb ?" in head and body == b"{}"
