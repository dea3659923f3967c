from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixline.agent import extract
from fixline.agent.extract import (
    book_lookalike,
    book_sibling,
    find_codes,
    find_display_codes,
    find_spoken_codes,
    normalise_spoken,
)
from fixline.agent.redact import redact
from fixline.agent.vin import decode_vin, find_vins


@pytest.mark.parametrize(("text", "codes"), [
    ("my dishwasher shows error E 24 and will not drain", ["E24"]),
    ("code P zero three zero one came up", ["P0301"]),
    ("it says E twenty four", ["E24"]),
    ("the display shows F oh five", ["F05"]),
    ("check engine light, p0420 and P0171", ["P0420", "P0171"]),
    ("Samsung washer 4C", ["4C"]),
    ("LG washer shows OE", ["OE"]),
    ("whirlpool F9E1 on the screen", ["F9E1"]),
    ("it has been 2 hours and 3 days", []),
    ("I have a 2014 car with 4 doors", []),
])
def test_codes_in_customer_text(text, codes):
    assert find_codes(text) == codes


def test_vin_check_digit_and_decoding():
    decoded = decode_vin("1HGCM82633A004352")
    assert decoded.make == "Honda" and decoded.check_digit_ok and 2003 in decoded.years
    assert not decode_vin("1HGCM82633A004353").check_digit_ok
    with pytest.raises(ValueError):
        decode_vin("1HGCM82633A00435O")  # O is never used in a VIN
    assert find_vins("my vin is 1hgcm82633a004352 thanks") == ["1HGCM82633A004352"]


def test_personal_data_is_redacted():
    text = redact("call +44 7700 900123 or jo@example.com about VIN 1HGCM82633A004352, code P0301")
    assert "7700" not in text and "jo@" not in text and "004352" not in text
    assert "1HGCM82633A" in text and "P0301" in text


@pytest.mark.parametrize(("transcript", "codes"), [
    ("My dishwasher shows error eat 24, and will not drain.", ["E24"]),  # the letter as a word
    ("The display shows he 15.", ["E15"]),
    ("I eat 2 apples a day and my fridge is warm.", []),  # no cue word before "eat"
    ("Check engine light is on and the code is P0-3-0-1.", ["P0301"]),  # digits one by one
    ("Check engine light is on and the code is B0301.", ["P0301"]),  # P heard as B
    ("My Samsung washer shows 5V.", ["5V"]),  # 5C and 5E both exist: no guess
    ("The washing machine says 4C.", ["4C"]),
])
def test_codes_in_a_speech_transcript(transcript, codes):
    assert find_spoken_codes(transcript) == codes


def test_an_e_set_letter_is_swapped_only_for_a_code_the_tables_know():
    assert book_sibling("B0301") == "P0301"
    assert book_sibling("E24") == "E24"  # known as heard
    assert book_sibling("E98") == "E98"  # no sibling known either
    assert "B0301" in find_codes("my car shows B0301")  # typed codes are taken as written


def test_a_display_reading_the_tables_do_not_know_becomes_its_known_look_alike():
    assert book_lookalike("SE") == "5E"  # a display "5" read as "S"
    assert book_lookalike("OE") == "OE"  # known as read: no guessing
    assert book_lookalike("F217") == "F217"  # no known look-alike either
    assert find_display_codes("Code SE") == ["5E"]


_SPOKEN_WORDS = ["E", "f", "P", "c", "u", "b", "twenty", "four", "oh", "zero", "eleven", "5", "24",
                 "-", "error", "shows", "my", "washer", "E-", "xF", "Fx"]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(_SPOKEN_WORDS), max_size=10).map(" ".join))
def test_spoken_codes_shortcut_changes_nothing(text):
    """The scan that skips texts with no spoken code gives what the three rewrites give."""
    assert normalise_spoken(text) == extract._rewrite_spoken(text)


_CODE_WORDS = ["E24", "e 24", "P0301", "p0420", "4C", "5e", "OE", "oe", "SUD", "H2O", "LE", "dE",
               "2", "hours", "code", "error", "Bosch", "drains", "F05", "UB", "-", "water",
               "E", "f", "l-", "3", "2015", "Ré", "١٢", "ſ", "K", "\t", "P 0", "x9"]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(_CODE_WORDS), max_size=8).map(" ".join))
def test_codes_shortcut_changes_nothing(text):
    """Skipping the scans that could find nothing gives what every scan gives."""
    assert find_codes(text) == extract._codes_in(normalise_spoken(text), False)
