"""Delivers outbox events to their handlers, at least once, with backoff.

Claiming takes a lease (locked_until) in a short transaction, so several workers can
share the table: on PostgreSQL with FOR UPDATE SKIP LOCKED, on SQLite through the
database's single write lock. A worker that dies mid-delivery leaves a lease that
simply expires; the event is then claimed again, which is why handlers must be
idempotent (they are given the event id to make that easy).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Row, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from fixline.core.clock import utcnow
from fixline.core.db import in_thread
from fixline.core.outbox import Event, OutboxRow
from fixline.core.tasks import cancel_and_wait

log = logging.getLogger(__name__)

Handler = Callable[[Event], Awaitable[None]]


class PermanentFailure(Exception):
    """A handler's way of saying retrying cannot help (the recipient blocked the bot, the
    address does not exist): the event is marked failed at once, with this reason."""


class RetryAfter(Exception):
    """A handler's way of saying "not before `seconds`" (a provider's rate limit)."""

    def __init__(self, seconds: float, reason: str = "rate limited") -> None:
        super().__init__(f"{reason}; retry after {seconds:g} s")
        self.seconds = seconds


class Handlers:
    """Which handlers an event topic goes to; filled by the composition root."""

    def __init__(self) -> None:
        self._by_topic: dict[str, list[Handler]] = {}

    def on(self, topic: str, handler: Handler) -> None:
        self._by_topic.setdefault(topic, []).append(handler)

    def for_topic(self, topic: str) -> list[Handler]:
        return self._by_topic.get(topic, [])

    def subscribed(self, topic: str) -> bool:
        """Whether any handler takes this topic. An event nobody takes is delivered the
        moment it is written, so writers may store it delivered and not wake anyone."""
        return topic in self._by_topic

    def topics(self) -> Iterable[str]:
        return self._by_topic.keys()


def backoff(attempts: int, base: float = 1.0, cap: float = 3600.0) -> timedelta:
    """Exponential backoff: 1 s, 2 s, 4 s … capped at an hour."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


class Dispatcher:
    def __init__(
        self,
        engine: AsyncEngine,
        handlers: Handlers,
        *,
        batch_size: int = 50,
        lease: timedelta = timedelta(seconds=60),
        idle_poll: float = 1.0,
        max_attempts: int = 12,
        backoff_base: float = 1.0,
        coalesce: float = 0.05,
    ) -> None:
        self._engine = engine
        self._handlers = handlers
        self._batch_size = batch_size
        self._lease = lease
        self._idle_poll = idle_poll
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._coalesce = coalesce
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def notify(self) -> None:
        """Something was just committed to the outbox: look now rather than at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Claim and deliver one batch of due events; returns how many were handled."""
        events = await self._claim()
        delivered = [event.id for event in events if await self._deliver(event)]
        if delivered:
            # One write for the whole batch: on SQLite every transaction queues on the
            # database lock that conversation turns need too.
            done = (update(OutboxRow).where(OutboxRow.id.in_(delivered))
                    .values(delivered_at=utcnow(), locked_until=None, last_error=None))
            await in_thread(self._engine, lambda conn: conn.execute(done))
        return len(events)

    async def drain(self, rounds: int = 100) -> None:
        """Deliver until nothing is due (used by tests and by `fixline worker --once`)."""
        for _ in range(rounds):
            if await self.run_once() == 0:
                return

    async def run_forever(self) -> None:
        while True:
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("outbox dispatcher round failed; retrying")
                handled = 0
            if handled == 0:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self._idle_poll)
                    # Let the events of the next few commits join this claim: under load
                    # one claim then serves many turns instead of one each.
                    await asyncio.sleep(self._coalesce)
                except TimeoutError:
                    pass

    def start(self) -> None:
        self._task = asyncio.create_task(self.run_forever(), name="outbox-dispatcher")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _claim(self) -> list[Event]:
        now = utcnow()
        due = (
            select(OutboxRow.id, OutboxRow.topic, OutboxRow.payload, OutboxRow.attempts)
            .where(
                OutboxRow.delivered_at.is_(None),
                OutboxRow.failed_at.is_(None),
                OutboxRow.available_at <= now,
                or_(OutboxRow.locked_until.is_(None), OutboxRow.locked_until < now),
            )
            .order_by(OutboxRow.available_at)
            .limit(self._batch_size)
        )
        if self._engine.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)

        def claim(conn: Connection) -> list[Row[Any]]:
            rows = conn.execute(due).all()
            if rows:
                conn.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id.in_([r.id for r in rows]))
                    .values(locked_until=now + self._lease, attempts=OutboxRow.attempts + 1)
                )
            return rows

        # Each transaction is one thread call: on SQLite a claim holds the write lock the
        # turns need, and with one event-loop round trip per statement a busy loop would
        # stretch that hold to many milliseconds.
        rows = await in_thread(self._engine, claim)
        return [Event(r.topic, r.payload, id=r.id, attempts=r.attempts + 1) for r in rows]

    async def _deliver(self, event: Event) -> bool:
        try:
            for handler in self._handlers.for_topic(event.topic):
                await handler(event)
        except Exception as exc:
            await self._record_failure(event, exc)
            return False
        return True

    async def _record_failure(self, event: Event, exc: Exception) -> None:
        final = isinstance(exc, PermanentFailure) or event.attempts >= self._max_attempts
        log.warning(
            "event %s (%s) failed on attempt %d%s: %s",
            event.id, event.topic, event.attempts, " — giving up" if final else "", exc,
        )
        now = utcnow()
        values: dict[str, object] = {"last_error": f"{type(exc).__name__}: {exc}"[:2000],
                                     "locked_until": None}
        if final:
            values["failed_at"] = now
        else:
            delay = backoff(event.attempts, self._backoff_base)
            if isinstance(exc, RetryAfter):
                delay = max(delay, timedelta(seconds=exc.seconds))
            values["available_at"] = now + delay
        failed = update(OutboxRow).where(OutboxRow.id == event.id).values(**values)
        await in_thread(self._engine, lambda conn: conn.execute(failed))

