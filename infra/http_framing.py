"""HTTP/1.1 framing for the front door: http.server's request handler, with the request head parsed and
the answer written without its email machinery.

http.server reads a request's headers with the email package's parser and writes an answer header by
header; measured per request on the front door (a request matching no route), that was 36 µs of
Python of which the email parser alone took 14. Here the request line keeps http.server's rules
(400 for a malformed line or version, 505 for HTTP/2+, HTTP/0.9 only for GET, `//` collapsed) and the
header block is split by hand under the same limits (a line at most 65,536 bytes, at most 100 headers:
431 beyond either); the answer leaves in one write.
"""

import re
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

API_GATEWAY_MAX_BODY = 10 * 1024 * 1024
MAX_LINE = 65536  # http.client's _MAXLINE
MAX_HEADERS = 100  # http.client's _MAXHEADERS
# How long a connection may sit silent (between requests or mid-request) before it is closed, as API
# Gateway closes idle client connections. See docs/decisions/0012.
IDLE_TIMEOUT_SECONDS = 310.0
# A chunk size is hex digits and nothing else (RFC 9112 7.1: no sign, no "0x", no spaces); 16 digits
# already say more than the 10 MB cap.
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")


class Headers:
    """A request's headers in arrival order, looked up regardless of case; the first of a repeated
    name wins, as with http.server's message object."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs
        self._first: dict[str, str] = {}
        for name, value in pairs:
            self._first.setdefault(name.lower(), value)

    def get(self, name: str, default: Any = None) -> Any:
        return self._first.get(name.lower(), default)

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)

    def all(self, name: str) -> list[str]:
        key = name.lower()
        return [value for header, value in self._pairs if header.lower() == key]


class BadRequest(Exception):
    """A request whose framing (length, chunks) cannot be read or is over API Gateway's size: answered
    with `status`, connection closed."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class FramedRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_SECONDS  # http.server sets it on the socket; a silent client is disconnected
    # With Nagle on, a keep-alive client's delayed ACK can hold an answer back ~40 ms.
    disable_nagle_algorithm = True
    raw_requestline: bytes  # read by http.server's handle_one_request
    headers: Headers  # type: ignore[assignment]  # not http.server's email message

    def parse_request(self) -> bool:
        self.command = ""
        self.request_version = "HTTP/0.9"
        self.close_connection = True
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if not words:
            return False
        if len(words) >= 3:
            version = words[-1]
            number = _version_number(version)
            if number is None:
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
                return False
            self.request_version = version
            if number >= (2, 0):
                self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"Invalid HTTP version ({version[5:]})")
                return False
            self.close_connection = number < (1, 1)
        if not 2 <= len(words) <= 3:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({self.requestline!r})")
            return False
        self.command, self.path = words[0], words[1]
        if len(words) == 2:
            self.close_connection = True
            if self.command != "GET":
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad HTTP/0.9 request type ({self.command!r})")
                return False
        if self.path.startswith("//"):  # as http.server: "//host" would read as a URL, not a path
            self.path = "/" + self.path.lstrip("/")
        try:
            self.headers = self._read_headers()
        except BadRequest as error:
            self.send_error(error.status, str(error))
            return False
        connection = self.headers.get("Connection", "").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive":
            self.close_connection = False
        if self.headers.get("Expect", "").lower() == "100-continue" and self.request_version >= "HTTP/1.1":
            return self.handle_expect_100()
        return True

    def _read_headers(self) -> Headers:
        pairs: list[tuple[str, str]] = []
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            if len(line) > MAX_LINE:
                raise BadRequest("Line too long", HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
            if line in (b"\r\n", b"\n", b""):
                return Headers(pairs)
            if len(pairs) >= MAX_HEADERS:
                raise BadRequest("Too many headers", HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
            text = line.decode("iso-8859-1")
            if text[0] in " \t" and pairs:  # obsolete line folding: the previous header continues
                name, value = pairs.pop()
                pairs.append((name, f"{value} {text.strip()}"))
                continue
            name, colon, value = text.partition(":")
            if not colon or not name or name != name.strip():
                raise BadRequest(f"malformed header line {text.rstrip()!r}")
            pairs.append((name, value.strip()))

    def read_body(self) -> bytes:
        """The request body by Content-Length or chunked transfer encoding, at most API Gateway's 10 MB.
        A transfer coding other than `chunked` alone (gzip, "xchunked", "gzip, chunked") is refused: 501,
        as HTTP asks of a server that does not implement it."""
        codings = self.headers.all("Transfer-Encoding")
        if codings:
            if [c.strip().lower() for c in codings] != ["chunked"]:
                raise BadRequest(f"Transfer-Encoding {', '.join(codings)!r} is not supported; use chunked", 501)
            return self._read_chunks()
        lengths = set(self.headers.all("Content-Length"))
        if len(lengths) > 1:  # which one frames the body? (RFC 9112 6.3: reject, a smuggling vector)
            raise BadRequest("Content-Length is given twice with different values")
        raw = lengths.pop() if lengths else "0"
        if not _is_decimal(raw):
            raise BadRequest("Content-Length must be a non-negative integer")
        length = int(raw)
        if length > API_GATEWAY_MAX_BODY:
            raise BadRequest("Request Too Long", 413)
        return self.rfile.read(length) if length else b""

    def _read_chunks(self) -> bytes:
        """Strictly framed (RFC 9112 7.1): hex sizes, CRLF after each chunk; the 10 MB cap is checked
        before each chunk is read, so an oversized body is refused without being held."""
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            size_text = line.split(b";", 1)[0].rstrip(b"\r\n").rstrip(b" \t")
            if not line.endswith(b"\n") or not _CHUNK_SIZE.fullmatch(size_text):
                raise BadRequest("malformed chunked body: a chunk size is hex digits")
            size = int(size_text, 16)
            if size == 0:
                for _ in range(MAX_HEADERS + 1):  # trailers, up to the blank line
                    if self.rfile.readline(MAX_LINE + 1) in (b"\r\n", b"\n", b""):
                        return b"".join(chunks)
                raise BadRequest("Too many trailers", HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
            total += size
            if total > API_GATEWAY_MAX_BODY:
                raise BadRequest("Request Too Long", 413)
            chunk = self.rfile.read(size)
            if len(chunk) < size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise BadRequest("malformed chunked body: a chunk does not end where its size says")
            chunks.append(chunk)

    def answer(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        """Status line, headers and body in one write."""
        reason = self.responses.get(status, ("",))[0]
        head = [
            f"{self.protocol_version} {status} {reason}",
            f"Server: {self.version_string()}",
            f"Date: {self.date_time_string()}",
            *(f"{name}: {value}" for name, value in headers.items() if name.lower() not in _FRAMING),
            f"Content-Length: {len(payload)}",
        ]
        if self.close_connection:
            head.append("Connection: close")
        # Header values are Latin-1 on the wire; a character beyond it becomes "?" rather than an exception
        # that would leave the client without an answer.
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1", "replace")
        self.wfile.write(data if self.command == "HEAD" else data + payload)


_FRAMING = frozenset({"content-length", "connection"})  # the answer's own framing decides these


def _version_number(version: str) -> tuple[int, int] | None:
    """(major, minor) of `HTTP/x.y`, or None when it is not one (http.server's rules)."""
    if not version.startswith("HTTP/"):
        return None
    parts = version[5:].split(".")
    if len(parts) != 2 or not all(_is_decimal(p) and len(p) <= 10 for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def _is_decimal(text: str) -> bool:
    """ASCII digits only: str.isdigit() also takes "²", which int() then refuses."""
    return text.isascii() and text.isdigit()
