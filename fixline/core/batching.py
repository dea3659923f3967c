"""Micro-batching: calls that arrive while a batch is running form the next batch.

Under load one database round trip then serves many callers; with a single caller it
costs nothing but a task switch. Urgent calls form a batch of their own ahead of the
queue: work already under way finishes before new work starts, which keeps the slowest
answers (a turn that needs a second pass) from waiting behind everyone's next message.

A failing batch is retried item by item, so one bad item fails alone and the others
still get their results.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from fixline.core.tasks import cancel_and_wait

log = logging.getLogger(__name__)
I = TypeVar("I")  # noqa: E741
O = TypeVar("O")  # noqa: E741


@dataclass(eq=False)
class _Call(Generic[I, O]):
    item: I
    future: asyncio.Future[O]


class Batcher(Generic[I, O]):
    def __init__(self, run: Callable[[list[I]], Awaitable[list[O]]], *, max_batch: int = 256,
                 name: str = "batcher") -> None:
        self._run_batch = run
        self._max_batch = max_batch
        self._name = name
        self._queue: list[_Call[I, O]] = []
        self._urgent: list[_Call[I, O]] = []
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: I, urgent: bool = False) -> O:
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = loop.create_task(self._loop(), name=self._name)
        call: _Call[I, O] = _Call(item, loop.create_future())
        (self._urgent if urgent else self._queue).append(call)
        assert self._wake is not None
        self._wake.set()
        return await call.future

    async def close(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _loop(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue or self._urgent:
                queue = self._urgent or self._queue
                batch = queue[: self._max_batch]
                del queue[: self._max_batch]
                await self._run_isolating_failures(batch)
                # One pass of the event loop before cutting the next batch: the callers
                # just answered run first, and a follow-up one of them submits at once
                # (a diagnosis that is ready immediately) joins the next batch instead of
                # waiting for the one after it.
                await asyncio.sleep(0)

    async def _run_isolating_failures(self, batch: list[_Call[I, O]]) -> None:
        try:
            results = await self._run_batch([call.item for call in batch])
        except Exception as exc:
            if len(batch) == 1:
                if not batch[0].future.done():
                    batch[0].future.set_exception(exc)
                return
            for call in batch:
                await self._run_isolating_failures([call])
            return
        for call, result in zip(batch, results, strict=True):
            if not call.future.done():
                call.future.set_result(result)
