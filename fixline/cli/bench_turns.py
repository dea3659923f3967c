"""`fixline bench turns`: durable conversation turns over the web chat WebSocket,
measured against a bare FastAPI WebSocket echo served the same way.

Both servers are up for the whole run and are measured in alternating slices, so the
ratio compares them on the same machine: on a shared two-core machine one run's speed
can differ from the next one's by a third. Every slice lasts the same time for both: with
a fixed number of turns the echo's slices lasted a quarter of the product's, under a
second, and one busy moment of the machine moved the echo's rate, and so the ratio, by a
quarter."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import psycopg
import websockets
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from fixline.web.session import COOKIE, SessionCookie

SCRIPT: list[dict[str, str]] = [
    {"type": "button", "action": "/start"},
    {"type": "button", "action": "consent:yes", "label": "I agree"},
    {"type": "message", "text": "2015 Bosch dishwasher"},
    {"type": "message", "text": "it shows E24 and there is dirty water left in the bottom"},
]
SLICES = 3  # measured slices per server, alternating
WARM_UP = 2.0  # seconds on each server before the measured slices, not counted
# Each slice starts with its clients all connecting at once; turns are counted from this
# long after, when the servers run steadily, so the start costs both the same (nothing).
SETTLE = 0.5  # seconds
SECRET = "bench"  # the servers' session key: the client signs its own session cookies
console = Console(stderr=True)


@dataclass(eq=False)
class Measured:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    peak_rss_mb: float = 0.0

    def add(self, other: Measured) -> None:
        self.latencies.extend(other.latencies)
        self.errors += other.errors
        self.seconds += other.seconds
        self.peak_rss_mb = max(self.peak_rss_mb, other.peak_rss_mb)

    @property
    def turns_per_s(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def run(conversations: int, seconds: float, db: str, postgres_url: str, pin: bool = False,
        slices: int = SLICES) -> int:
    if db not in {"sqlite", "postgres"}:
        console.print("--db is sqlite or postgres")
        return 2
    cores = _cores(pin)
    fixline, bare = Measured(), Measured()
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed:.0f}/{task.total:.0f} s"), console=console) as progress, \
            _database(db, postgres_url) as env, \
            _server(["fixline.cli.serve:make_app", "--factory"], env, cores) as product, \
            _server(["fixline.cli.bench_echo:app"], _environment(), cores) as echo:
        runs = {fixline: (f"fixline ({db})", *product), bare: ("bare echo", *echo)}
        # A while first, not counted, on each server: what a server pays once (first use
        # of code paths, connection pools, statement caches) is not a turn's cost.
        for name, base, pid in runs.values():
            warm = progress.add_task(f"{name}: warm-up", total=WARM_UP)
            asyncio.run(_drive(base, pid, conversations, WARM_UP, progress, warm))
        # Then the two in turns, a slice each, so that both see the same machine: a
        # shared machine's speed drifts by tens of per cent within a minute.
        tasks = {m: progress.add_task(name, total=seconds * slices)
                 for m, (name, _, _) in runs.items()}
        slice_ratios = []
        for _ in range(slices):
            pair = {measured: asyncio.run(_drive(base, pid, conversations, seconds, progress,
                                                 tasks[measured]))
                    for measured, (_, base, pid) in runs.items()}
            for measured, part in pair.items():
                measured.add(part)
            slice_ratios.append(_ratio(pair[fixline], pair[bare]))
    ratio = _ratio(fixline, bare)
    lines = {
        "db": db,
        "pinned": "yes" if cores else "no",
        "conversations": conversations,
        "seconds": f"{fixline.seconds:.0f}",
        "turns": len(fixline.latencies),
        "turns_per_s": f"{fixline.turns_per_s:.0f}",
        "p50_ms": f"{fixline.percentile(0.50):.1f}",
        "p95_ms": f"{fixline.percentile(0.95):.1f}",
        "p99_ms": f"{fixline.percentile(0.99):.1f}",
        "errors": fixline.errors,
        "bare_turns_per_s": f"{bare.turns_per_s:.0f}",
        "bare_p95_ms": f"{bare.percentile(0.95):.1f}",
        "bare_ratio": f"{ratio:.2f}",
        # Each slice pair ran back to back: their spread is the machine's drift within
        # this run, the yardstick for telling a change from noise.
        "bare_ratio_slices": " ".join(f"{r:.2f}" for r in slice_ratios),
        "peak_rss_mb": f"{fixline.peak_rss_mb:.0f}",
    }
    for name, value in lines.items():
        print(f"{name}: {value}")
    return 0 if fixline.errors == 0 else 1


def _ratio(product: Measured, bare: Measured) -> float:
    return product.turns_per_s / bare.turns_per_s if bare.turns_per_s else 0.0


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIXLINE_")}
    env["FIXLINE_SECRET_KEY"] = SECRET
    return env


@contextmanager
def _database(db: str, postgres_url: str) -> Iterator[dict[str, str]]:
    env = _environment()
    data_dir = Path(tempfile.mkdtemp(prefix="fixline-bench-"))
    env["FIXLINE_DATA_DIR"] = str(data_dir)
    name = None
    try:
        if db == "postgres":
            name = f"fixline_bench_{uuid.uuid4().hex[:8]}"
            admin = postgres_url.replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            env["FIXLINE_DATABASE_URL"] = postgres_url.rsplit("/", 1)[0] + f"/{name}"
        subprocess.run([sys.executable, "-m", "fixline.cli.main", "migrate"], env=env, check=True,
                       capture_output=True)
        yield env
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if name:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _cores(pin: bool) -> tuple[set[int], set[int]] | None:
    """(server cores, client cores): with two or more cores the server process and this
    client each get their own, so the client's own work (200 sockets in Python) does not
    eat into the server being measured; the bare echo is measured the same way."""
    available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if not pin or len(available) < 2:
        return None
    return {available[0]}, set(available[1:])


@contextmanager
def _server(target: list[str], env: dict[str, str],
            cores: tuple[set[int], set[int]] | None = None) -> Iterator[tuple[str, int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "fixline.cli.server", *target, "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    if cores:
        os.sched_setaffinity(process.pid, cores[0])
        os.sched_setaffinity(0, cores[1])
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, 30)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=15)
        if cores:
            os.sched_setaffinity(0, cores[0] | cores[1])


def _wait_until_up(base: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    """Until the server answers its health check; its error output if it dies first."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(process.stderr.read().decode() if process.stderr else "no server")
        time.sleep(0.1)


