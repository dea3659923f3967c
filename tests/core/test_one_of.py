"""`OneOf`: the rows an IN would select, on both databases; on PostgreSQL one statement
text whatever the list's length, so psycopg and the server prepare it once."""

from __future__ import annotations

from sqlalchemy import event, select

from fixline.core.clock import utcnow
from fixline.core.customers import Customer
from fixline.core.db import OneOf
from fixline.core.ids import new_id

STATEMENT = select(Customer.id).where(OneOf(Customer.id, "ids")).order_by(Customer.id)


async def test_selects_exactly_the_listed_rows_with_one_text_on_postgresql(db) -> None:
    ids = sorted(new_id() for _ in range(5))
    async with db.begin() as conn:
        await conn.execute(Customer.__table__.insert(),
                           [{"id": i, "created_at": utcnow()} for i in ids])
    sent: set[str] = set()

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            sent.add(statement)

    event.listen(db.sync_engine, "before_cursor_execute", record)
    try:
        async with db.connect() as conn:
            for wanted in ([], ids[:1], ids[1:4], ids):
                found = (await conn.execute(STATEMENT, {"ids": wanted})).scalars().all()
                assert found == wanted
    finally:
        event.remove(db.sync_engine, "before_cursor_execute", record)
    if db.dialect.name == "postgresql":
        assert len(sent) == 1 and "= ANY" in sent.pop()
    else:
        assert len(sent) == 4  # SQLite has no arrays: one expanded IN per length
