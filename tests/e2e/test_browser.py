"""A person in a browser: opens the chat, talks, reloads, and sees the conversation again.
Also saves the README screenshot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.server import running_server

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "web-chat.png"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def test_chat_reload_and_transcript(settings):
    from playwright.sync_api import expect, sync_playwright

    with running_server(settings) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 420, "height": 860}, device_scale_factor=2)
        page.goto(base + "/")
        expect(page.locator(".msg.out").first).to_contain_text("Hi, I'm Fixline")
        page.get_by_role("button", name="I agree").click()
        expect(page.get_by_role("button", name="Dishwasher")).to_be_visible()
        page.get_by_role("button", name="Dishwasher").click()
        expect(page.locator(".msg.out").last).to_contain_text("Got it: dishwasher")
        page.get_by_label("Message").fill("It shows E24 and there is dirty water left in the bottom")
        page.get_by_label("Message").press("Enter")
        expect(page.locator(".msg.out").last).to_contain_text("I can't diagnose this yet")

        page.reload()
        expect(page.locator(".msg.in")).to_have_count(3)  # I agree, Dishwasher, the description
        expect(page.locator(".msg.in").last).to_contain_text("dirty water left in the bottom")
        expect(page.get_by_role("button", name="New case")).to_be_visible()
        page.screenshot(path=str(SCREENSHOT))
        browser.close()
