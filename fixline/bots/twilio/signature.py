"""X-Twilio-Signature: an HMAC over the URL Twilio called and the form it posted. Behind a
proxy the URL our server sees is not that one, so it is rebuilt from FIXLINE_PUBLIC_URL."""

from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator, get_signature_algorithm

SIGNATURE_HEADER = "X-Twilio-Signature"
SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"


class WebhookSignature:
    def __init__(self, auth_token: str, public_url: str) -> None:
        self._validator = RequestValidator(auth_token)
        self._public_url = public_url.rstrip("/")

    def url(self, path: str, query: str = "") -> str:
        """The URL as Twilio requested it."""
        return self._public_url + path + (f"?{query}" if query else "")

    def valid(self, path: str, query: str, form: Mapping[str, object],
              headers: Mapping[str, str]) -> bool:
        signature = headers.get(SIGNATURE_HEADER)
        if not signature:
            return False
        algorithm = get_signature_algorithm(headers.get(SETTINGS_HEADER))
        return bool(self._validator.validate(self.url(path, query), form, signature, algorithm))
