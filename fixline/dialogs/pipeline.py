"""Group commit: the turns of many conversations in one short transaction.

A turn is: store the inbound message in the inbox (unique per channel message id), load
the conversation, run the state machine, write state, case, transcript and events. Done
one transaction per turn, the database round trips and commits dominate; here every turn
that arrives while a batch is committing joins the next batch, so under load one commit
carries many turns and each caller is answered once its batch is durable.

Serialisation: one pipeline per process runs batches one at a time, in arrival order,
so two messages of one customer never race inside a process. Across processes every
conversation row carries a version that every writer bumps. A batch checks each of its
conversations still has the version it read (on PostgreSQL it locks them in id order
before writing anything; SQLite has one writer at a time, BEGIN IMMEDIATE, and the
versioned updates check); if one has moved on (another process, a /link, /forget) the
batch is rolled back and run again on what the database holds.

The conversations of recent turns stay in memory, so a turn in a busy conversation does
not read it back: the version check above is what makes that safe.
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, partial
from typing import Any

from sqlalchemy import Connection, Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from fixline.core.batching import Batcher
from fixline.core.bulk import Bulk
from fixline.core.clock import utcnow
from fixline.core.customers import ChannelIdentity, Customer, Identities
from fixline.core.db import OneOf, blocking_twin, in_thread, planned_each_time
from fixline.core.ids import new_id
from fixline.core.outbox import Event, OutboxRow
from fixline.dialogs.messages import Inbound, Reply
from fixline.dialogs.models import Case, Conversation, InboxRow, Message
from fixline.dialogs.states import State
from fixline.dialogs.text import clean_text
from fixline.dialogs.turn import CaseDraft, Effect, Turn

log = logging.getLogger(__name__)

inbox_t = InboxRow.__table__
conv_t = Conversation.__table__
case_t = Case.__table__
msg_t = Message.__table__
ident_t = ChannelIdentity.__table__
cust_t = Customer.__table__
outbox_t = OutboxRow.__table__

TRUNCATED_NOTICE = "Your message was very long, so I kept the first {limit} characters."
FAILED_TURN = "Sorry, something went wrong on my side. Your message is saved; please try again."


@dataclass
class TurnResult:
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    duplicate: bool = False
    customer_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None
    state: State | None = None
    facts: dict[str, Any] | None = None
    equipment: dict[str, Any] | None = None


@dataclass(eq=False)
class _Pending:
    inbound: Inbound
    inbox_id: uuid.UUID | None  # set when the message was stored earlier (webhooks, recovery)


@dataclass
class _Loaded:
    conversation_id: uuid.UUID
    customer_id: uuid.UUID
    consented: bool
    state: State
    context: dict[str, Any]
    case: CaseDraft | None
    version: int  # as the database holds it
    consent_changed: bool = False
    dirty: bool = False


Key = tuple[str, str]  # channel, address


class _Stale(Exception):
    """A conversation of the batch was written by someone else since it was read."""


class _Recent:
    """The last `size` conversations written, as committed, by conversation: identities
    linked to one conversation see the same, newest copy.

    `get` hands out the object itself, for the batch to change in place: a batch that
    fails drops every conversation it took (`TurnPipeline._commit`), so nothing of a
    rolled-back turn stays here. A conversation kept here equals what a read from the
    database gives, because handlers keep only JSON's own types (lists, string keys) in
    the context and the case (tests/dialogs/test_properties.py checks it)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._conversations: OrderedDict[uuid.UUID, _Loaded] = OrderedDict()
        self._keys: dict[Key, uuid.UUID] = {}

    def peek(self, key: Key) -> _Loaded | None:
        """The conversation kept for `key`, if any, left where it is in the order."""
        conversation_id = self._keys.get(key)
        return self._conversations.get(conversation_id) if conversation_id else None

    def get(self, key: Key) -> _Loaded | None:
        conversation_id = self._keys.get(key)
        found = self._conversations.get(conversation_id) if conversation_id else None
        if found is not None:
            self._conversations.move_to_end(found.conversation_id)
        return found

    def put(self, loaded: dict[Key, _Loaded]) -> None:
        for key, convo in loaded.items():
            self._keys[key] = convo.conversation_id
            self._conversations[convo.conversation_id] = convo
            self._conversations.move_to_end(convo.conversation_id)
        while len(self._conversations) > self._size:
            self._conversations.popitem(last=False)
        if len(self._keys) > 2 * self._size:  # keys of evicted conversations
            self._keys = {k: c for k, c in self._keys.items() if c in self._conversations}

    def drop(self, keys: list[Key]) -> None:
        for key in keys:
            conversation_id = self._keys.pop(key, None)
            if conversation_id:
                self._conversations.pop(conversation_id, None)


