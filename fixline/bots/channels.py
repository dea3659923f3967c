"""The channel adapters a process runs, as the composition root built them from settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fixline.bots.intake import Intake

if TYPE_CHECKING:
    from fixline.bots.telegram.channel import TelegramChannel
    from fixline.bots.twilio.channel import TwilioChannel


@dataclass
class Channels:
    intake: Intake
    telegram: TelegramChannel | None = None
    twilio: TwilioChannel | None = None

    async def close(self) -> None:
        await self.intake.drain()
        if self.telegram is not None:
            await self.telegram.close()
        if self.twilio is not None:
            await self.twilio.close()
