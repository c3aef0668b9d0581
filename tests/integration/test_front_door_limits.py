"""The front door's framing and size limits are API Gateway's and Lambda's: strict chunked framing, no
other transfer coding, 10 MB read at most, Lambda's 6 MB event and response, an idle timeout."""

import json
import socket
import time
from typing import Any

import pytest

import infra.front_door
from infra.front_door import LAMBDA_MAX_EVENT_BYTES, LAMBDA_MAX_RESPONSE_BYTES
from infra.http_framing import API_GATEWAY_MAX_BODY, FramedRequestHandler

from .conftest import scan_count
from .test_front_door import exchange, read_answer, request


@pytest.fixture
def invocations(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The Api function's events, as the front door hands them over."""
    events: list[dict[str, Any]] = []
    real = infra.front_door.invoke

    def recorded(function: str, event: dict[str, Any]) -> Any:
        if "httpMethod" in event:
            events.append(event)
        return real(function, event)

    monkeypatch.setattr(infra.front_door, "invoke", recorded)
    return events


def chunked_head(token: str, coding: str = "chunked") -> bytes:
    return (
        f"POST /v1/packages/create HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        f"Transfer-Encoding: {coding}\r\n\r\n"
    ).encode()


@pytest.mark.parametrize("size", [b"-1", b"+2", b"0x2", b" 2", b"2z", b"", b"1" * 17])
def test_a_chunk_size_that_is_not_plain_hex_is_refused_without_reading_on(
    door: tuple[int, str], invocations: list[dict[str, Any]], size: bytes
) -> None:
    """`-1` used to read to the end of the stream (memory past the 10 MB cap): the answer must come while
    the client keeps its side open."""
    port, token = door
    before = scan_count()
    status, headers, body = exchange(port, chunked_head(token) + size + b'\r\n{"name": "x"}\r\n0\r\n\r\n')
    assert status == 400 and "chunk" in json.loads(body)["message"] and headers["connection"] == "close"
    assert invocations == [] and scan_count() == before


def test_a_chunk_longer_than_its_size_is_refused(door: tuple[int, str], invocations: list[dict[str, Any]]) -> None:
    port, token = door
    status, _, _ = exchange(port, chunked_head(token) + b'5\r\n{"name": "x"}\r\n0\r\n\r\n')
    assert status == 400 and invocations == []


@pytest.mark.parametrize("coding", ["xchunked", "gzip", "gzip, chunked", "chunked, chunked", "identity"])
def test_a_transfer_coding_other_than_chunked_is_refused(
    door: tuple[int, str], invocations: list[dict[str, Any]], coding: str
) -> None:
    port, token = door
    status, _, body = exchange(port, chunked_head(token, coding) + b'd\r\n{"name": "x"}\r\n0\r\n\r\n')
    assert status == 501 and "Transfer-Encoding" in json.loads(body)["message"] and invocations == []


def test_a_chunked_body_over_10_mb_is_refused_before_it_is_read(door: tuple[int, str]) -> None:
    """The chunk announcing the 10 MB overflow is refused on its size line; none of its bytes are sent."""
    port, token = door
    raw = chunked_head(token) + b"%x\r\n" % (API_GATEWAY_MAX_BODY + 1)
    status, _, body = exchange(port, raw)
    assert status == 413 and json.loads(body) == {"message": "Request Too Long"}


def test_a_body_over_lambdas_6_mb_event_limit_is_api_gateways_413(
    door: tuple[int, str], invocations: list[dict[str, Any]]
) -> None:
    port, token = door
    body = b'{"name": "' + b"a" * (LAMBDA_MAX_EVENT_BYTES + 1) + b'"}'
    status, _, answer = exchange(port, request("POST", "/v1/packages/create", token, body))
    assert status == 413 and json.loads(answer) == {"message": "Request Too Long"} and invocations == []


def _answers_of(monkeypatch: pytest.MonkeyPatch, characters: int) -> None:
    """The Api function answers a `data` string of `characters` characters, whatever it is asked."""
    real = infra.front_door.invoke

    def sized(function: str, event: dict[str, Any]) -> Any:
        answer = real(function, event)
        if "httpMethod" in event:
            answer["body"] = json.dumps({"data": "a" * characters})
        return answer

    monkeypatch.setattr(infra.front_door, "invoke", sized)


def test_an_answer_over_lambdas_6_mb_response_limit_is_api_gateways_502(
    door: tuple[int, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, token = door
    _answers_of(monkeypatch, LAMBDA_MAX_RESPONSE_BYTES)
    status, _, answer = exchange(port, request("POST", "/v1/packages/list", token, b"{}"))
    assert status == 502 and json.loads(answer) == {"message": "Internal server error"}


def test_an_answer_just_under_the_response_limit_is_passed_on(
    door: tuple[int, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, token = door
    _answers_of(monkeypatch, LAMBDA_MAX_RESPONSE_BYTES - 4096)
    status, _, answer = exchange(port, request("POST", "/v1/packages/list", token, b"{}"))
    assert status == 200 and len(answer) > LAMBDA_MAX_RESPONSE_BYTES - 8192


@pytest.mark.parametrize("partial", [b"", b"POST /v1/packages/list HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{"])
def test_an_idle_connection_is_closed_after_the_idle_timeout(
    door: tuple[int, str], monkeypatch: pytest.MonkeyPatch, partial: bytes
) -> None:
    """Silent before a request, or in the middle of one: the connection is closed, not held forever."""
    monkeypatch.setattr(FramedRequestHandler, "timeout", 0.3)
    port, _ = door
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(partial)
        started = time.monotonic()
        assert sock.recv(1024) == b""  # closed by the server
        assert time.monotonic() - started < 5


def test_a_connection_in_use_is_not_closed_by_the_idle_timeout(
    door: tuple[int, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FramedRequestHandler, "timeout", 0.5)
    port, token = door
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        stream = sock.makefile("rb")
        for _ in range(4):
            sock.sendall(request("POST", "/v1/packages/list", token, b"{}"))
            assert read_answer(stream)[0] == 200
            time.sleep(0.2)
