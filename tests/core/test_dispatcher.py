"""The outbox: events exist only if their change committed, and are delivered at least
once, with backoff on failure, a final failure recorded, and no double claim."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text, update

from fixline.core.db import session_factory
from fixline.core.dispatcher import Dispatcher, Handlers, backoff
from fixline.core.outbox import OutboxRow, publish
from tests.conftest import count


class Recorder:
    def __init__(self, fail_times: int = 0) -> None:
        self.seen: list[str] = []
        self.fail_times = fail_times

    async def __call__(self, event) -> None:
        if self.fail_times:
            self.fail_times -= 1
            raise ConnectionError("provider down")
        self.seen.append(event.payload["n"])


async def test_event_exists_only_if_the_change_commits(db):
    sessions = session_factory(db)
    with pytest.raises(RuntimeError):
        async with sessions.begin() as session:
            publish(session, "thing.happened", {"n": "lost"})
            await session.flush()
            raise RuntimeError("the change fails")
    async with sessions.begin() as session:
        publish(session, "thing.happened", {"n": "kept"})
    assert await count(db, "SELECT count(*) FROM outbox") == 1


async def test_delivered_once_and_marked(db):
    recorder = Recorder()
    handlers = Handlers()
    handlers.on("thing.happened", recorder)
    async with session_factory(db).begin() as session:
        for n in "abc":
            publish(session, "thing.happened", {"n": n})
    dispatcher = Dispatcher(db, handlers)
    await dispatcher.drain()
    await dispatcher.drain()
    assert sorted(recorder.seen) == ["a", "b", "c"]
    assert await count(db, "SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL") == 3


async def test_failure_is_retried_with_backoff_then_given_up(db):
    recorder = Recorder(fail_times=100)
    handlers = Handlers()
    handlers.on("thing.happened", recorder)
    async with session_factory(db).begin() as session:
        publish(session, "thing.happened", {"n": "x"})
    dispatcher = Dispatcher(db, handlers, max_attempts=3)
    await dispatcher.drain()
    row = await _row(db)
    assert row.attempts == 1 and row.last_error == "ConnectionError: provider down"
    assert row.available_at > row.created_at  # backed off, not retried at once
    for _ in range(2):
        await _make_due(db)
        await dispatcher.drain()
    row = await _row(db)
    assert row.attempts == 3 and row.failed_at is not None and row.delivered_at is None


async def test_recovers_after_transient_failure(db):
    recorder = Recorder(fail_times=1)
    handlers = Handlers()
    handlers.on("thing.happened", recorder)
    async with session_factory(db).begin() as session:
        publish(session, "thing.happened", {"n": "y"})
    dispatcher = Dispatcher(db, handlers)
    await dispatcher.drain()
    await _make_due(db)
    await dispatcher.drain()
    assert recorder.seen == ["y"]


async def test_two_dispatchers_never_deliver_the_same_event_twice(db):
    recorder = Recorder()
    handlers = Handlers()
    handlers.on("thing.happened", recorder)
    async with session_factory(db).begin() as session:
        for n in range(60):
            publish(session, "thing.happened", {"n": str(n)})
    a, b = Dispatcher(db, handlers, batch_size=7), Dispatcher(db, handlers, batch_size=7)
    await asyncio.gather(a.drain(), b.drain())
    assert sorted(recorder.seen, key=int) == [str(n) for n in range(60)]


async def test_expired_lease_is_claimed_again(db):
    recorder = Recorder()
    handlers = Handlers()
    handlers.on("thing.happened", recorder)
    async with session_factory(db).begin() as session:
        publish(session, "thing.happened", {"n": "z"})
    dead = Dispatcher(db, handlers, lease=timedelta(seconds=-1))
    claimed = await dead._claim()  # a worker claims, then dies before delivering
    assert len(claimed) == 1
    await Dispatcher(db, handlers).drain()
    assert recorder.seen == ["z"]


async def test_wakes_up_when_notified(db):
    recorder = Recorder()
    handlers = Handlers()
    handlers.on("thing.happened", recorder)
    dispatcher = Dispatcher(db, handlers, idle_poll=30)
    dispatcher.start()
    await asyncio.sleep(0.1)
    async with session_factory(db).begin() as session:
        publish(session, "thing.happened", {"n": "now"})
    dispatcher.notify()
    for _ in range(50):
        if recorder.seen:
            break
        await asyncio.sleep(0.05)
    await dispatcher.stop()
    assert recorder.seen == ["now"]


def test_backoff_grows_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(40).total_seconds() == 3600


async def _row(db):
    async with db.connect() as conn:
        return (await conn.execute(text("SELECT * FROM outbox"))).one()


async def _make_due(db):
    async with db.begin() as conn:
        await conn.execute(update(OutboxRow).values(available_at=OutboxRow.created_at))
