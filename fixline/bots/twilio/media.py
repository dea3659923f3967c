"""Downloading what a customer attached: Twilio's media URLs need the account's credentials
and answer with a redirect to short-lived storage (httpx drops the credentials when the
redirect leaves Twilio's host)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import httpx

from fixline.dialogs.media_worker import FetchFailed

log = logging.getLogger(__name__)

MAX_BYTES = 25 * 2**20
TIMEOUT = 15.0
TWILIO_HOSTS = ".twilio.com"
COULD_NOT = "I couldn't download the photo or recording you sent. Please try sending it again."
TOO_LARGE = "That file is too large for me (the limit is 25 MB)."


class TwilioFetcher:
    def __init__(self, account_sid: str, auth_token: str, *, api_url: str | None = None,
                 timeout: float = TIMEOUT, max_bytes: int = MAX_BYTES) -> None:
        self._auth = httpx.BasicAuth(account_sid, auth_token)
        self._api_origin = _origin(api_url) if api_url else None
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._client: httpx.AsyncClient | None = None

    async def fetch(self, ref: str) -> bytes:
        if not self._trusted(ref):
            # The account's credentials go only to Twilio (or the API the settings name).
            log.warning("refusing to fetch media from an unexpected host: %s", urlsplit(ref).netloc)
            raise FetchFailed(COULD_NOT)
        try:
            async with self._http().stream("GET", ref) as response:
                if response.status_code != 200:
                    level = logging.ERROR if response.status_code in {401, 403} else logging.INFO
                    log.log(level, "Twilio media answered %d", response.status_code)
                    raise FetchFailed(COULD_NOT)
                return await self._read(response)
        except httpx.HTTPError as exc:  # timeouts, refused connections, too many redirects
            log.info("Twilio media download failed: %s", type(exc).__name__)
            raise FetchFailed(COULD_NOT) from exc

    async def _read(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise FetchFailed(TOO_LARGE)
        data = bytearray()
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) > self._max_bytes:
                raise FetchFailed(TOO_LARGE)
        return bytes(data)

    def _trusted(self, url: str) -> bool:
        parts = urlsplit(url)
        if self._api_origin is not None and _origin(url) == self._api_origin:
            return True
        return parts.scheme == "https" and (parts.hostname or "").endswith(TWILIO_HOSTS)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(auth=self._auth, follow_redirects=True,
                                             timeout=self._timeout)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port
