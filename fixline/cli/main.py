"""`fixline`: the command line, and the composition root that wires everything."""

from __future__ import annotations

import asyncio
import getpass
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fixline.core.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Fixline: a conversational diagnostic assistant.")
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks that print `name: value` lines.")
app.add_typer(bench_app, name="bench")
bots_app = typer.Typer(help="The Telegram customer bot.")
app.add_typer(bots_app, name="bots")
console = Console(stderr=True, soft_wrap=True)


def settings() -> Settings:
    return Settings()


def fail(message: str) -> typer.Exit:
    console.print(f"[red]{message}[/red]")
    return typer.Exit(1)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (the only way the schema changes)."""
    from fixline.cli.runtime import DatabaseUnavailable, ensure_database
    from fixline.core.migrate import upgrade

    config = settings()

    try:
        asyncio.run(ensure_database(config))
    except DatabaseUnavailable as exc:
        raise fail(str(exc)) from None
    upgrade(config)
    console.print("database schema is up to date")


@app.command()
def seed() -> None:
    """Load the expert articles and code tables (idempotent: running it twice changes nothing)."""
    from fixline.cli.seeding import run_seed

    raise typer.Exit(run_seed(settings()))


@app.command()
def diagnose(
    description: Annotated[str | None, typer.Argument(help="What the customer says.")] = None,
    equipment: Annotated[str | None, typer.Option(help="E.g. \"2014 Honda Civic\".")] = None,
    jsonl: Annotated[bool, typer.Option(help="Read JSON lines {text, equipment} on stdin.")] = False,
) -> None:
    """Print a diagnosis as JSON, one object per description."""
    from fixline.cli.diagnosing import run_diagnose

    raise typer.Exit(run_diagnose(settings(), description, equipment, jsonl))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes.")] = 1,
) -> None:
    """Serve the web chat (and the in-process outbox dispatcher)."""
    from fixline.cli.server import run

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    console.print(f"Fixline web chat on http://{host}:{port}/")
    run("fixline.cli.serve:make_app", factory=True, host=host, port=port, workers=workers)


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Deliver what is due, then exit.")] = False,
) -> None:
    """Deliver outbox events (a separate process; `serve` also runs one in-process)."""
    from fixline.cli.runtime import DatabaseUnavailable, build, ensure_database

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    async def run() -> None:
        config = settings()
        await ensure_database(config)
        runtime = build(config, diagnosis=False)
        try:
            if once:
                await runtime.dispatcher.drain()
            else:
                from fixline.core import heap

                heap.settle()
                console.print("outbox worker running (Ctrl+C to stop)")
                await runtime.dispatcher.run_forever()
        finally:
            await runtime.close()

    try:
        asyncio.run(run())
    except DatabaseUnavailable as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        pass


@app.command()
def chat(
    address: Annotated[str, typer.Option(help="Who you are in the terminal channel.")] = "",
) -> None:
    """Talk to Fixline in the terminal. When stdin is not a terminal, each line is one
    message and the replies are printed, so a conversation can be scripted."""
    from fixline.cli.terminal import run_chat

    raise typer.Exit(run_chat(settings(), address or getpass.getuser()))


@app.command()
def perceive(files: Annotated[list[Path], typer.Argument(help="Photos (and later recordings).")]) -> None:
    """Read photos of error screens: OCR text, error codes and VINs, one JSON line a file."""
    from fixline.cli.perceiving import run_perceive

    raise typer.Exit(run_perceive(settings(), files))


@app.command()
def train(
    labeled: Annotated[Path | None, typer.Option(help="Labeled JSON lines to add to the outcomes.")] = None,
    plot: Annotated[Path | None, typer.Option(help="Where to write the reliability diagram PNG.")] = None,
) -> None:
    """Refit the confidence calibrator on verified outcomes; print accuracy and ECE."""
    from fixline.cli.training import run_train

    raise typer.Exit(run_train(settings(), labeled, plot))


@bots_app.callback(invoke_without_command=True)
def bots(
    ctx: typer.Context,
    polling: Annotated[bool, typer.Option(help="Long polling (no public URL needed).")] = False,
) -> None:
    """Run the Telegram bot by polling, or set up its webhook (`fixline bots set-webhook`)."""
    if ctx.invoked_subcommand is not None:
        return
    if not polling:
        console.print(ctx.get_help())
        raise typer.Exit(0)
    from fixline.cli.bots import run_polling

    raise typer.Exit(run_polling(settings()))


@bots_app.command("set-webhook")
def bots_set_webhook() -> None:
    """Register FIXLINE_PUBLIC_URL/webhooks/telegram/customer with Telegram, and the command menu."""
    from fixline.cli.bots import run_set_webhook

    raise typer.Exit(run_set_webhook(settings()))


@bench_app.command("diagnose")
def bench_diagnose(
    data: Annotated[str, typer.Option(help="Labeled JSON lines.")] = "tests/data/diagnosis_eval.jsonl",
) -> None:
    """Top-1/top-3 accuracy, safety recall, ECE and latency, against BM25-only and
    vector-only retrieval in the same run."""
    from fixline.cli.bench_diagnose import run

    raise typer.Exit(run(settings(), data))


@bench_app.command("media")
def bench_media(
    repeats: Annotated[int, typer.Option(help="Rendered images per code and condition.")] = 2,
) -> None:
    """Word error rate, spoken codes, and code precision/recall on rendered displays."""
    from fixline.cli.bench_media import run

    raise typer.Exit(run(repeats))


@bench_app.command("turns")
def bench_turns(
    conversations: Annotated[int, typer.Option("--conversations", "-c", min=1)] = 200,
    seconds: Annotated[float, typer.Option(min=0.5, help="How long each slice lasts, on each "
                                                          "server.")] = 4.0,
    slices: Annotated[int, typer.Option(min=1, help="Measured slices per server, product and "
                                                    "echo alternating.")] = 3,
    db: Annotated[str, typer.Option(help="sqlite or postgres")] = "sqlite",
    postgres_url: Annotated[str, typer.Option(help="Server URL for --db postgres.")] =
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    pin: Annotated[bool, typer.Option(help="Server and client on cores of their own.")] = False,
) -> None:
    """Durable conversation turns over the web chat WebSocket against a bare echo."""
    from fixline.cli.bench_turns import run

    raise typer.Exit(run(conversations, seconds, db, postgres_url, pin, slices))


@bench_app.command("instructions")
def bench_instructions(
    conversations: Annotated[int, typer.Option("--conversations", "-c")] = 100,
    db: Annotated[str, typer.Option(help="sqlite or postgres")] = "sqlite",
    postgres_url: Annotated[str, typer.Option(help="Server URL for --db postgres.")] =
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
) -> None:
    """The server's instructions per turn under callgrind, the product against the bare
    echo: work that does not drift with the machine, where `turns` measures time."""
    from fixline.cli.bench_instructions import run

    raise typer.Exit(run(conversations, db, postgres_url))


if __name__ == "__main__":
    app()
