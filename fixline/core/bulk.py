"""Many rows through one statement.

`Connection.execute(statement, rows)` builds SQLAlchemy's parameter set row by row
(about 30 us a row on the reference machine); at a few hundred rows a batch of turns
that was a third of the batch's database time.

On PostgreSQL all rows travel as one JSON document, unpacked by the server
(`jsonb_to_recordset`) into one INSERT … SELECT or one UPDATE … FROM. Compared on the
reference machine, 100 rows a statement: an update costs us 3 us a row instead of 13.5
through the driver's executemany (which runs the statement once per row) and the server
8 instead of 12; an insert costs us 5 us a row instead of 9.6 through COPY, the server
the same. The statement text is the same for every batch, so the server plans it once.

On SQLite each statement is compiled once and each row becomes the driver's parameters
through the bind processors SQLAlchemy itself would apply.

Either way a row is stored as `Connection.execute` would store it, to the byte
(`tests/core/test_bulk.py`): a JSON column's None is JSON `null`, not SQL NULL.

The statement goes to the driver's cursor on the connection's own transaction, past
SQLAlchemy's execution context: that cost ~80 us of CPU a statement, five to eight times
a batch, for bookkeeping a statement with a ready text and ready parameters does not need.
A driver error is then the driver's own (psycopg's, sqlite3's) rather than SQLAlchemy's
wrapper of it; a connection it broke is found by the pool's ping at the next checkout.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Column, Connection, Float, Insert, Table, Update, and_, bindparam, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from fixline.core.db import json_text

PREFIX = "b_"  # bind names may not be column names; rows are keyed without it


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positional: bool
    fields: tuple[tuple[str, str, Callable[[Any], Any] | None], ...]  # bind, key, processor

    def parameters(self, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        """The driver's parameters for every row, built a column at a time: one processor
        call per distinct value (a batch's rows share their timestamps), no per-row
        Python loop over the fields."""
        columns = [_converted([row[key] for row in rows], p) for _, key, p in self.fields]
        if self.positional:
            return list(zip(*columns, strict=True))
        names = [bind for bind, _, _ in self.fields]
        return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _converted(values: list[Any], processor: Callable[[Any], Any] | None) -> list[Any]:
    if processor is None:
        return values
    if len(values) > 1 and len(set(map(id, values))) == 1:  # one object for every row
        return [processor(values[0])] * len(values)
    return list(map(processor, values))


@dataclass(frozen=True)
class _Recordset:
    """The PostgreSQL statement, and what each row must hold for it."""

    sql: str
    keys: frozenset[str]
    checks: tuple[tuple[str, Callable[[Any], None]], ...]  # key, what its column refuses
    # Planned for the table as it is at each execution, never kept prepared (see `_recordset`).
    planned_each_time: bool = False

    def execute(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        with closing(self.send(conn, rows)) as cursor:
            return int(cursor.rowcount)

    def fetch(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        with closing(self.send(conn, rows)) as cursor:
            return list(cursor.fetchall())

    def send(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> Any:
        """Runs the statement; returns the cursor, for the caller to read and close (in a
        pipeline: once it has synced)."""
        _require(self.keys, rows)
        for key, check in self.checks:  # e.g. no naive datetimes; once per distinct value
            for value in {id(v): v for v in (row[key] for row in rows)}.values():
                check(value)
        cursor = _cursor(conn)
        cursor.execute(self.sql, {"rows": json_text(rows)},
                       prepare=False if self.planned_each_time else None)
        return cursor


class Bulk:
    """An INSERT or an UPDATE of many rows, each row a mapping keyed by column name."""

    def __init__(self, table: Table, columns: Sequence[str], *,
                 match: Mapping[str, str] | None = None, ignore_duplicates: bool = False,
                 returning: Sequence[str] = ()) -> None:
        self._table = table
        self._columns = list(columns)
        self._match = dict(match) if match is not None else None  # column -> row key
        self._ignore_duplicates = ignore_duplicates
        self._returning = list(returning)
        self._compiled: dict[str, _Compiled | _Recordset] = {}

    @classmethod
    def insert(cls, table: Table, columns: Sequence[str] | None = None, *,
               ignore_duplicates: bool = False, returning: Sequence[str] = ()) -> Bulk:
        """INSERT of these columns (all by default); with `ignore_duplicates` a row that
        meets a unique constraint is skipped (ON CONFLICT DO NOTHING) and not counted.
        With `returning`, `fetch` gives those columns of the rows that went in."""
        names = columns if columns is not None else [c.name for c in table.c]
        return cls(table, names, ignore_duplicates=ignore_duplicates, returning=returning)

    @classmethod
    def update(cls, table: Table, columns: Sequence[str], *, match: Mapping[str, str]) -> Bulk:
        """UPDATE of these columns in the rows where every `match` column equals the
        row's value under its key, e.g. `{"id": "id", "version": "seen"}`."""
        return cls(table, columns, match=match)

    def execute(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Writes or updates the rows; returns how many the database touched."""
        if not rows:
            return 0
        compiled = self._compiled.get(conn.dialect.name) or self._compile(conn.dialect)
        if isinstance(compiled, _Recordset):
            return compiled.execute(conn, rows)
        with closing(_cursor(conn)) as cursor:
            cursor.executemany(compiled.sql, compiled.parameters(rows))
            return int(cursor.rowcount)

    def send(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> Sent:
        """PostgreSQL, inside the connection's pipeline (`psycopg.Connection.pipeline`):
        the statement goes out without waiting for the server, so that the caller can go
        on working while the server does. `Sent.count` says how many rows it touched once
        the pipeline has synced."""
        compiled = self._compiled.get(conn.dialect.name) or self._compile(conn.dialect)
        if not isinstance(compiled, _Recordset):
            raise TypeError("Bulk.send is for PostgreSQL's pipeline")
        return Sent(compiled.send(conn, rows) if rows else None)

    def fetch(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        """Inserts the rows; returns the `returning` columns of those that went in, a
        tuple per row."""
        if not self._returning:
            raise ValueError("fetch needs an insert made with `returning`")
        if not rows:
            return []
        if conn.dialect.name != "postgresql":
            # SQLite's driver runs no RETURNING under executemany: SQLAlchemy's own
            # multi-row VALUES does it there, for the same columns and the same refusal.
            _require(frozenset(self._columns), rows)
            stmt = self._statement().values({n: bindparam(n) for n in self._columns})
            return conn.execute(stmt.returning(*(self._table.c[n] for n in self._returning)),
                                [{n: row[n] for n in self._columns} for row in rows]).all()
        compiled = self._compiled.get(conn.dialect.name) or self._compile(conn.dialect)
        assert isinstance(compiled, _Recordset)
        return compiled.fetch(conn, rows)

    def _compile(self, dialect: Dialect) -> _Compiled | _Recordset:
        compiled = (self._recordset(dialect) if dialect.name == "postgresql"
                    else self._executemany(dialect))
        self._compiled[dialect.name] = compiled
        return compiled

    def _statement(self) -> Any:
        """The plain INSERT (SQLite's dialect) with ON CONFLICT DO NOTHING as asked."""
        stmt = sqlite.insert(self._table)
        return stmt.on_conflict_do_nothing() if self._ignore_duplicates else stmt

    def _executemany(self, dialect: Dialect) -> _Compiled:
        table = self._table
        values = {name: bindparam(PREFIX + name) for name in self._columns}
        stmt: Insert | Update
        if self._match is None:
            stmt = self._statement().values(values)
        else:
            stmt = update(table).where(and_(*(
                table.c[column] == bindparam(PREFIX + key) for column, key in self._match.items()
            ))).values(values)
        compiled = stmt.compile(dialect=dialect)
        processors = compiled._bind_processors  # the per-type conversions execute() applies
        names = compiled.positiontup if compiled.positional else list(compiled.binds)
        assert names is not None
        fields = tuple((name, name.removeprefix(PREFIX), processors.get(name)) for name in names)
        return _Compiled(str(compiled), compiled.positional, fields)

    def _recordset(self, dialect: Dialect) -> _Recordset:
        table, quote = self._table, dialect.identifier_preparer.quote
        typed = {name: table.c[name] for name in self._columns}  # row key -> its column
        for column, key in (self._match or {}).items():
            typed[key] = table.c[column]
        record = ", ".join(f"{quote(key)} {column.type.compile(dialect=dialect)}"
                           for key, column in typed.items())
        source = f"jsonb_to_recordset(CAST(%(rows)s AS JSONB)) AS r({record})"
        target = quote(table.name)
        if self._match is None:
            names = ", ".join(quote(n) for n in self._columns)
            picked = ", ".join(_value(n, typed[n], quote) for n in self._columns)
            sql = f"INSERT INTO {target} ({names}) SELECT {picked} FROM {source}"
            if self._ignore_duplicates:
                sql += " ON CONFLICT DO NOTHING"
            if self._returning:
                sql += " RETURNING " + ", ".join(quote(n) for n in self._returning)
        else:
            assigned = ", ".join(f"{quote(n)} = {_value(n, typed[n], quote)}"
                                 for n in self._columns)
            matched = " AND ".join(f"{target}.{quote(column)} = r.{quote(key)}"
                                   for column, key in self._match.items())
            sql = f"UPDATE {target} SET {assigned} FROM {source} WHERE {matched}"
        checks = tuple((key, check) for key, column in typed.items()
                       if (check := _check(column, dialect)) is not None)
        # An UPDATE joins its rows to the table. A plan kept from a young table's first
        # executions read the whole table on every batch until the next ANALYZE, which
        # autovacuum makes at most once a minute: up to 2 ms a batch at 20,000 rows. Planned
        # each time (~0.1 ms), the plan sees the table's current size and finds each row by
        # its key. An INSERT has no join to plan.
        return _Recordset(sql, frozenset(typed), checks, planned_each_time=self._match is not None)


@dataclass(frozen=True)
class Sent:
    cursor: Any  # None when there were no rows to send

    def count(self) -> int:
        """Rows the statement touched, once the pipeline has synced."""
        if self.cursor is None:
            return 0
        with closing(self.cursor) as cursor:
            return int(cursor.rowcount)

    def close(self) -> None:
        """Not to be counted: the server's answer is dropped when it comes."""
        if self.cursor is not None:
            self.cursor.close()


def _cursor(conn: Connection) -> Any:
    """The driver's cursor on the connection's own transaction (see the module's text)."""
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def _require(keys: frozenset[str], rows: Sequence[Mapping[str, Any]]) -> None:
    """A missing key would be stored as NULL: refuse the rows instead."""
    for row in rows:
        if not keys <= row.keys():
            raise KeyError(f"row lacks {sorted(keys - row.keys())}")


def _value(key: str, column: Column[Any], quote: Callable[[str], str]) -> str:
    # JSON null, as SQLAlchemy stores a JSON column's None, where the record has SQL NULL.
    if isinstance(column.type, JSON):
        return f"COALESCE(r.{quote(key)}, 'null'::jsonb)"
    return f"r.{quote(key)}"


def _check(column: Column[Any], dialect: Dialect) -> Callable[[Any], None] | None:
    """What the JSON route would otherwise get wrong without a word: a value our own column
    type refuses (a naive datetime) or would convert, and a float JSON cannot carry (NaN
    and infinities become null)."""
    type_ = column.type
    if isinstance(type_, TypeDecorator):
        def decorated(value: Any) -> None:
            if type_.process_bind_param(value, dialect) is not value:
                raise TypeError(f"{column.name}: Bulk stores {type(type_).__name__} values "
                                "as given and cannot convert them")
        return decorated
    if isinstance(type_, Float):
        def finite(value: Any) -> None:
            if value is not None and not math.isfinite(value):
                raise ValueError(f"{column.name}: {value} cannot be stored through Bulk")
        return finite
    return None