class TurnPipeline:
    def __init__(
        self,
        engine: AsyncEngine,
        step: Callable[[Turn], None],
        *,
        max_text_chars: int = 4000,
        max_batch: int = 256,
        cached_conversations: int = 5000,
        on_events: Callable[[], None] | None = None,
        subscribed: Callable[[str], bool] = lambda _topic: True,
    ) -> None:
        self._engine = engine
        self._step = step
        self._limit = max_text_chars
        self._on_events = on_events
        self._subscribed = subscribed
        self._recent = _Recent(cached_conversations)
        self._turns: Batcher[_Pending, TurnResult] = Batcher(
            self._commit, max_batch=max_batch, name="turn-pipeline")

    async def submit(self, inbound: Inbound, inbox_id: uuid.UUID | None = None) -> TurnResult:
        try:
            # The engine's own follow-ups (a finished diagnosis) complete a turn the
            # customer is already waiting on: they go ahead of new messages.
            return await self._turns.submit(_Pending(inbound.storable(), inbox_id),
                                            urgent=inbound.internal)
        except Exception as exc:
            log.exception("turn failed for %s message %s", inbound.channel, inbound.message_id)
            raise TurnFailed from exc

    async def close(self) -> None:
        await self._turns.close()
        blocking_twin(self._engine).dispose()  # its idle connections; it stays usable

    async def _commit(self, batch: list[_Pending]) -> list[TurnResult]:
        keys = [(p.inbound.channel, p.inbound.address) for p in batch]
        try:
            try:
                done = await in_thread(self._engine, partial(self._commit_batch, batch, self._recent))
            except _Stale:
                self._recent.drop(keys)
                done = await in_thread(self._engine, partial(self._commit_batch, batch, None))
        except BaseException:
            self._recent.drop(keys)  # their objects hold turns that were rolled back
            raise
        results, loaded, to_deliver = done
        for convo in loaded.values():
            if convo.dirty:
                convo.version += 1
                convo.dirty = convo.consent_changed = False
            if convo.case is not None:
                convo.case.new = convo.case.dirty = False
        self._recent.put(loaded)  # kept as committed
        if to_deliver and self._on_events:
            self._on_events()
        return results

    def _commit_batch(self, batch: list[_Pending], recent: _Recent | None, conn: Connection,
                      ) -> tuple[list[TurnResult], dict[Key, _Loaded], bool]:
        """The whole batch in one thread call and one transaction; without `recent`
        every conversation is read from the database. Says whether it wrote events for
        the dispatcher."""
        now = utcnow()
        if (recent is not None and conn.dialect.name == "postgresql"
                and all(p.inbox_id is None for p in batch)):
            return self._commit_in_one_trip(batch, recent, now, conn)
        fresh = self._store_inbox(conn, batch, now)
        loaded = self._load(conn, [p for p in batch if p in fresh], now, recent)
        writes = _Writes()
        results = [self._turn(p, loaded, now, writes) if p in fresh
                   else TurnResult(duplicate=True) for p in batch]
        return results, loaded, writes.flush(conn, loaded.values(), now, self._subscribed)

    def _commit_in_one_trip(self, batch: list[_Pending], recent: _Recent, now: datetime,
                            conn: Connection) -> tuple[list[TurnResult], dict[Key, _Loaded], bool]:
        """PostgreSQL, the usual batch (new messages): the inbox rows, the version lock and
        every write go out in one psycopg pipeline, and the turns are worked out while
        the server stores the messages, on the assumption that none is a duplicate and
        no conversation has moved on. Both are checked when the pipeline syncs, before
        COMMIT; if either was wrong the batch is rolled back and run again the careful
        way (`_Stale`), as a conflict always was.

        Statement by statement, each of a batch's six to eight round trips had the
        database thread wait for the interpreter lock again, behind an event loop busy
        with hundreds of sockets. One round trip: 1.05x the turns/s and 0.9x the p95 in
        paired rounds under the turn bench.

        Conversations the cache lacks are read first; their messages' inbox rows go in
        before that read, as the careful way does, so that every writer takes the inbox's
        and the conversations' locks in the same order."""
        rows = _inbox_rows(batch, now)
        keys = {(p.inbound.channel, p.inbound.address) for p in batch}
        if any(recent.peek(k) is None for k in keys):
            if _INSERT_INBOX.execute(conn, rows) < len(rows):
                raise _Stale  # a duplicate: the careful way sorts it out
            rows = []
        loaded = self._load(conn, batch, now, recent, hold=False)
        try:
            with conn.connection.dbapi_connection.pipeline():  # type: ignore[union-attr]
                inserted = _INSERT_INBOX.send(conn, rows)
                held = _send_hold(conn, loaded.values())
                writes = _Writes()
                results = [self._turn(p, loaded, now, writes) for p in batch]
                events = writes.flush(conn, loaded.values(), now, self._subscribed,
                                      pipelined=True)
        except conn.dialect.loaded_dbapi.Error as exc:
            # Written past a failed check, a write can fail where the careful way would
            # never have sent it: a customer merged away by /link leaves the kept
            # conversation's transcript rows without their customer. The careful way
            # finds out what it was, and raises again what was not a conflict.
            raise _Stale from exc
        if inserted.count() < len(rows) or not held():
            raise _Stale
        return results, loaded, events

    def _store_inbox(self, conn: Connection, batch: list[_Pending],
                           now: datetime) -> set[_Pending]:
        """Stores the new messages; returns the pending turns that are not duplicates."""
        # Internal messages (a finished diagnosis) come from this engine, not a channel:
        # nothing to deduplicate, and their token already drops a stale one.
        fresh = {id(p) for p in batch if p.inbound.internal}
        new_rows = [p for p in batch if p.inbox_id is None and not p.inbound.internal]
        if new_rows:
            rows = _inbox_rows(new_rows, now)
            ids = [r["id"] for r in rows]
            inserted = set(ids)
            if _INSERT_INBOX.execute(conn, rows) < len(rows):
                # Some were delivered before (rare): the rows that went in are the ones
                # whose fresh id is there now. RETURNING would say it for every batch, at
                # the cost of a row set per batch where this costs a count.
                inserted = set(conn.execute(
                    select(inbox_t.c.id).where(inbox_t.c.id.in_(ids))).scalars())
            fresh.update(id(p) for p, i in zip(new_rows, ids, strict=True) if i in inserted)
        stored = [p for p in batch if p.inbox_id is not None]
        if stored:
            result = conn.execute(
                update(inbox_t)
                .where(inbox_t.c.id.in_([p.inbox_id for p in stored]),
                       inbox_t.c.processed_at.is_(None))
                .values(processed_at=now, attempts=inbox_t.c.attempts + 1)
                .returning(inbox_t.c.id)
            )
            claimed = {r.id for r in result}
            fresh.update(id(p) for p in stored if p.inbox_id in claimed)
        return {p for p in batch if id(p) in fresh}

    def _load(self, conn: Connection, batch: list[_Pending], now: datetime,
              recent: _Recent | None, *, hold: bool = True) -> dict[Key, _Loaded]:
        """The batch's conversations, from the cache where it has them; on PostgreSQL
        locked and checked (`_hold`) unless the caller does that itself."""
        keys = list(dict.fromkeys((p.inbound.channel, p.inbound.address) for p in batch))
        hits = {k: c for k in keys if recent and (c := recent.get(k)) is not None}
        unread = [k for k in keys if k not in hits]
        # The rerun after a conflict reads under lock, so another writer cannot get in
        # between its read and its write a second time.
        lock = recent is None and conn.dialect.name == "postgresql"
        found = self._select(conn, unread, lock) if unread else {}
        missing = [k for k in unread if k not in found]
        if missing:
            created = self._create(conn, missing, now)
            found.update(created)
            lost = [k for k in missing if k not in created]  # another process was first
            if lost:
                found.update(self._select(conn, lost, lock))
        # Linked identities share one conversation: let them share one object, the one
        # just read where there is one.
        by_conversation: dict[uuid.UUID, _Loaded] = {}
        for convo in (*found.values(), *hits.values()):
            by_conversation.setdefault(convo.conversation_id, convo)
        if hold and conn.dialect.name == "postgresql":
            _hold(conn, by_conversation.values())
        return {k: by_conversation[v.conversation_id] for k, v in (found | hits).items()}

    def _select(self, conn: Connection, keys: list[Key], lock: bool) -> dict[Key, _Loaded]:
        identities = Identities(keys)
        stmt = _conversations_of(identities.channels, lock)
        loaded: dict[Key, _Loaded] = {}
        with planned_each_time(conn):
            rows = conn.execute(stmt, identities.params).all()
        for r in rows:
            case = None
            if r.case_id is not None:
                case = CaseDraft(
                    id=r.case_id, status=r.case_status, opened_at=r.case_opened_at,
                    category=r.case_category, equipment=dict(r.case_equipment or {}),
                    facts=dict(r.case_facts or {}), diagnosis=r.case_diagnosis,
                    confidence=r.case_confidence, outcome=r.case_outcome, rating=r.case_rating,
                    diagnosed_at=r.case_diagnosed_at, closed_at=r.case_closed_at,
                )
            loaded[(r.channel, r.address)] = _Loaded(
                conversation_id=r.conversation_id, customer_id=r.customer_id,
                consented=r.consented_at is not None, state=State(r.state),
                context=dict(r.context or {}), case=case, version=r.version,
            )
        return loaded

    def _create(self, conn: Connection, keys: list[Key], now: datetime) -> dict[Key, _Loaded]:
        """New customers with their identity and conversation; returns those this batch
        created, as a read would load them (not those another process created first)."""
        customers = {k: new_id() for k in keys}
        _INSERT_CUSTOMER.execute(conn, [{"id": c, "created_at": now} for c in customers.values()])
        created = {(channel, address) for channel, address in _INSERT_IDENTITY.fetch(conn, [
            {"id": new_id(), "customer_id": customers[k], "channel": k[0], "address": k[1],
             "created_at": now} for k in keys])}
        lost = [customers[k] for k in keys if k not in created]  # another process was first
        if lost:
            conn.execute(cust_t.delete().where(cust_t.c.id.in_(lost)))
        conversations = {k: new_id() for k in keys if k in created}
        _INSERT_CONVERSATION.execute(conn, [
            {"id": c, "customer_id": customers[k], "state": State.START.value,
             "context": {}, "case_id": None, "version": 0, "updated_at": now}
            for k, c in conversations.items()
        ])
        return {k: _Loaded(conversation_id=c, customer_id=customers[k], consented=False,
                           state=State.START, context={}, case=None, version=0)
                for k, c in conversations.items()}

    def _turn(self, pending: _Pending, loaded: dict[Key, _Loaded],
              now: datetime, writes: _Writes) -> TurnResult:
        inbound = pending.inbound
        convo = loaded[(inbound.channel, inbound.address)]
        text, truncated = clean_text(inbound.text, self._limit)
        turn = Turn(
            inbound=inbound, text=text, state=convo.state, context=dict(convo.context),
            case=convo.case.working_copy() if convo.case else None, customer_id=convo.customer_id,
            consented=convo.consented, now=now,
        )
        if truncated:
            turn.say(TRUNCATED_NOTICE.format(limit=self._limit))
        try:
            self._step(turn)
        except Exception:
            log.exception("turn failed in state %s (case %s)", convo.state,
                          convo.case.id if convo.case else None)
            writes.transcript(convo, convo.case, inbound, text, [Reply(FAILED_TURN)], now)
            convo.dirty = True  # written back unchanged: its version check covers the transcript
            return TurnResult(replies=[Reply(FAILED_TURN)], customer_id=convo.customer_id)
        convo.state = turn.next_state
        convo.context = turn.context
        convo.dirty = True
        if turn.consent_given and not convo.consented:
            convo.consented = convo.consent_changed = True
        for case in (*turn.earlier_cases, turn.case):
            if case is not None and case.dirty:
                writes.case(case, convo.customer_id)
        convo.case = turn.case
        writes.events.extend(turn.events)
        writes.transcript(convo, turn.case, inbound, text, turn.replies, now)
        case = turn.case
        return TurnResult(
            replies=turn.replies, effects=turn.effects, customer_id=convo.customer_id,
            case_id=case.id if case else None, state=turn.next_state,
            facts=dict(case.facts) if case else None,
            equipment=dict(case.equipment) if case else None,
        )


