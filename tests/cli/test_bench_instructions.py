"""`fixline bench instructions`, small: both servers run under callgrind, every turn is
answered, and the counts it prints are the product's work next to the bare echo's."""

from __future__ import annotations

import subprocess

import pytest

from tests.server import BIN


@pytest.mark.slow
def test_bench_instructions_counts_both_servers() -> None:
    done = subprocess.run([str(BIN / "fixline"), "bench", "instructions", "-c", "4"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = dict(line.split(": ", 1) for line in done.stdout.splitlines())
    assert figures["errors"] == "0" and int(figures["turns"]) == 4 * 4
    product, bare = int(figures["instructions_per_turn"]), int(figures["bare_instructions_per_turn"])
    # A durable turn does more than echo a frame; both did real work while counted.
    assert product > bare > 10_000
    assert float(figures["bare_work_ratio"]) == pytest.approx(bare / product, abs=0.001)
