"""The web chat session: a random id in a signed cookie.

Kept out of a session middleware on purpose: a middleware wraps every WebSocket frame
sent for the life of the connection, while the id is needed once, at the handshake.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from itsdangerous import BadSignature, TimestampSigner
from starlette.responses import Response

COOKIE = "fixline_session"
MAX_AGE = 60 * 60 * 24 * 365


class SessionCookie:
    def __init__(self, secret: str, *, secure: bool) -> None:
        self._signer = TimestampSigner(secret, salt="fixline.web.session")
        self._secure = secure

    def read(self, cookies: Mapping[str, str]) -> str | None:
        value = cookies.get(COOKIE)
        if not value:
            return None
        try:
            return self._signer.unsign(value, max_age=MAX_AGE).decode()
        except BadSignature:
            return None

    def issue(self, response: Response) -> str:
        sid, value = self.mint()
        response.set_cookie(COOKIE, value, max_age=MAX_AGE, httponly=True, samesite="lax",
                            secure=self._secure)
        return sid

    def mint(self) -> tuple[str, str]:
        """A new session id and the cookie value that carries it."""
        sid = secrets.token_urlsafe(18)
        return sid, self._signer.sign(sid).decode()
