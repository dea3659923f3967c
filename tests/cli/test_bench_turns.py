"""`fixline bench turns` end to end, small: both servers come up, every turn is answered,
and it ends with the `name: value` lines the README's figures are read from."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import PG_SERVER
from tests.server import BIN

NAMES = ("turns_per_s", "p50_ms", "p95_ms", "p99_ms", "errors", "bare_turns_per_s",
         "bare_ratio", "peak_rss_mb")


@pytest.mark.slow
@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_bench_turns_prints_its_figures(db: str) -> None:
    url = PG_SERVER.replace("postgresql://", "postgresql+psycopg://")
    done = subprocess.run(
        [str(BIN / "fixline"), "bench", "turns", "-c", "6", "--seconds", "1", "--slices", "2", "--db", db,
         "--postgres-url", url], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = dict(line.split(": ", 1) for line in done.stdout.splitlines())
    assert set(NAMES) <= set(figures)
    assert figures["db"] == db and figures["errors"] == "0"
    assert figures["seconds"] == "2"  # two slices of a second
    assert int(figures["turns"]) >= 6 * 4  # at least a conversation per client in that time
    assert float(figures["turns_per_s"]) > 0 and 0 < float(figures["bare_ratio"])
    slices = [float(r) for r in figures["bare_ratio_slices"].split()]
    assert len(slices) == 2 and min(slices) <= float(figures["bare_ratio"]) + 0.005
    assert float(figures["bare_ratio"]) <= max(slices) + 0.005


def test_bench_turns_refuses_an_empty_measurement() -> None:
    done = subprocess.run([str(BIN / "fixline"), "bench", "turns", "--slices", "0"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--slices" in done.stderr
