"""A person in a browser: opens the chat, talks, reloads, and sees the conversation again.
Also saves the README screenshot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.agent.test_perception import display, jpeg
from tests.server import running_server

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "web-chat.png"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def with_knowledge(settings, knowledge_dir) -> None:  # type: ignore[no-untyped-def]
    """The server gets the seeded expert content (a copy) and a code book in its database."""
    import asyncio

    from fixline.core.db import create_engine
    from fixline.knowledge.seed import seed_codes

    shutil.copytree(knowledge_dir / "chroma", settings.data_dir / "chroma")

    async def codes() -> None:
        db = create_engine(settings)
        await seed_codes(db, None)
        await db.dispose()

    asyncio.run(codes())


def test_chat_reload_and_transcript(settings, knowledge_dir):
    from playwright.sync_api import expect, sync_playwright

    with_knowledge(settings, knowledge_dir)
    with running_server(settings) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 420, "height": 860}, device_scale_factor=2)
        page.goto(base + "/")
        expect(page.locator(".msg.out").first).to_contain_text("Hi, I'm Fixline")
        page.get_by_role("button", name="I agree").click()
        expect(page.get_by_role("button", name="Dishwasher")).to_be_visible()
        page.get_by_role("button", name="Dishwasher").click()
        expect(page.locator(".msg.out").last).to_contain_text("Got it: dishwasher")
        page.get_by_label("Message", exact=True).fill("There is dirty water left in the bottom")
        page.get_by_label("Message", exact=True).press("Enter")
        expect(page.locator(".msg.out").last).to_contain_text("Did this fix it?", timeout=20_000)

        page.reload()
        expect(page.locator(".msg.in")).to_have_count(3)  # I agree, Dishwasher, the description
        expect(page.locator(".msg.in").last).to_contain_text("dirty water left in the bottom")
        expect(page.get_by_role("button", name="It's fixed")).to_be_visible()

        # A photo of the display, from the camera button, read in the background.
        page.set_input_files("#photo", files=[{"name": "display.jpg", "mimeType": "image/jpeg",
                                               "buffer": jpeg(display("E24"))}])
        expect(page.locator(".msg.in").last).to_contain_text("Photo")
        expect(page.get_by_text("I can read E24 on the display.")).to_be_visible(timeout=20_000)
        expect(page.locator(".msg.out").last).to_contain_text("Most likely causes", timeout=20_000)
        page.screenshot(path=str(SCREENSHOT))
        browser.close()
