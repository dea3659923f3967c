"""The webhook half every channel shares: store the message first, answer the provider at
once (Telegram and Twilio retry slow endpoints), process it right after, replies through
the outbox. A message whose processing dies here stays unprocessed in the inbox, and the
engine's recovery takes it up again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fixline.dialogs.engine import ConversationEngine
from fixline.dialogs.messages import Inbound

log = logging.getLogger(__name__)

Busy = Callable[[], AbstractAsyncContextManager[object]]


class Intake:
    def __init__(self, engine: ConversationEngine) -> None:
        self._engine = engine
        self._tasks: set[asyncio.Task[None]] = set()

    async def take(self, inbound: Inbound, busy: Busy | None = None) -> bool:
        """Stores the message and starts processing it; False for a redelivered one.
        `busy` wraps the processing (Telegram shows "typing…" meanwhile)."""
        inbox_id = await self._engine.accept(inbound)
        if inbox_id is None:
            log.info("duplicate %s message %s ignored", inbound.channel, inbound.message_id)
            return False

        async def process() -> None:
            try:
                async with busy() if busy else contextlib.nullcontext():
                    await self._engine.process_accepted(inbound, inbox_id)
            except Exception:
                log.exception("processing %s message %s failed; it stays in the inbox",
                              inbound.channel, inbound.message_id)

        # Started in arrival order, so one customer's messages reach the pipeline in order.
        task = asyncio.create_task(process(), name=f"intake-{inbound.channel}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def drain(self) -> None:
        """Waits for the messages taken so far (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))
