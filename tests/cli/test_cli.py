"""The command line as a person (or a script) uses it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.server import server_env

FIXLINE = str(Path(sys.executable).parent / "fixline")


def fixline(args: list[str], env: dict[str, str], stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([FIXLINE, *args], input=stdin, env=env, capture_output=True, timeout=60)


@pytest.mark.slow
def test_scripted_chat_reads_lines_and_exits_cleanly(settings):
    script = b"hi\n1\n2019 Toyota Corolla\nengine light on, shaking at idle, code P0302\n/status\n\xff\xfe\n"
    result = fixline(["chat", "--address", "script-1"], server_env(settings), script)
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert "> I agree" in out  # "1" picked the first button
    assert "Got it: 2019 Toyota (car or van)" in out
    assert "I can't diagnose this yet" in out
    assert "Codes: P0302" in out
    tail = out.split("> \ufffd\ufffd", 1)[1]  # the undecodable line arrived, and was answered
    assert "fixline>" in tail


def test_database_down_is_one_clear_line(tmp_path):
    env = server_env_for_url(tmp_path, "postgresql+psycopg://postgres:secret@127.0.0.1:9/fixline")
    for command in (["migrate"], ["chat"], ["worker", "--once"]):
        result = fixline(command, env, b"hello\n")
        assert result.returncode == 1
        err = result.stderr.decode().strip()
        assert err.startswith("Cannot reach the database at postgresql+psycopg://postgres:***@")
        assert "Traceback" not in err and len(err.splitlines()) == 1


def server_env_for_url(tmp_path: Path, url: str) -> dict[str, str]:
    from fixline.core.settings import Settings

    return server_env(Settings(data_dir=tmp_path, database_url=url))


@pytest.mark.slow
def test_seed_is_idempotent_and_diagnose_prints_json(knowledge_dir, tmp_path):
    import json
    import shutil

    from fixline.core.settings import Settings

    # Its own copy: the embedded Chroma store is not shared between processes.
    data_dir = tmp_path / "data"
    shutil.copytree(knowledge_dir, data_dir)
    env = server_env(Settings(data_dir=data_dir))
    assert fixline(["migrate"], env).returncode == 0
    first = fixline(["seed"], env)
    again = fixline(["seed"], env)
    assert first.returncode == again.returncode == 0
    summary = first.stderr.decode().strip().splitlines()[-1]
    assert "articles" in summary and summary == again.stderr.decode().strip().splitlines()[-1]

    one = fixline(["diagnose", "samsung washer shows 4C and wont fill with water",
                   "--equipment", "Samsung front loader"], env)
    assert one.returncode == 0, one.stderr.decode()
    result = json.loads(one.stdout)
    assert result["codes"] == ["4C"] and result["causes"] and result["latency_ms"] > 0
    assert {"title", "likelihood", "steps", "sources", "safety"} <= set(result["causes"][0])

    lines = b'{"text": "furnace blows cold air", "equipment": "gas furnace"}\nnot json\n'
    many = fixline(["diagnose", "--jsonl"], env, lines)
    out = [json.loads(line) for line in many.stdout.decode().splitlines()]
    assert out[0]["causes"] and out[1]["error"].startswith("not a JSON object")
    assert many.returncode == 1  # one line was refused, and said so


@pytest.mark.slow
def test_train_on_verified_outcomes(settings):
    """Outcomes recorded on cases (the customer's fixed / not fixed) refit the calibrator."""
    import asyncio
    import random

    from sqlalchemy import insert

    from fixline.core.clock import utcnow
    from fixline.core.db import create_engine
    from fixline.core.ids import new_id
    from fixline.dialogs.models import Case

    async def record() -> None:
        rng = random.Random(3)
        db = create_engine(settings)
        rows = []
        for _ in range(40):
            raw = rng.uniform(0.3, 0.95)
            rows.append({"id": new_id(), "customer_id": None, "status": "closed", "category": "car",
                         "equipment": {}, "facts": {}, "confidence": raw,
                         "diagnosis": {"causes": [], "confidence": raw, "raw_confidence": raw},
                         "outcome": "fixed" if rng.random() < raw - 0.2 else "not_fixed",
                         "rating": None, "opened_at": utcnow(), "diagnosed_at": utcnow(),
                         "closed_at": utcnow()})
        async with db.begin() as conn:
            await conn.execute(insert(Case), rows)
        await db.dispose()

    asyncio.run(record())
    picture = settings.data_dir / "reliability.png"
    result = fixline(["train", "--plot", str(picture)], server_env(settings))
    assert result.returncode == 0, result.stderr.decode()
    lines = dict(line.split(": ", 1) for line in result.stdout.decode().splitlines())
    assert lines["samples"] == "40" and 0 < float(lines["accuracy"]) < 1
    assert float(lines["ece_after"]) >= 0
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (settings.data_dir / "calibration.json").exists()


def test_perceive_prints_one_json_line_per_file(tmp_path):
    import json

    from tests.agent.test_perception import display, jpeg

    (tmp_path / "screen.jpg").write_bytes(jpeg(display("E24")))
    (tmp_path / "notes.jpg").write_text("not a photo")
    env = server_env_for_url(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/x.db")
    result = fixline(["perceive", str(tmp_path / "screen.jpg"), str(tmp_path / "notes.jpg")], env)
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert lines[0]["codes"] == [{"code": "E24", "source": "screen.jpg (ocr)"}]
    assert lines[0]["mime"] == "image/jpeg" and lines[0]["latency_ms"] > 0
    assert lines[1]["error"].startswith("I can't use that kind of file")
    assert result.returncode == 1


def test_bots_without_a_token_or_https_say_what_to_set(tmp_path):
    env = server_env_for_url(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/fixline.db")
    result = fixline(["bots", "--polling"], env)
    assert result.returncode == 1
    assert "FIXLINE_TELEGRAM_CUSTOMER_TOKEN" in result.stderr.decode()
    env["FIXLINE_TELEGRAM_CUSTOMER_TOKEN"] = "42:TEST"
    result = fixline(["bots", "set-webhook"], env)
    assert result.returncode == 1
    assert "https://" in result.stderr.decode()
