"""The garbage collector in a long-running process.

Everything loaded at start (web framework, SQLAlchemy, the embedding model and the
knowledge index: a few hundred thousand objects) lives as long as the process, yet
CPython's cyclic collector walks all of it at every older-generation collection. Under
load that was a fifth of the server's CPU. Frozen after start, those objects are left
out of every collection. A turn also allocates a few thousand short-lived containers,
and at the default threshold (700) the youngest generation was collected several times
per batch of turns; collecting it every 50,000 allocations costs a few milliseconds now
and then and holds at most a few megabytes of garbage longer.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Call once start-up has loaded what the process keeps for its lifetime."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
