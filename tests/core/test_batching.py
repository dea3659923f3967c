"""The micro-batcher: what arrives during a batch forms the next one, a caller woken by a
batch gets its follow-up into the very next one, and one bad item fails alone."""

from __future__ import annotations

import asyncio

import pytest

from fixline.core.batching import Batcher


class Recorder:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    async def run(self, items: list[str]) -> list[str]:
        self.batches.append(list(items))
        await asyncio.sleep(0.01)  # the database's turn
        if "bad" in items:
            raise ValueError("bad item")
        return [item.upper() for item in items]


async def test_calls_during_a_batch_form_the_next_one():
    recorder = Recorder()
    batcher = Batcher(recorder.run)
    first = asyncio.ensure_future(batcher.submit("a"))
    await asyncio.sleep(0)
    rest = [asyncio.ensure_future(batcher.submit(x)) for x in ("b", "c")]
    assert await asyncio.gather(first, *rest) == ["A", "B", "C"]
    assert recorder.batches == [["a"], ["b", "c"]]
    await batcher.close()


async def test_a_follow_up_from_a_woken_caller_joins_the_next_batch():
    """A turn that needs a second pass (a diagnosis that is ready at once) must not wait
    for a whole extra batch."""
    recorder = Recorder()
    batcher = Batcher(recorder.run)

    async def two_passes() -> str:
        await batcher.submit("first")
        return await batcher.submit("second")

    caller = asyncio.ensure_future(two_passes())
    await asyncio.sleep(0)
    other = asyncio.ensure_future(batcher.submit("other"))  # arrives while "first" runs
    assert await asyncio.gather(caller, other) == ["SECOND", "OTHER"]
    assert recorder.batches == [["first"], ["other", "second"]]
    await batcher.close()


async def test_a_bad_item_fails_alone():
    recorder = Recorder()
    batcher = Batcher(recorder.run)
    first = asyncio.ensure_future(batcher.submit("a"))
    await asyncio.sleep(0)
    good, bad = (asyncio.ensure_future(batcher.submit(x)) for x in ("b", "bad"))
    assert await first == "A" and await good == "B"
    with pytest.raises(ValueError):
        await bad
    await batcher.close()


async def test_urgent_calls_go_ahead_in_a_batch_of_their_own():
    """A turn's second pass (its diagnosis is ready) finishes before new messages start."""
    recorder = Recorder()
    batcher = Batcher(recorder.run)
    first = asyncio.ensure_future(batcher.submit("a"))
    await asyncio.sleep(0)
    queued = asyncio.ensure_future(batcher.submit("b"))
    await asyncio.sleep(0)
    urgent = asyncio.ensure_future(batcher.submit("second pass", urgent=True))
    assert await asyncio.gather(first, queued, urgent) == ["A", "B", "SECOND PASS"]
    assert recorder.batches == [["a"], ["second pass"], ["b"]]
    await batcher.close()
