"""The HTTP side of the emulator: request parsing and routing.

Routes (all on 127.0.0.1):

* ``/api/<method>``      Web API calls (POST or GET; form, JSON or multipart bodies)
* ``/upload/v1/<file>``  upload URLs handed out by ``files.getUploadURLExternal``
* ``/response/<key>``    ``response_url`` endpoints for slash commands and interactivity
* ``/oauth/v2/authorize`` Slack's authorize page: redirects back to the app with a code
"""

from __future__ import annotations

import json
import logging
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

from bot.testing.api import JSON

if TYPE_CHECKING:
    from bot.testing.emulator import SlackEmulator


class HttpAnswer:
    """Status, headers and body of one HTTP response."""

    def __init__(
        self,
        status: int,
        body: bytes | JSON,
        *,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json; charset=utf-8",
    ) -> None:
        self.status = status
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.headers = dict(headers or {})
        self.content_type = content_type


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    """Split a multipart/form-data body into (fields, files)."""
    raw = f"Content-Type: {content_type}\r\n\r\n".encode() + body
    message = BytesParser(policy=HTTP).parsebytes(raw)
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    if not message.is_multipart():
        return fields, files
    for part in message.iter_parts():
        if not isinstance(part, Message):
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is not None:
            files[name] = data
        else:
            fields[name] = data.decode("utf-8", "replace")
    return fields, files


def parse_api_body(content_type: str, body: bytes) -> JSON:
    """Arguments from an API request body (form, JSON or multipart)."""
    ctype = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}
    if ctype == "application/json":
        try:
            parsed = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {"__invalid_json__": True}
        return dict(parsed) if isinstance(parsed, dict) else {"__invalid_json__": True}
    if ctype == "multipart/form-data":
        fields, files = parse_multipart(content_type, body)
        args: JSON = dict(fields)
        args.update(files)
        return args
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    """Routes requests to the owning :class:`SlackEmulator`."""

    emulator: ClassVar[SlackEmulator]
    server_version = "SlackEmulator/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return None

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._route()

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        self._route()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size_line = self.rfile.readline().strip()
                size = int(size_line.split(b";", 1)[0] or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _route(self) -> None:
        url = urlsplit(self.path)
        body = self._read_body()
        path = unquote(url.path)
        content_type = self.headers.get("Content-Type", "")
        try:
            answer = self._dispatch(path, url.query, content_type, body)
        except Exception:  # never drop the connection without an answer
            logging.getLogger(__name__).exception("emulator failed on %s", path)
            answer = HttpAnswer(500, {"ok": False, "error": "internal_error"})
        self._send(answer)

    def _dispatch(self, path: str, query: str, content_type: str, body: bytes) -> HttpAnswer:
        emu = self.emulator
        if path.startswith("/api/"):
            args: JSON = dict(parse_qsl(query, keep_blank_values=True))
            args.update(parse_api_body(content_type, body))
            answer = emu._handle_api(path[len("/api/") :], args, self.headers.get("Authorization"))
        elif path.startswith("/upload/v1/"):
            answer = emu._handle_upload(path[len("/upload/v1/") :], content_type, body)
        elif path.startswith("/response/"):
            answer = emu._handle_response_url(path[len("/response/") :], content_type, body)
        elif path == "/oauth/v2/authorize":
            answer = emu._handle_authorize(query)
        else:
            answer = HttpAnswer(404, b"not found", content_type="text/plain")
        return answer

    def _send(self, answer: HttpAnswer) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        for key, value in answer.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(answer.body)


def make_server(emulator: SlackEmulator, host: str, port: int) -> ThreadingHTTPServer:
    class BoundHandler(EmulatorRequestHandler):
        pass

    BoundHandler.emulator = emulator
    server = ThreadingHTTPServer((host, port), BoundHandler)
    server.daemon_threads = True
    return server
