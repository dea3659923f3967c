"""Rows written through `Bulk` are stored exactly as `Connection.execute` stores them."""

from __future__ import annotations

import pickle
import uuid
from datetime import UTC, datetime

from sqlalchemy import bindparam, text, update

from fixline.core.bulk import Bulk
from fixline.core.db import in_thread
from fixline.core.ids import new_id
from fixline.core.outbox import OutboxRow

outbox = OutboxRow.__table__


def _row(topic: str) -> dict[str, object]:
    now = datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=UTC)
    return {"id": new_id(), "topic": topic, "created_at": now, "available_at": now,
            "attempts": 0, "payload": {"text": "Grüße 🔧", "codes": ["E24"], "n": 1.5,
                                       "nested": {"none": None}}}


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
    retry = Bulk(update(outbox).where(outbox.c.id == bindparam("b_id"))
                 .values(attempts=bindparam("b_attempts")))

    def write(conn):
        insert_event.execute(conn, rows)
        return retry.execute(conn, [{"id": rows[0]["id"], "attempts": 3},
                                    {"id": new_id(), "attempts": 3}])

    assert await in_thread(db, write) == 1


def test_new_ids_are_the_uuids_the_standard_library_makes():
    made = [new_id() for _ in range(1000)]
    for value in made:
        same = uuid.UUID(int=value.int)
        assert value == same and hash(value) == hash(same) and str(value) == str(same)
        assert value.version == 7 and value.variant == uuid.RFC_4122
        assert value.is_safe == same.is_safe
        assert pickle.loads(pickle.dumps(value)) == value
    assert made == sorted(made) and len(set(made)) == len(made)
