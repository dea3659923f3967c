"""`fixline seed` with a progress bar."""

from __future__ import annotations

import asyncio

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from fixline.cli.runtime import DatabaseUnavailable, ensure_database
from fixline.core.db import create_engine
from fixline.core.settings import Settings
from fixline.knowledge.seed import seed_codes, seed_documents
from fixline.knowledge.store import KnowledgeStore

console = Console(stderr=True, soft_wrap=True)


def run_seed(settings: Settings) -> int:
    try:
        codes, obdex = asyncio.run(_codes(settings))
    except DatabaseUnavailable as exc:
        console.print(f"[red]{exc}[/red]")
        return 1
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("indexing expert content", total=None)
        store = KnowledgeStore(settings)
        articles, code_docs = seed_documents(
            store, advance=lambda n: progress.advance(task, n),
            total=lambda n: progress.update(task, total=n))
    source = f", plus {obdex} from the full OBD-II table" if obdex else \
        " (set FIXLINE_OBD_CODES_PATH for the full OBD-II table)"
    console.print(f"seeded {articles} articles and {code_docs} code documents "
                  f"({store.count()} in the index); code book: {codes} codes{source}")
    return 0


async def _codes(settings: Settings) -> tuple[int, int]:
    await ensure_database(settings)
    db = create_engine(settings)
    try:
        return await seed_codes(db, settings.obd_codes_path)
    finally:
        await db.dispose()