async def _drive(base: str, pid: int, conversations: int, seconds: float, progress: Progress,
                 task: object) -> Measured:
    """C clients, each running one new conversation after another; counts the turns
    answered in the `seconds` that follow a settling time (`SETTLE`)."""
    measured = Measured()
    # Each conversation is a new browser with a session cookie of its own, as the page
    # would set it; signed here, so no request of ours that is not a turn runs meanwhile.
    sessions = SessionCookie(SECRET, secure=False)
    server = psutil.Process(pid)
    done = asyncio.Event()
    start = next(t.completed for t in progress.tasks if t.id == task)

    async def sample() -> None:
        while not done.is_set():
            measured.peak_rss_mb = max(measured.peak_rss_mb, server.memory_info().rss / 2**20)
            elapsed = min(seconds, max(0.0, time.perf_counter() - counted_from))
            progress.update(task, completed=start + elapsed)  # type: ignore[arg-type]
            await asyncio.sleep(0.2)

    async def client() -> None:
        while time.perf_counter() < deadline:
            cookie = f"{COOKIE}={sessions.mint()[1]}"
            try:
                await _conversation(base, cookie, measured, counted_from=counted_from,
                                    deadline=deadline)
            except Exception:
                measured.errors += 1

    counted_from = time.perf_counter() + SETTLE
    deadline = counted_from + seconds
    sampler = asyncio.create_task(sample())
    await asyncio.gather(*(client() for _ in range(conversations)))
    measured.seconds = seconds
    done.set()
    await sampler
    progress.update(task, completed=start + seconds)  # type: ignore[arg-type]
    return measured


async def _cookie(http: httpx.AsyncClient, base: str) -> str:
    response = await http.get(base + "/")
    value = response.cookies.get("fixline_session")
    return f"fixline_session={value}" if value else ""


async def _conversation(base: str, cookie: str, measured: Measured,
                        progress: Progress | None = None, task: object = None,
                        patience: float = 60, counted_from: float = 0.0,
                        deadline: float = float("inf")) -> None:
    """One conversation through the script; a turn counts if its answer came between
    `counted_from` and `deadline`, and none starts after the deadline."""
    headers = {"Cookie": cookie} if cookie else {}
    # No keepalive pings: they are not turns, and a server slowed down on purpose (the
    # instruction count runs it under valgrind) must not be dropped for answering late.
    # No proxy lookup either: websockets reads the proxy settings of the environment on
    # every connect, which cost this client more than a turn's worth of its own work.
    async with websockets.connect(base.replace("http", "ws") + "/ws/chat", additional_headers=headers,
                                  open_timeout=patience, ping_interval=None, proxy=None) as ws:
        json.loads(await ws.recv())  # history
        for frame in SCRIPT:
            started = time.perf_counter()
            if started >= deadline:
                return
            await ws.send(json.dumps(frame))
            while True:
                async with asyncio.timeout(patience):  # wait_for would start a task per frame
                    reply = json.loads(await ws.recv())
                if reply["type"] == "message":
                    break
                if reply["type"] == "error":
                    measured.errors += 1
                    break
            answered = time.perf_counter()
            if answered > deadline:
                return
            if answered < counted_from:
                continue
            measured.latencies.append(answered - started)
            if progress is not None:
                progress.advance(task)  # type: ignore[arg-type]