def _hold(conn: Connection, conversations: Iterable[_Loaded]) -> None:
    """PostgreSQL: locks the batch's conversations, all in one statement in id order, and
    checks each still has the version it was read or kept in memory with. Done before
    anything is written, so every writer takes conversation rows before anything else and
    in the same order.

    SQLite needs neither: BEGIN IMMEDIATE holds the database's one write lock already,
    and the versioned UPDATE of every conversation of the batch (`_Writes.flush`) rolls
    the whole batch back if one has moved on, a failed turn's transcript included."""
    if not _send_hold(conn, conversations)():
        raise _Stale


def _send_hold(conn: Connection, conversations: Iterable[_Loaded]) -> Callable[[], bool]:
    """`_hold`'s statement, sent; what it returns says whether every conversation still
    had its version: at once, or inside a pipeline once it has synced."""
    expected = {c.conversation_id: c.version for c in conversations}
    if not expected:
        return lambda: True
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(_versions_locked_sql(conn.dialect), {"ids": sorted(expected)})

    def held() -> bool:
        with closing(cursor):
            return dict(cursor.fetchall()) == expected
    return held


def _inbox_rows(batch: list[_Pending], now: datetime) -> list[dict[str, Any]]:
    """Inbox rows of the batch's messages from outside; they are processed in this same
    transaction, so they are stored processed."""
    return [{"id": new_id(), "channel": p.inbound.channel,
             "channel_message_id": p.inbound.message_id, "address": p.inbound.address,
             "payload": p.inbound.to_dict(), "received_at": p.inbound.received_at,
             "processed_at": now, "attempts": 1}
            for p in batch if not p.inbound.internal]


