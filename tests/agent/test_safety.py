from __future__ import annotations

import pytest

from fixline.agent.safety import hazards


@pytest.mark.parametrize(("text", "family", "expected"), [
    ("i smell gas near my boiler", "hvac", "gas"),
    ("kitchen smells like rotten eggs when the oven is on", "oven_range", "gas"),
    ("our CO alarm keeps going off in the hallway", "hvac", "co"),
    ("black soot on the boiler case and a lazy yellow flame", "hvac", "co"),
    ("brake pedal went almost to the floor this morning", "car", "brakes"),
    ("temp gauge in the red and steam coming out from under the hood", "car", "overheating"),
    ("burning plastic smell from the back of the dryer", "dryer", "burning"),
    ("sparks came out of the socket when I plugged in the kettle", None, "burning"),
    ("puddle of petrol under the car and strong smell of fuel", "car", "fuel"),
    ("I got a shock touching the washing machine door", "washing_machine", "shock"),
    ("smelled burning plastic behind the dash", "car", "burning"),
    ("strong ammonia smell from the back of the RV fridge", "refrigerator", "ammonia"),
    ("gas is dripping out of the carburetor onto the hot engine", "small_engine", "fuel"),
])
def test_hazards_are_found(text, family, expected):
    assert expected in [h.name for h in hazards(text, family)]


@pytest.mark.parametrize(("text", "family"), [
    ("dishwasher wont drain and smells of old food", "dishwasher"),
    ("new shock absorbers clunk over bumps", "car"),
    ("the smoke detector chirps every minute", "hvac"),
    ("gas dryer not heating anymore", "dryer"),
    ("brakes squeal a little when cold", "car"),
    ("pulled the spark plug and it sparks fine on the engine", "small_engine"),
    ("blowing white smoke after I tipped the mower over", "small_engine"),
])
def test_ordinary_faults_are_not_hazards(text, family):
    assert hazards(text, family) == []
