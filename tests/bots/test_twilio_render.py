"""Replies as SMS and WhatsApp text: numbered options, links, files, and long replies cut
into messages at segment boundaries without breaking words."""

from __future__ import annotations

import pytest

from fixline.bots.twilio import gsm
from fixline.bots.twilio.render import MAX_SMS_SEGMENTS, MAX_WHATSAPP_CHARS, render, split
from fixline.dialogs.messages import Button, Reply, ReplyFile

OUTCOME = (Button("It's fixed", "outcome:fixed"), Button("Not fixed", "outcome:not_fixed"),
           Button("New case", "/new"))


def test_buttons_become_numbered_options():
    [body] = render(Reply("Did that help?", OUTCOME), "sms")
    assert body == "Did that help?\n\nReply 1 for It's fixed, 2 for Not fixed or 3 for New case."
    [body] = render(Reply("Anything else?", (Button("New case", "/new"),)), "whatsapp")
    assert body.endswith("Reply 1 for New case.")
    rating = tuple(Button(str(n), f"rating:{n}") for n in range(1, 6))
    assert render(Reply("How helpful was I?", rating), "sms")[0].endswith("Reply 1, 2, 3, 4 or 5.")


def test_link_is_written_out_and_a_file_is_explained():
    [body] = render(Reply("Pay here to talk to an expert.", link="https://pay.example/c/1"), "sms")
    assert body == "Pay here to talk to an expert.\n\nhttps://pay.example/c/1"
    export = Reply("Here is everything I store about you.",
                   file=ReplyFile("fixline-export.json", "application/json", b"{}"))
    assert "(The file can't be sent by SMS; send /export in the web chat or Telegram.)" in \
        render(export, "sms")[0]
    assert "can't be sent by WhatsApp" in render(export, "whatsapp")[0]


def test_nothing_to_say_sends_nothing():
    assert render(Reply("  "), "sms") == []


def test_gsm7_and_ucs2_segments():
    assert gsm.segments("a" * 160) == 1
    assert gsm.segments("a" * 161) == 2
    assert gsm.segments("a" * 153 * 3) == 3
    assert gsm.segments("€" * 80) == 1  # two septets each: exactly 160
    assert gsm.segments("€" * 81) == 2
    assert gsm.encoding("Temperature 5°C") == gsm.UCS2  # ° is not in GSM 03.38
    assert gsm.segments("Ω" * 70 + "😀") == 2  # Ω is GSM-7 but the emoji makes it UCS-2
    assert gsm.segments("ü" * 70) == 1 and gsm.encoding("ü") == gsm.GSM7
    assert gsm.segments("á" * 70) == 1 and gsm.segments("á" * 71) == 2
    assert gsm.segments("😀" * 35) == 1 and gsm.segments("😀" * 36) == 2  # two units each
    assert gsm.segments("😀" * 67) == 3  # 33 pairs per part: a pair never straddles two parts


def test_typographic_punctuation_keeps_plain_english_in_gsm7():
    [body] = render(Reply("Thanks, I’m reading your photo… “E24” – drain"), "sms")
    assert body == 'Thanks, I\'m reading your photo... "E24" - drain'
    assert gsm.encoding(body) == gsm.GSM7
    # WhatsApp has no segments: the text goes as written.
    assert render(Reply("I’m reading…"), "whatsapp") == ["I’m reading…"]


def test_long_sms_reply_is_split_into_whole_word_messages():
    words = [f"step{n}" for n in range(600)]  # 4,689 characters
    bodies = render(Reply(" ".join(words)), "sms")
    assert len(bodies) == 4  # at most 1,530 characters each
    for body in bodies:
        assert gsm.segments(body) <= MAX_SMS_SEGMENTS
        assert body == body.strip()
    assert " ".join(bodies).split() == words  # nothing lost, no word cut
    assert gsm.segments(bodies[0]) == MAX_SMS_SEGMENTS  # each message is as full as it can be


def test_long_ucs2_reply_uses_the_smaller_segments():
    text = "Сливной фильтр засорён, почистите его. " * 40  # Cyrillic: UCS-2
    bodies = render(Reply(text), "sms")
    assert all(gsm.encoding(b) == gsm.UCS2 and gsm.segments(b) <= MAX_SMS_SEGMENTS for b in bodies)
    assert all(len(b) <= 67 * MAX_SMS_SEGMENTS for b in bodies)
    assert " ".join(bodies).split() == text.split()


def test_split_prefers_paragraphs_then_lines():
    first, second = "A" * 50 + " first paragraph.", "Second " * 8
    assert split(f"{first}\n\n{second}", lambda t: len(t) <= 80) == [first, second.strip()]
    lines = "\n".join(f"line {n} of the steps" for n in range(10))
    pieces = split(lines, lambda t: len(t) <= 70)
    assert all(p.startswith("line ") and p.endswith("of the steps") for p in pieces)


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
def test_a_word_longer_than_a_message_is_cut(channel):
    url = "https://example.com/" + "x" * 4000
    bodies = render(Reply(f"See {url}"), channel)
    assert bodies[0] == "See"  # cut between the words first
    assert "".join(bodies[1:]) == url and len(bodies) > 2


def test_whatsapp_splits_at_twilios_1600_character_limit():
    paragraph = "Check the drain hose for kinks and clean the filter under the basket. " * 10
    bodies = render(Reply("\n\n".join([paragraph.strip()] * 5)), "whatsapp")
    assert len(bodies) > 1
    assert all(len(b) <= MAX_WHATSAPP_CHARS for b in bodies)
    assert all(b.endswith("basket.") for b in bodies)  # cut between paragraphs or sentences
