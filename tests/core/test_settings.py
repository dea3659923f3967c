from __future__ import annotations

import pytest

from fixline.core.ids import new_id
from fixline.core.settings import Settings, redact_url


def test_defaults_need_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.env == "development"
    assert settings.resolved_database_url == "sqlite+aiosqlite:///var/fixline.db"
    key = settings.resolved_secret_key()
    assert key == Settings().resolved_secret_key()  # kept, so sessions survive a restart


def test_env_prefix_and_openai_key(monkeypatch):
    monkeypatch.setenv("FIXLINE_DATABASE_URL", "postgresql+psycopg://u:pw@db/fixline")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    settings = Settings()
    assert not settings.is_sqlite
    assert settings.openai_api_key.get_secret_value() == "sk-test"
    assert "pw" not in redact_url(settings.resolved_database_url)


def test_production_requires_a_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="FIXLINE_SECRET_KEY"):
        Settings(env="production", data_dir=tmp_path).resolved_secret_key()


def test_ids_sort_in_creation_order():
    ids = [new_id() for _ in range(5000)]
    assert ids == sorted(ids) and len(set(ids)) == 5000
    assert ids[0].version == 7
