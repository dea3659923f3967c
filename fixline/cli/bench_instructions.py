"""`fixline bench instructions`: the server's work per turn, counted instead of timed.

Timed figures follow the machine: on a shared two-core machine the same code's turns/s
varies by 20-45 % from one run to the next, more than most single changes are worth.
Here each server runs under valgrind's callgrind with instrumentation switched on only
while a fixed workload runs, after an uncounted warm-up round: the instructions the whole
process executes (every thread) per turn. Two runs of the same code agree within about
1 %, so a change of a few per cent shows. It measures work, not latency: batching under
valgrind's slowdown is coarser than at full speed.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.progress import BarColumn, Progress, TextColumn

from fixline.cli.bench_turns import (
    SCRIPT,
    Measured,
    _conversation,
    _cookie,
    _database,
    _wait_until_up,
    console,
)

STARTUP = 300.0  # seconds: imports run some fifty times slower under valgrind
TURN_TIMEOUT = 600.0


def run(conversations: int, db: str, postgres_url: str) -> int:
    if db not in {"sqlite", "postgres"}:
        console.print("--db is sqlite or postgres")
        return 2
    missing = [tool for tool in ("valgrind", "callgrind_control") if shutil.which(tool) is None]
    if missing:
        console.print(f"{' and '.join(missing)} not found: install Debian's valgrind package "
                      "(`make system-deps` does)")
        return 2
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), console=console) as progress:
        with _database(db, postgres_url) as env:
            fixline = _count(["fixline.cli.serve:make_app", "--factory"], env, conversations,
                             progress, f"fixline ({db})")
        bare = _count(["fixline.cli.bench_echo:app"], dict(os.environ), conversations, progress,
                      "bare echo")
    turns = conversations * len(SCRIPT)
    lines = {
        "db": db,
        "conversations": conversations,
        "turns": turns,
        "errors": fixline.errors + bare.errors,
        "instructions_per_turn": round(fixline.instructions / turns),
        "bare_instructions_per_turn": round(bare.instructions / turns),
        "bare_work_ratio": f"{bare.instructions / fixline.instructions:.3f}",
    }
    for name, value in lines.items():
        print(f"{name}: {value}")
    return 0 if lines["errors"] == 0 else 1


@dataclass
class Counted(Measured):
    instructions: int = 0


def _count(target: list[str], env: dict[str, str], conversations: int, progress: Progress,
           name: str) -> Counted:
    counted = Counted()
    with tempfile.TemporaryDirectory(prefix="fixline-callgrind-") as directory:
        out = Path(directory) / "callgrind.out"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
             sys.executable, "-m", "fixline.cli.server", *target, "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base, server, STARTUP)
            warm = progress.add_task(f"{name}: warm-up", total=conversations * len(SCRIPT))
            asyncio.run(_conversations(base, conversations, Counted(), progress, warm))
            task = progress.add_task(f"{name}: counted", total=conversations * len(SCRIPT))
            cookies = asyncio.run(_cookies(base, conversations))
            _callgrind("-i", "on", server.pid)
            asyncio.run(_conversations(base, conversations, counted, progress, task, cookies))
            time.sleep(1.0)  # what the turns left to the dispatcher
            _callgrind("-i", "off", server.pid)
            _callgrind("-d", server.pid)
        finally:
            server.terminate()
            server.wait(timeout=120)
        counted.instructions = sum(_totals(f) for f in Path(directory).glob("callgrind.out*"))
    return counted


async def _cookies(base: str, count: int) -> list[str]:
    async with httpx.AsyncClient(timeout=TURN_TIMEOUT) as http:
        cookies = []
        for _ in range(count):
            http.cookies.clear()
            cookies.append(await _cookie(http, base))
        return cookies


async def _conversations(base: str, count: int, counted: Counted, progress: Progress,
                         task: object, cookies: list[str] | None = None) -> None:
    cookies = cookies or await _cookies(base, count)

    async def one(cookie: str) -> None:
        try:
            await _conversation(base, cookie, counted, progress, task, patience=TURN_TIMEOUT)
        except Exception:
            counted.errors += 1

    await asyncio.gather(*(one(c) for c in cookies))


def _callgrind(*args: object) -> None:
    subprocess.run(["callgrind_control", *map(str, args)], check=True, capture_output=True)


def _totals(path: Path) -> int:
    """The instruction count of one callgrind dump (its `totals:` line)."""
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    return 0
