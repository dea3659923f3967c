"""`fixline bench turns`: durable conversation turns over the web chat WebSocket,
measured against a bare FastAPI WebSocket echo served the same way.

Both servers are up for the whole run and are measured in alternating slices, so the
ratio compares them on the same machine: on a shared two-core machine one run's speed
can differ from the next one's by a third."""

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
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

import httpx
import psutil
import psycopg
import websockets
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

SCRIPT: list[dict[str, str]] = [
    {"type": "button", "action": "/start"},
    {"type": "button", "action": "consent:yes", "label": "I agree"},
    {"type": "message", "text": "2015 Bosch dishwasher"},
    {"type": "message", "text": "it shows E24 and there is dirty water left in the bottom"},
]
SLICES = 3  # measured slices per server, alternating
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


def run(conversations: int, rounds: int, db: str, postgres_url: str, pin: bool = False,
        slices: int = SLICES) -> int:
    if db not in {"sqlite", "postgres"}:
        console.print("--db is sqlite or postgres")
        return 2
    cores = _cores(pin)
    fixline, bare = Measured(), Measured()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeRemainingColumn(), console=console) as progress, \
            _database(db, postgres_url) as env, \
            _server(["fixline.cli.serve:make_app", "--factory"], env, cores) as product, \
            _server(["fixline.cli.bench_echo:app"], dict(os.environ), cores) as echo:
        per_turn = conversations * len(SCRIPT)
        runs = {fixline: (f"fixline ({db})", *product), bare: ("bare echo", *echo)}
        # A round first, not counted, on each server: what a server pays once (first use
        # of code paths, connection pools, statement caches) is not a turn's cost.
        for name, base, pid in runs.values():
            warm = progress.add_task(f"{name}: warm-up", total=per_turn)
            asyncio.run(_drive(base, pid, conversations, 1, progress, warm))
        # Then the two in turns, a slice each, so that both see the same machine: a
        # shared machine's speed drifts by tens of per cent within a minute.
        tasks = {m: progress.add_task(name, total=per_turn * rounds * slices)
                 for m, (name, _, _) in runs.items()}
        slice_ratios = []
        for _ in range(slices):
            pair = {measured: asyncio.run(_drive(base, pid, conversations, rounds, progress,
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


@contextmanager
def _database(db: str, postgres_url: str) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIXLINE_")}
    data_dir = Path(tempfile.mkdtemp(prefix="fixline-bench-"))
    env["FIXLINE_DATA_DIR"] = str(data_dir)
    env["FIXLINE_SECRET_KEY"] = "bench"
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


async def _drive(base: str, pid: int, conversations: int, rounds: int, progress: Progress,
                 task: object) -> Measured:
    measured = Measured()
    limits = httpx.Limits(max_connections=50)
    # Each conversation is a new browser: the client must not send one session's cookie back.
    no_jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    # A few requests at a time: httpx's pool rescans every waiting request whenever a
    # connection frees up, so thousands queued at once take minutes, then time out.
    gate = asyncio.Semaphore(100)

    async def cookie() -> str:
        async with gate:
            return await _cookie(http, base)

    async with httpx.AsyncClient(limits=limits, cookies=no_jar, timeout=60) as http:
        cookies = await asyncio.gather(*(cookie() for _ in range(conversations * rounds)))
    server = psutil.Process(pid)
    done = asyncio.Event()

    async def sample_rss() -> None:
        while not done.is_set():
            measured.peak_rss_mb = max(measured.peak_rss_mb, server.memory_info().rss / 2**20)
            await asyncio.sleep(0.2)

    async def client(index: int) -> None:
        for r in range(rounds):
            cookie = cookies[index * rounds + r]
            try:
                await _conversation(base, cookie, measured, progress, task)
            except Exception:
                measured.errors += 1

    sampler = asyncio.create_task(sample_rss())
    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(conversations)))
    measured.seconds = time.perf_counter() - started
    done.set()
    await sampler
    return measured


async def _cookie(http: httpx.AsyncClient, base: str) -> str:
    response = await http.get(base + "/")
    value = response.cookies.get("fixline_session")
    return f"fixline_session={value}" if value else ""


async def _conversation(base: str, cookie: str, measured: Measured, progress: Progress,
                        task: object, patience: float = 60) -> None:
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
            await ws.send(json.dumps(frame))
            while True:
                async with asyncio.timeout(patience):  # wait_for would start a task per frame
                    reply = json.loads(await ws.recv())
                if reply["type"] == "message":
                    break
                if reply["type"] == "error":
                    measured.errors += 1
                    break
            measured.latencies.append(time.perf_counter() - started)
            progress.advance(task)  # type: ignore[arg-type]
