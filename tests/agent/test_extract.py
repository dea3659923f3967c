from __future__ import annotations

import pytest

from fixline.agent.extract import find_codes
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
