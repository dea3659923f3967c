"""The Twilio REST client, built at the first send (its aiohttp session belongs to the
running event loop) and pointed at FIXLINE_TWILIO_API_URL when that is set."""

from __future__ import annotations

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client


class TwilioRest:
    def __init__(self, account_sid: str, auth_token: str, api_url: str | None = None) -> None:
        self._credentials = (account_sid, auth_token)
        self._api_url = api_url
        self._client: Client | None = None
        self._http: AsyncTwilioHttpClient | None = None

    def client(self) -> Client:
        if self._client is None:
            self._http = AsyncTwilioHttpClient()
            client = Client(*self._credentials, http_client=self._http)
            if self._api_url:
                # Messages live on the "api" domain; its base_url is where every request
                # goes. Edge and region would rewrite that host, so they are off here.
                client.api.base_url = self._api_url.rstrip("/")
                client.edge = client.region = None
            self._client = client
        return self._client

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        self._client = self._http = None
