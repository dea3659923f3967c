"""The conversation engine: `handle(inbound) -> replies`, the one entry point every
channel uses."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from fixline.agent.diagnosis import CaseFacts, Diagnostician, Equipment
from fixline.core.batching import Batcher
from fixline.core.clock import utcnow
from fixline.core.db import in_thread, insert_ignoring_duplicates, reader, writing
from fixline.core.ids import new_id
from fixline.core.outbox import OutboxRow
from fixline.dialogs.linking import VALID_FOR, issue_code, redeem
from fixline.dialogs.machine import Machine
from fixline.dialogs.messages import CHANNEL_NAMES, Inbound, Reply, ReplyFile
from fixline.dialogs.models import InboxRow
from fixline.dialogs.outbound import reply_event, set_opted_out
from fixline.dialogs.pipeline import FAILED_TURN, TurnFailed, TurnPipeline, TurnResult
from fixline.dialogs.privacy import export_customer, forget_customer
from fixline.dialogs.steps.commands import LINKED
from fixline.dialogs.steps.symptoms import DIAGNOSIS_READY
from fixline.dialogs.transcript import Key, transcripts_of
from fixline.dialogs.turn import Effect

log = logging.getLogger(__name__)
Publish = Callable[[list[Reply]], Awaitable[None]]
RECOVERY_TRIES = 5
FAILED_EFFECT = "Sorry, that didn't work on my side. Please try again in a moment."


class ConversationEngine:
    def __init__(
        self,
        db: AsyncEngine,
        diagnostician: Diagnostician,
        *,
        max_text_chars: int = 4000,
        max_follow_ups: int = 2,
        messages_per_minute: int = 30,
        diagnosis_timeout: float = 60.0,
        on_events: Callable[[], None] | None = None,
        subscribed: Callable[[str], bool] = lambda _topic: True,
    ) -> None:
        self._db = db
        self._diagnostician = diagnostician
        self._timeout = diagnosis_timeout
        self._on_events = on_events
        self.machine = Machine(max_follow_ups, messages_per_minute)
        self._pipeline = TurnPipeline(
            db, self.machine.step, max_text_chars=max_text_chars, on_events=on_events,
            subscribed=subscribed,
        )
        self._transcripts: Batcher[Key, list[dict[str, Any]]] = Batcher(
            self._read_transcripts, name="transcript-reads")

    async def handle(self, inbound: Inbound) -> list[Reply]:
        """Process one message now and return the replies (web chat, terminal)."""
        return await self._process(_from_outside(inbound), None)

    async def accept(self, inbound: Inbound) -> uuid.UUID | None:
        """Store a message for processing later (webhooks answer before the work is done).
        Returns the inbox id, or None when this message was already received."""
        inbound = _from_outside(inbound).storable()
        async with writing(self._db) as conn:
            result = await conn.execute(
                insert_ignoring_duplicates(conn.dialect, InboxRow.__table__).returning(InboxRow.id),
                [{"id": new_id(), "channel": inbound.channel,
                  "channel_message_id": inbound.message_id, "address": inbound.address,
                  "payload": inbound.to_dict(), "received_at": inbound.received_at,
                  "attempts": 0}],
            )
            row = result.first()
        return row.id if row else None

    async def process_accepted(self, inbound: Inbound, inbox_id: uuid.UUID) -> list[Reply]:
        """Process a message `accept` just stored, sending its replies through the outbox
        (the webhook path: the caller still holds the message, so it is not read back)."""
        inbound = _from_outside(inbound)
        return await self._process(inbound.storable(), inbox_id, partial(self._publish, inbound))

    async def deliver(self, inbound: Inbound) -> list[Reply]:
        """Process a message that arrived outside a request (a finished photo reading, later
        an expert's answer) and send the replies through the channel's sender."""
        return await self._process(inbound, None, partial(self._publish, inbound))

    async def _publish(self, inbound: Inbound, replies: list[Reply]) -> None:
        if not replies:
            return
        async with writing(self._db) as conn:
            await conn.execute(OutboxRow.__table__.insert(), [
                reply_event(inbound.channel, inbound.address, r).row() for r in replies
            ])
        if self._on_events:
            self._on_events()

    async def process_stored(self, inbox_id: uuid.UUID, *, announce_failure: bool = True) -> list[Reply]:
        """Process a stored message and send its replies through the outbox."""
        async with self._db.connect() as conn:
            payload = (await conn.execute(
                select(InboxRow.payload).where(InboxRow.id == inbox_id))).scalar_one()
        inbound = Inbound.from_dict(payload)
        return await self._process(inbound, inbox_id, partial(self._publish, inbound),
                                   announce_failure=announce_failure)

    async def recover(self, older_than: timedelta = timedelta(0)) -> int:
        """Process messages a crash left stored but unprocessed; returns how many were
        tried. Each try is counted first, in its own transaction (a failing turn rolls its
        own count back): a message that keeps failing is given up after RECOVERY_TRIES,
        and the customer is not apologised to on every round."""
        cutoff = utcnow() - older_than
        pending = (InboxRow.processed_at.is_(None), InboxRow.received_at <= cutoff)
        async with writing(self._db) as conn:
            await conn.execute(update(InboxRow).where(*pending, InboxRow.attempts >= RECOVERY_TRIES,
                                                      InboxRow.error.is_(None))
                               .values(error=f"given up after {RECOVERY_TRIES} attempts"))
            ids = (await conn.execute(
                select(InboxRow.id).where(*pending, InboxRow.attempts < RECOVERY_TRIES)
                .order_by(InboxRow.received_at))).scalars().all()
            if ids:
                await conn.execute(update(InboxRow).where(InboxRow.id.in_(ids))
                                   .values(attempts=InboxRow.attempts + 1))
        for inbox_id in ids:
            try:
                await self.process_stored(inbox_id, announce_failure=False)
            except Exception:  # one unreadable row must not stop the others
                log.exception("recovering inbox message %s failed", inbox_id)
        if ids:
            log.info("recovered %d unprocessed inbound messages", len(ids))
        return len(ids)

    async def transcript(self, channel: str, address: str, limit: int = 200) -> list[dict[str, Any]]:
        """The last messages of this identity's conversation, oldest first (see
        `transcripts_of`). Reads that arrive together share one query."""
        return await self._transcripts.submit((channel, address, limit))

    async def _read_transcripts(self, keys: list[Key]) -> list[list[dict[str, Any]]]:
        return await in_thread(self._db, partial(transcripts_of, keys), readonly=True)

    async def close(self) -> None:
        await self._transcripts.close()
        await self._pipeline.close()

    async def _process(self, inbound: Inbound, inbox_id: uuid.UUID | None,
                       publish: Publish | None = None, *, announce_failure: bool = True,
                       ) -> list[Reply]:
        """One turn, then its slow effects. With `publish` the turn's own replies leave
        before the effects run, so a crash during a diagnosis loses nothing already said."""
        try:
            result = await self._pipeline.submit(inbound, inbox_id)
        except TurnFailed:
            failed = [Reply(FAILED_TURN)] if announce_failure else []
            if publish and failed:
                await publish(failed)
            return failed
        if result.duplicate:
            return []
        replies = list(result.replies)
        if publish and replies:
            await publish(replies)
        later: list[Reply] = []
        for effect in result.effects:
            try:
                later.extend(await self._run(effect, inbound, result))
            except Exception:
                log.exception("%s failed for case %s", effect.kind, result.case_id)
                later.append(Reply(FAILED_EFFECT))
        if publish and later:
            await publish(later)
        return replies + later

    async def _run(self, effect: Effect, inbound: Inbound, result: TurnResult) -> list[Reply]:
        assert result.customer_id is not None
        if effect.kind == "diagnose":
            return await self._diagnose(effect, inbound, result)
        if effect.kind == "export":
            async with reader(self._db).connect() as conn:
                data = await export_customer(conn, result.customer_id)
            body = json.dumps(data, indent=2, ensure_ascii=False).encode()
            return [Reply(
                "Here is everything I store about you, as a JSON file.",
                file=ReplyFile("fixline-export.json", "application/json", body),
            )]
        if effect.kind == "forget":
            async with writing(self._db) as conn:
                await forget_customer(conn, result.customer_id)
            if self._on_events:
                self._on_events()
            return [Reply("Done: everything about you is erased. If you write again, we start fresh.")]
        if effect.kind in {"link", "link_redeem"}:
            return await self._link(effect, inbound, result)
        if effect.kind in {"opt_out", "opt_in"}:
            await set_opted_out(self._db, inbound.channel, inbound.address, effect.kind == "opt_out")
            return []
        raise ValueError(f"unknown effect {effect.kind}")

    async def _link(self, effect: Effect, inbound: Inbound, result: TurnResult) -> list[Reply]:
        assert result.customer_id is not None
        async with writing(self._db) as conn:
            if effect.kind == "link":
                code = await issue_code(conn, result.customer_id, inbound.channel, utcnow())
            else:
                linked = await redeem(conn, effect.arg or "", inbound.channel, inbound.address,
                                      utcnow())
        if effect.kind == "link":
            minutes = int(VALID_FOR.total_seconds() // 60)
            return [Reply(f"Your link code is {code[:4]}-{code[4:]}. Within {minutes} minutes, "
                          f"send this from the other app (Telegram, SMS, WhatsApp or the web "
                          f"chat):\n/link {code}")]
        if linked is None:
            return [Reply("That link code isn't valid any more (codes work once, for 15 minutes). "
                          "Send /link in your other chat to get a new one.")]
        if linked.already:
            return [Reply("This chat is already part of that conversation.")]
        return await self._process(Inbound(
            channel=inbound.channel, address=inbound.address, message_id=f"internal:{new_id()}",
            action=LINKED, data={"from": CHANNEL_NAMES.get(linked.from_channel, linked.from_channel)},
        ), None)

    async def _diagnose(self, effect: Effect, inbound: Inbound, result: TurnResult) -> list[Reply]:
        facts = _case_facts(result)
        data: dict[str, object] = {"token": effect.token}
        try:
            async with asyncio.timeout(self._timeout):
                diagnosis = await self._diagnostician.diagnose(facts)
            data["diagnosis"] = diagnosis.to_dict()
        except Exception as exc:  # the customer still gets an answer; the case keeps the facts
            log.exception("diagnosis failed for case %s", result.case_id)
            data["error"] = f"{type(exc).__name__}: {exc}"[:500]
        ready = Inbound(
            channel=inbound.channel, address=inbound.address,
            message_id=f"internal:{new_id()}", action=DIAGNOSIS_READY, data=data,
        )
        return await self._process(ready, None)


def _from_outside(inbound: Inbound) -> Inbound:
    """A channel message never carries what only the engine sends itself (a finished
    diagnosis, a photo reading): a forged `system:` button is read as its label."""
    if inbound.internal:
        return replace(inbound, action=None, data=None)
    return inbound


def _case_facts(result: TurnResult) -> CaseFacts:
    equipment = result.equipment or {}
    facts = result.facts or {}
    return CaseFacts(
        equipment=Equipment(
            category=equipment.get("category"), make=equipment.get("make"),
            model=equipment.get("model"), year=equipment.get("year"), vin=equipment.get("vin"),
        ),
        symptoms=tuple(facts.get("symptoms", ())),
        codes=tuple(facts.get("codes", ())),
        follow_ups_asked=int(facts.get("follow_ups", 0)),
    )