@cache
def _versions_locked_sql(dialect: Any) -> str:
    return str(select(conv_t.c.id, conv_t.c.version).where(OneOf(conv_t.c.id, "ids"))
               .order_by(conv_t.c.id).with_for_update().compile(dialect=dialect))


@cache
def _conversations_of(channels: int, lock: bool) -> Select[Any]:
    """Each identity's customer, conversation and open case (see `Identities`). Unless
    `lock`, they are locked and checked afterwards with the rest of the batch (`_hold`)."""
    stmt = (
        select(ident_t.c.channel, ident_t.c.address, ident_t.c.customer_id,
               cust_t.c.consented_at, conv_t.c.id.label("conversation_id"), conv_t.c.state,
               conv_t.c.context, conv_t.c.version, *[c.label(f"case_{c.name}") for c in case_t.c])
        .join(cust_t, cust_t.c.id == ident_t.c.customer_id)
        .join(conv_t, conv_t.c.customer_id == ident_t.c.customer_id)
        .outerjoin(case_t, case_t.c.id == conv_t.c.case_id)
        .where(Identities.where(channels))
        .order_by(conv_t.c.id)
    )
    return stmt.with_for_update(of=conv_t) if lock else stmt


class TurnFailed(RuntimeError):
    """The turn could not be stored; the caller should tell the customer to retry."""


