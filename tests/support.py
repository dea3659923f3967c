"""A customer in a test: says things, presses buttons, remembers what Fixline answered."""

from __future__ import annotations

import uuid

from fixline.agent.diagnosis import CaseFacts, Cause, Diagnosis
from fixline.dialogs.engine import ConversationEngine
from fixline.dialogs.messages import Inbound, Reply


class Customer:
    def __init__(self, engine: ConversationEngine, channel: str = "web",
                 address: str | None = None) -> None:
        self.engine = engine
        self.channel = channel
        self.address = address or uuid.uuid4().hex
        self.replies: list[Reply] = []

    async def say(self, text: str, message_id: str | None = None) -> list[Reply]:
        return await self._send(Inbound(self.channel, self.address,
                                        message_id or uuid.uuid4().hex, text=text))

    async def press(self, action: str, label: str = "") -> list[Reply]:
        return await self._send(Inbound(self.channel, self.address, uuid.uuid4().hex,
                                        text=label, action=action))

    async def _send(self, inbound: Inbound) -> list[Reply]:
        self.replies = await self.engine.handle(inbound)
        return self.replies

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies)

    @property
    def actions(self) -> list[str]:
        return [b.action for r in self.replies for b in r.buttons]

    async def consent(self) -> None:
        await self.say("hi")
        await self.press("consent:yes", "I agree")


class CannedDiagnostician:
    """Answers with a prepared Diagnosis (the real ones arrive with the knowledge work);
    keeps the facts it was asked about so tests can check what the engine passed."""

    def __init__(self, *answers: Diagnosis) -> None:
        self.answers = list(answers)
        self.asked: list[CaseFacts] = []

    async def diagnose(self, facts: CaseFacts) -> Diagnosis:
        self.asked.append(facts)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


DRAIN = Diagnosis(
    causes=(
        Cause("Clogged drain filter", 0.6, steps=("Unplug the dishwasher.", "Clean the filter."),
              sources=("dishwasher-wont-drain",)),
        Cause("Kinked drain hose", 0.25),
    ),
    confidence=0.72,
    model="canned",
)
