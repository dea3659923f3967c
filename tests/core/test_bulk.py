"""Rows written through `Bulk` are stored exactly as `Connection.execute` stores them."""

from __future__ import annotations

import pickle
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from fixline.core.bulk import Bulk
from fixline.core.db import in_thread
from fixline.core.ids import new_id
from fixline.core.outbox import OutboxRow
from fixline.dialogs.models import Case

outbox = OutboxRow.__table__


def _row(topic: str) -> dict[str, object]:
    now = datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=UTC)
    return {"id": new_id(), "topic": topic, "created_at": now, "available_at": now,
            "attempts": 0, "payload": {"text": "Grüße 🔧", "codes": ["E24"], "n": 1.5,
                                       "nested": {"none": None},
                                       "by_number": {1: "one"}}}  # a key JSON writes as "1"


async def test_bulk_rows_match_what_execute_stores(db):
    via_execute, via_bulk = _row("execute"), _row("bulk")
    insert_event = Bulk.insert(outbox, list(via_bulk))

    def write(conn):
        conn.execute(outbox.insert(), [via_execute])
        return insert_event.execute(conn, [via_bulk])

    assert await in_thread(db, write) == 1
    async with db.connect() as conn:
        raw = (await conn.execute(text(
            "SELECT topic, CAST(payload AS TEXT), CAST(created_at AS TEXT), "
            "CAST(id AS TEXT) FROM outbox ORDER BY topic"))).all()
    by_topic = {r[0]: r[1:] for r in raw}
    assert by_topic["bulk"][:2] == by_topic["execute"][:2]  # payload and timestamp, to the byte
    assert by_topic["bulk"][2] != by_topic["execute"][2]
    assert str(via_bulk["id"]).replace("-", "") in by_topic["bulk"][2].replace("-", "")


async def test_bulk_update_reports_rows_touched(db):
    rows = [_row("a"), _row("b")]
    insert_event = Bulk.insert(outbox, list(rows[0]))
    retry = Bulk.update(outbox, ["attempts"], match={"id": "id"})

    def write(conn):
        insert_event.execute(conn, rows)
        return retry.execute(conn, [{"id": rows[0]["id"], "attempts": 3},
                                    {"id": new_id(), "attempts": 3}])

    assert await in_thread(db, write) == 1


async def test_bulk_matches_every_column_it_is_given(db):
    """A versioned update touches only rows still at the version the row names."""
    rows = [_row("a"), _row("b")]
    bump = Bulk.update(outbox, ["attempts"], match={"id": "id", "attempts": "seen"})

    def write(conn):
        Bulk.insert(outbox, list(rows[0])).execute(conn, rows)
        return bump.execute(conn, [{"id": rows[0]["id"], "seen": 0, "attempts": 1},
                                   {"id": rows[1]["id"], "seen": 5, "attempts": 6}])

    assert await in_thread(db, write) == 1
    async with db.connect() as conn:
        attempts = dict((await conn.execute(text("SELECT topic, attempts FROM outbox"))).all())
    assert attempts == {"a": 1, "b": 0}


async def test_a_json_none_is_stored_as_execute_stores_it(db):
    via_execute, via_bulk = _row("execute"), _row("bulk")
    via_execute["payload"] = via_bulk["payload"] = None

    def write(conn):
        conn.execute(outbox.insert(), [via_execute])
        return Bulk.insert(outbox, list(via_bulk)).execute(conn, [via_bulk])

    await in_thread(db, write)
    async with db.connect() as conn:
        raw = dict((await conn.execute(text(
            "SELECT topic, CAST(payload AS TEXT) FROM outbox"))).all())
    assert raw["bulk"] == raw["execute"]


async def test_a_row_missing_a_column_is_refused_not_stored_as_null(db):
    row = _row("short")
    del row["available_at"]
    insert_event = Bulk.insert(outbox, ["id", "topic", "payload", "created_at", "available_at",
                                        "attempts"])
    with pytest.raises(KeyError):
        await in_thread(db, lambda conn: insert_event.execute(conn, [row]))


async def test_a_naive_datetime_is_refused(db):
    row = _row("naive")
    row["created_at"] = datetime(2026, 12, 1, 9, 30)
    with pytest.raises(Exception, match="naive"):
        await in_thread(db, lambda conn: Bulk.insert(outbox, list(row)).execute(conn, [row]))


async def test_a_float_json_cannot_carry_is_refused_not_stored_as_null(db):
    """PostgreSQL stores NaN, JSON cannot carry it; SQLite's own driver stores it as NULL."""
    if db.dialect.name != "postgresql":
        pytest.skip("the JSON route is PostgreSQL's")
    cases = Case.__table__
    row = {c.name: None for c in cases.c} | {
        "id": new_id(), "status": "open", "equipment": {}, "facts": {},
        "opened_at": datetime(2026, 12, 1, 9, 30, tzinfo=UTC), "confidence": float("nan")}
    with pytest.raises(ValueError, match="confidence"):
        await in_thread(db, lambda conn: Bulk.insert(cases).execute(conn, [row]))


def test_new_ids_are_the_uuids_the_standard_library_makes():
    made = [new_id() for _ in range(1000)]
    for value in made:
        same = uuid.UUID(int=value.int)
        assert value == same and hash(value) == hash(same) and str(value) == str(same)
        assert value.version == 7 and value.variant == uuid.RFC_4122
        assert value.is_safe == same.is_safe
        assert pickle.loads(pickle.dumps(value)) == value
    assert made == sorted(made) and len(set(made)) == len(made)


async def test_fetch_returns_only_the_rows_that_went_in(db):
    """A row meeting a unique constraint is skipped and not returned: the caller learns
    which rows another writer had stored first."""
    earlier, new = _row("earlier"), _row("new")
    insert_event = Bulk.insert(outbox, list(new), ignore_duplicates=True,
                               returning=["id", "topic"])

    def write(conn):
        insert_event.execute(conn, [earlier])
        again = {**earlier, "topic": "again"}  # the same id: a duplicate
        return insert_event.fetch(conn, [again, new])

    returned = await in_thread(db, write)
    assert [(uuid.UUID(str(id_)), topic) for id_, topic in returned] == [(new["id"], "new")]
    async with db.connect() as conn:
        topics = (await conn.execute(text("SELECT topic FROM outbox ORDER BY topic"))).scalars().all()
    assert topics == ["earlier", "new"]


async def test_fetch_refuses_a_row_missing_a_column(db):
    row = _row("short")
    del row["available_at"]
    insert_event = Bulk.insert(outbox, ["id", "topic", "payload", "created_at", "available_at",
                                        "attempts"], returning=["id"])
    with pytest.raises(KeyError):
        await in_thread(db, lambda conn: insert_event.fetch(conn, [row]))
