"""A photo through the whole conversation: received, read in the background by the outbox
worker (real Tesseract), recorded, and continued as if the customer had typed the code."""

from __future__ import annotations

from sqlalchemy import text

from fixline.agent.ocr import TesseractOCR
from fixline.agent.perception import Perceiver
from fixline.core.dispatcher import Dispatcher, Handlers
from fixline.core.files import FileStore
from fixline.dialogs.media_worker import MediaWorker
from fixline.dialogs.messages import Attachment, Inbound, Reply
from fixline.dialogs.outbound import REPLY_TOPIC, Senders
from fixline.dialogs.steps.media import MEDIA_TOPIC
from tests.agent.test_perception import display, jpeg
from tests.conftest import count, make_engine
from tests.support import DRAIN, CannedDiagnostician, Customer


class Outbox:
    """The web channel's place in the test: what would be pushed to the customer's socket."""

    def __init__(self) -> None:
        self.sent: list[Reply] = []

    def parts(self, reply: Reply) -> list[Reply]:
        return [reply]

    async def send_part(self, address: str, reply: Reply) -> None:
        self.sent.append(reply)


async def test_photo_of_a_display_is_read_and_diagnosed(db, tmp_path):
    store = FileStore(tmp_path / "files")
    engine = make_engine(db, CannedDiagnostician(DRAIN))
    senders, outbox = Senders(), Outbox()
    senders.register("web", outbox)
    handlers = Handlers()
    handlers.on(REPLY_TOPIC, senders.deliver)
    handlers.on(MEDIA_TOPIC, MediaWorker(engine, Perceiver(store, TesseractOCR()), store, db))
    dispatcher = Dispatcher(db, handlers)

    customer = Customer(engine)
    await customer.consent()
    await customer.press("equipment:dishwasher")
    stored = store.put(jpeg(display("E24")))
    await customer.engine.handle(Inbound("web", customer.address, "photo-1", attachments=(
        Attachment("photo", stored.mime, stored.size, stored.sha256, stored=True),)))
    await dispatcher.drain()
    said = [r.text for r in outbox.sent]
    assert said[0] == "I can read E24 on the display."
    assert any("Most likely causes" in text for text in said)
    assert await count(db, "SELECT count(*) FROM files WHERE status = 'processed' AND ocr_text = 'E24'") == 1

    # A redelivered event (at least once) neither repeats itself nor records twice.
    async with db.begin() as conn:
        await conn.execute(text("UPDATE outbox SET delivered_at = NULL WHERE topic = 'media.received'"))
    before = len(outbox.sent)
    await dispatcher.drain()
    assert len(outbox.sent) == before
    assert await count(db, "SELECT count(*) FROM files") == 1
    await engine.close()


async def test_an_unreadable_photo_gets_a_way_forward(db, tmp_path):
    from PIL import Image

    store = FileStore(tmp_path / "files")
    engine = make_engine(db)
    senders, outbox = Senders(), Outbox()
    senders.register("web", outbox)
    handlers = Handlers()
    handlers.on(REPLY_TOPIC, senders.deliver)
    handlers.on(MEDIA_TOPIC, MediaWorker(engine, Perceiver(store, TesseractOCR()), store, db))
    customer = Customer(engine)
    await customer.consent()
    stored = store.put(jpeg(Image.new("RGB", (300, 200), (90, 90, 90))))
    replies = await engine.handle(Inbound("web", customer.address, "photo-2", attachments=(
        Attachment("photo", stored.mime, stored.size, stored.sha256, stored=True),)))
    assert replies[0].text == "Thanks, I'm reading your photo…"
    await Dispatcher(db, handlers).drain()
    assert "type the code" in outbox.sent[-1].text
    await engine.close()


async def test_forget_erases_the_customers_files_from_disk(db, tmp_path):
    from fixline.dialogs.media_worker import FileEraser
    from fixline.dialogs.privacy import FORGOTTEN

    store = FileStore(tmp_path / "files")
    engine = make_engine(db)
    handlers = Handlers()
    handlers.on(REPLY_TOPIC, Senders().deliver)  # no live socket: replies wait in the transcript
    handlers.on(MEDIA_TOPIC, MediaWorker(engine, Perceiver(store, TesseractOCR()), store, db))
    handlers.on(FORGOTTEN, FileEraser(store, db))
    dispatcher = Dispatcher(db, handlers, max_attempts=1)

    mine, theirs = Customer(engine), Customer(engine)
    shared = store.put(jpeg(display("E24")))  # both send the very same photo
    own = store.put(jpeg(display("F05")))
    for customer, photos in ((mine, [shared, own]), (theirs, [shared])):
        await customer.consent()
        for n, stored in enumerate(photos):
            await engine.handle(Inbound("web", customer.address, f"{customer.address}-{n}", attachments=(
                Attachment("photo", stored.mime, stored.size, stored.sha256, stored=True),)))
    await dispatcher.drain()
    assert await count(db, "SELECT count(*) FROM files") == 3

    await mine.say("/forget")
    await mine.press("forget:confirm")
    await dispatcher.drain()
    assert not own.path.exists()  # only mine: gone
    assert shared.path.exists()  # the other customer's copy of the same bytes stays
    assert await count(db, "SELECT count(*) FROM files") == 1
    await engine.close()
