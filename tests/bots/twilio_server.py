"""A local stand-in for what lies beyond our Twilio edge: the REST API's Messages endpoint
(records each real request the twilio client makes, answers like Twilio, fails on demand)
and the media host (credentials checked, a redirect to storage, a 404 for the missing)."""

from __future__ import annotations

import base64
import contextlib
import json
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from twilio.request_validator import RequestValidator


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]
    response_sid: str | None = None  # the SID the fake gave a message it accepted

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        scheme, _, value = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        user, _, password = base64.b64decode(value).decode().partition(":")
        return user, password


@dataclass
class Failure:
    status: int
    code: int
    message: str


class FakeTwilio:
    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.requests: list[Recorded] = []
        self.sent: list[Recorded] = []  # the message creations it accepted
        self._failures: list[Failure] = []
        self._media: dict[str, tuple[bytes, str, float]] = {}
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    # What a test arranges.

    def fail_next(self, status: int, code: int, message: str = "refused", times: int = 1) -> None:
        """The next `times` message creations answer with this Twilio error."""
        with self._lock:
            self._failures.extend(Failure(status, code, message) for _ in range(times))

    def add_media(self, data: bytes, mime: str, delay: float = 0.0) -> str:
        """A MediaUrl as Twilio would put it in a webhook; storage answers after `delay`."""
        sid = "ME" + uuid.uuid4().hex
        self._media[sid] = (data, mime, delay)
        return f"{self.url}{self._media_path(sid)}"

    def missing_media_url(self) -> str:
        return f"{self.url}{self._media_path('ME' + uuid.uuid4().hex)}"

    # What a test reads back.

    @property
    def messages(self) -> list[Recorded]:
        """Every attempt to create a message, accepted or refused, in order."""
        with self._lock:
            return [r for r in self.requests if r.method == "POST" and r.path == self.messages_path]

    @property
    def bodies(self) -> list[str]:
        return [m.form.get("Body", "") for m in self.messages]

    def requests_for(self, url: str) -> list[Recorded]:
        path = urlsplit(url).path
        with self._lock:
            return [r for r in self.requests if r.path == path]

    @property
    def messages_path(self) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    def _media_path(self, sid: str) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/Messages/MM{'0' * 32}/Media/{sid}"

    # Serving.

    def record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def accept(self, request: Recorded) -> None:
        with self._lock:
            self.sent.append(request)

    def next_failure(self) -> Failure | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def authorised(self, request: Recorded) -> bool:
        return request.basic_auth == (self.account_sid, self.auth_token)

    def media(self, path: str) -> tuple[bytes, str, float] | None:
        return self._media.get(path.rsplit("/", 1)[-1])

    @contextmanager
    def running(self) -> Iterator[FakeTwilio]:
        thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(5)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up waiting (the timeout tests) is expected, not a server fault.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


def _handler(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
            request = self._recorded(form)
            if request.path != fake.messages_path:
                return self._json(404, {"code": 20404, "message": "not found", "status": 404})
            if not fake.authorised(request):
                return self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
            failure = fake.next_failure()
            if failure is not None:
                return self._json(failure.status, {
                    "code": failure.code, "message": failure.message, "status": failure.status,
                    "more_info": f"https://www.twilio.com/docs/errors/{failure.code}"})
            sid = "SM" + uuid.uuid4().hex
            fake.accept(replace(request, response_sid=sid))
            return self._json(201, {
                "sid": sid, "account_sid": fake.account_sid,
                "to": form.get("To"), "from": form.get("From"), "body": form.get("Body"),
                "status": "queued", "num_segments": "1", "direction": "outbound-api",
                "date_created": formatdate(usegmt=True), "api_version": "2010-04-01"})

        def do_GET(self) -> None:
            request = self._recorded({})
            if request.path.startswith("/storage/"):
                found = fake.media(request.path)
                if found is None:
                    return self._send(404, b"gone", "text/plain")
                data, mime, delay = found
                time.sleep(delay)
                return self._send(200, data, mime)
            if not fake.authorised(request):
                return self._send(401, b"authenticate", "text/plain")
            if fake.media(request.path) is None:
                return self._json(404, {"code": 20404, "message": "not found", "status": 404})
            # Twilio answers a media URL with a redirect to its storage.
            self.send_response(307)
            self.send_header("Location", f"{fake.url}/storage/{request.path.rsplit('/', 1)[-1]}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _recorded(self, form: dict[str, str]) -> Recorded:
            request = Recorded(self.command, urlsplit(self.path).path,
                               {k.lower(): v for k, v in self.headers.items()}, form)
            fake.record(request)
            return request

        def _json(self, status: int, payload: dict[str, object]) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json")

        def _send(self, status: int, body: bytes, mime: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", mime)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)  # unless the client gave up waiting (a timeout test)

    return Handler


def incoming_form(account_sid: str, sender: str, to: str, body: str = "",
                  media: tuple[tuple[str, str], ...] = (), sid: str | None = None) -> dict[str, str]:
    """The form Twilio posts for an incoming SMS/MMS or WhatsApp message."""
    sid = sid or ("MM" if media else "SM") + uuid.uuid4().hex
    form = {"MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid, "AccountSid": account_sid,
            "MessagingServiceSid": "", "From": sender, "To": to, "Body": body,
            "NumMedia": str(len(media)), "NumSegments": "1", "SmsStatus": "received",
            "ApiVersion": "2010-04-01"}
    for n, (url, mime) in enumerate(media):
        form[f"MediaUrl{n}"] = url
        form[f"MediaContentType{n}"] = mime
    return form


def signature(auth_token: str, url: str, form: dict[str, str]) -> dict[str, str]:
    """The header Twilio signs a webhook with, for the URL it was configured to call."""
    return {"X-Twilio-Signature": RequestValidator(auth_token).compute_signature(url, form)}
