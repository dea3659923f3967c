"""What the equipment is, from how customers name it."""

from __future__ import annotations

import pytest

from fixline.agent.equipment import category_of


@pytest.mark.parametrize(("text", "category"), [
    ("2015 Bosch dishwasher", "dishwasher"),
    ("dish washer", "dishwasher"),
    ("washer dryer combo", "washing_machine"),
    # Named by what it does, as people do when the word escapes them.
    ("the thing in the kitchen that washes dishes", "dishwasher"),
    ("my dishes come out dirty", "dishwasher"),
    ("it dries the clothes badly", "dryer"),
    ("the machine that washes clothes", "washing_machine"),
    ("check engine light is on", "car"),
    ("hello there", None),
])
def test_category_from_how_it_is_named(text: str, category: str | None) -> None:
    assert category_of(text) == category
