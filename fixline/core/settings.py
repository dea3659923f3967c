"""One typed settings object, read once at start and passed in (never os.environ deep inside)."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FIXLINE_", env_file=".env", extra="ignore", populate_by_name=True
    )

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("var")
    database_url: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    secret_key: SecretStr | None = None

    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "FIXLINE_OPENAI_API_KEY")
    )

    chroma_host: str | None = None
    chroma_port: int = 8000
    obd_codes_path: Path | None = None

    telegram_customer_token: SecretStr | None = None
    telegram_expert_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_url: str | None = None

    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from_sms: str | None = None
    twilio_from_whatsapp: str | None = None
    twilio_api_url: str | None = None

    stripe_api_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_url: str | None = None

    redis_url: str | None = None

    # Conversation limits: a customer's text longer than this is truncated with a notice.
    max_text_chars: int = 4000
    max_follow_ups: int = 2
    # Flood control per channel identity: past this, messages are kept but not answered.
    messages_per_minute: int = 30

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'fixline.db').as_posix()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def resolved_secret_key(self) -> str:
        """The signing key for cookies.

        Production must set one; in development a key is generated once and kept in the
        data directory, so sessions survive a restart.
        """
        if self.secret_key:
            return self.secret_key.get_secret_value()
        if self.env == "production":
            raise RuntimeError("FIXLINE_SECRET_KEY must be set when FIXLINE_ENV=production")
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()


def redact_url(url: str) -> str:
    """A database URL fit for a log line: the password replaced."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