class _Writes:
    """What a batch writes, gathered so each table gets one executemany."""

    def __init__(self) -> None:
        self.cases: dict[uuid.UUID, dict[str, Any]] = {}
        self.new_cases: set[uuid.UUID] = set()
        self.messages: list[dict[str, Any]] = []
        self.events: list[Event] = []

    def case(self, case: CaseDraft, customer_id: uuid.UUID) -> None:
        self.cases[case.id] = case.row(customer_id)
        if case.new:
            self.new_cases.add(case.id)

    def transcript(self, convo: _Loaded, case: CaseDraft | None, inbound: Inbound,
                   text: str | None, replies: list[Reply], now: datetime) -> None:
        case_id = case.id if case else None
        base = {"conversation_id": convo.conversation_id, "customer_id": convo.customer_id,
                "channel": inbound.channel, "created_at": now, "case_id": case_id}
        if text is not None and not inbound.internal:
            payload: dict[str, Any] = {}
            if inbound.action:
                payload["action"] = inbound.action
            if inbound.attachments:
                payload["attachments"] = [a.to_dict() for a in inbound.attachments]
            self.messages.append({**base, "id": new_id(), "direction": "in", "text": text,
                                  "payload": payload or None})
        for reply in replies:
            self.messages.append({**base, "id": new_id(), "direction": "out", "text": reply.text,
                                  "payload": reply.to_dict()})

    def flush(self, conn: Connection, conversations: Any, now: datetime,
              subscribed: Callable[[str], bool], *, pipelined: bool = False) -> bool:
        """Writes it all; says whether an event was written for the dispatcher.
        `pipelined`: sent into the connection's pipeline and not waited for; the caller
        checks the versions itself (`_send_hold`)."""

        def write(bulk: Bulk, rows: list[dict[str, Any]]) -> int | None:
            if not pipelined:
                return bulk.execute(conn, rows)
            if rows:
                bulk.send(conn, rows).close()
            return None

        new_cases = [row for cid, row in self.cases.items() if cid in self.new_cases]
        write(_INSERT_CASE, new_cases)
        write(_UPDATE_CASE, [row for cid, row in self.cases.items()
                             if cid not in self.new_cases])
        convos = [c for c in {id(c): c for c in conversations}.values() if c.dirty]
        if convos:
            written = write(_UPDATE_CONVERSATION, [
                {"id": c.conversation_id, "seen": c.version, "version": c.version + 1,
                 "state": c.state.value, "context": c.context,
                 "case_id": c.case.id if c.case else None, "updated_at": now} for c in convos
            ])
            if written is not None and written < len(convos):  # PostgreSQL: `_hold` checked
                raise _Stale
            consented = [c.customer_id for c in convos if c.consent_changed]
            if consented:
                conn.execute(_CONSENTED, {"ids": consented, "now": now})
        write(_INSERT_MESSAGE, self.messages)
        # An event no handler takes is stored as the record it is, already delivered:
        # waking the dispatcher for it would cost a claim and an update for nothing.
        rows = [e.row(delivered=not subscribed(e.topic), now=now) for e in self.events]
        write(_INSERT_EVENT, rows)
        return any(r["delivered_at"] is None for r in rows)


