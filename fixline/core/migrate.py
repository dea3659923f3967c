"""Running the Alembic migrations from code (`fixline migrate`, tests, `make run`)."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alembic import command
from fixline.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(settings: Settings) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["settings"] = settings
    config.attributes["quiet"] = True
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)
