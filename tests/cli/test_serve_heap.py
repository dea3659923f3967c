"""`fixline serve` leaves what start-up loaded out of the garbage collector's walks."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from fixline.cli.serve import make_app
from fixline.core.settings import Settings


def test_the_start_up_heap_is_frozen_once_the_server_is_up(tmp_path: Path,
                                                          sqlite_template: Path) -> None:
    shutil.copy(sqlite_template, tmp_path / "fixline.db")
    app = make_app(Settings(data_dir=tmp_path, secret_key="test-secret"))
    default = gc.get_threshold()
    gc.unfreeze()
    try:
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 200
            assert gc.get_freeze_count() > 10_000
            assert gc.get_threshold()[0] > default[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*default)