_INSERT_INBOX = Bulk.insert(inbox_t, ["id", "channel", "channel_message_id", "address", "payload",
                                      "received_at", "processed_at", "attempts"],
                            ignore_duplicates=True)
_INSERT_CUSTOMER = Bulk.insert(cust_t, ["id", "created_at"])
_INSERT_IDENTITY = Bulk.insert(ident_t, ["id", "customer_id", "channel", "address", "created_at"],
                               ignore_duplicates=True, returning=["channel", "address"])
_INSERT_CONVERSATION = Bulk.insert(conv_t)
_INSERT_CASE = Bulk.insert(case_t)
_INSERT_MESSAGE = Bulk.insert(msg_t)
_INSERT_EVENT = Bulk.insert(outbox_t, ["id", "topic", "payload", "created_at", "available_at",
                                       "attempts", "delivered_at"])
_UPDATE_CONVERSATION = Bulk.update(
    conv_t, ["state", "context", "case_id", "version", "updated_at"],
    match={"id": "id", "version": "seen"})
_CONSENTED = (cust_t.update().where(OneOf(cust_t.c.id, "ids"))
              .values(consented_at=bindparam("now")))
_UPDATE_CASE = Bulk.update(case_t, [c.name for c in case_t.c if c.name != "id"],
                           match={"id": "id"})
