"""Understanding what the equipment is from how customers name it."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from fixline.agent.text import words
from fixline.core.clock import utcnow

CATEGORIES: dict[str, str] = {
    "car": "Car or van",
    "washing_machine": "Washing machine",
    "dryer": "Dryer",
    "dishwasher": "Dishwasher",
    "refrigerator": "Fridge or freezer",
    "oven_range": "Oven, stove or hob",
    "hvac": "Heating or cooling",
    "small_engine": "Mower, saw or generator",
    "other": "Something else",
}

# Phrases first (longest wins), then single words. Order matters where one contains
# another: "washer dryer" is a washing machine, "dish washer" a dishwasher.
_PHRASES: list[tuple[str, str]] = [
    ("washer dryer", "washing_machine"), ("dish washer", "dishwasher"),
    # Said around the name: "the thing that washes dishes", "it dries the clothes".
    ("washes dishes", "dishwasher"), ("wash dishes", "dishwasher"), ("washes the dishes", "dishwasher"),
    ("dries clothes", "dryer"), ("dries the clothes", "dryer"),
    ("washes clothes", "washing_machine"), ("washes the clothes", "washing_machine"),
    ("washing machine", "washing_machine"), ("washin machine", "washing_machine"),
    ("tumble dryer", "dryer"), ("clothes dryer", "dryer"), ("ice maker", "refrigerator"),
    ("heat pump", "hvac"), ("air conditioner", "hvac"), ("air conditioning", "hvac"),
    ("water heater", "hvac"), ("hot water", "hvac"), ("check engine", "car"),
    ("lawn mower", "small_engine"), ("leaf blower", "small_engine"),
    ("pressure washer", "small_engine"), ("snow blower", "small_engine"),
    ("string trimmer", "small_engine"), ("weed eater", "small_engine"),
]
_WORDS: dict[str, str] = {
    **dict.fromkeys(
        "car cars truck van suv pickup sedan hatchback vehicle "
        "toyota honda ford chevy chevrolet nissan hyundai kia vw volkswagen bmw audi mercedes "
        "mazda subaru dodge jeep ram gmc lexus volvo peugeot renault skoda opel fiat tesla "
        "mitsubishi buick cadillac chrysler acura infiniti mini citroen seat".split(),
        "car",
    ),
    **dict.fromkeys("washer washers washing laundry frontloader toploader".split(), "washing_machine"),
    **dict.fromkeys("dryer drier dryers".split(), "dryer"),
    **dict.fromkeys("dishwasher dishwashers dishes".split(), "dishwasher"),
    **dict.fromkeys("fridge refrigerator freezer fridgefreezer icebox".split(), "refrigerator"),
    **dict.fromkeys("oven stove range cooktop hob cooker stovetop burner".split(), "oven_range"),
    **dict.fromkeys(
        "boiler furnace heater heating ac aircon hvac thermostat radiator radiators "
        "cooling minisplit".split(),
        "hvac",
    ),
    **dict.fromkeys(
        "mower lawnmower chainsaw generator trimmer strimmer blower tiller snowblower".split(),
        "small_engine",
    ),
}
_VOCAB = sorted(_WORDS)
_OBD_CODE = re.compile(r"\b[PBCU][0-3][0-9A-F]{3}\b", re.I)
_NAME = re.compile(r"[a-z][a-z-]+")
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")

MAKES = {
    m.lower(): m for m in (
        "Toyota Honda Ford Chevrolet Nissan Hyundai Kia Volkswagen BMW Audi Mercedes Mazda "
        "Subaru Dodge Jeep Ram GMC Lexus Volvo Peugeot Renault Skoda Opel Fiat Tesla Mitsubishi "
        "Buick Cadillac Chrysler Acura Infiniti Citroen Seat Samsung LG Whirlpool Bosch Siemens "
        "Neff Miele GE Frigidaire Electrolux AEG Maytag Kenmore Beko Hotpoint Indesit Haier "
        "Hisense KitchenAid Amana Speed-Queen Zanussi Candy Smeg Sharp Panasonic Daikin Carrier "
        "Trane Lennox Rheem Goodman Honeywell Nest Ecobee Vaillant Worcester Baxi Ideal Viessmann "
        "Navien Rinnai Husqvarna Stihl Briggs Kohler Toro Echo Ryobi Honda Generac Champion "
        "Craftsman Cub-Cadet John-Deere Troy-Bilt DeWalt Makita"
    ).split()
}
_MAKE_ALIASES = {"chevy": "Chevrolet", "vw": "Volkswagen", "merc": "Mercedes", "mercedes-benz": "Mercedes"}


@dataclass(frozen=True, slots=True)
class EquipmentGuess:
    category: str | None
    make: str | None
    year: int | None


def category_of(text: str) -> str | None:
    lowered = " ".join(words(text))
    for phrase, category in _PHRASES:
        if phrase in lowered:
            return category
    if _OBD_CODE.search(text):
        return "car"
    tokens = lowered.split()
    for token in tokens:
        if token in _WORDS:
            return _WORDS[token]
    for token in tokens:  # typos: "dishwaser", "refridgerator", "furnance"
        if len(token) >= 5:
            close = difflib.get_close_matches(token, _VOCAB, n=1, cutoff=0.82)
            if close:
                return _WORDS[close[0]]
    return None


def make_of(text: str) -> str | None:
    for token in _NAME.findall(text.lower()):
        if token in _MAKE_ALIASES:
            return _MAKE_ALIASES[token]
        if token in MAKES:
            return MAKES[token]
    return None


def year_of(text: str) -> int | None:
    latest = utcnow().year + 1
    for m in _YEAR.finditer(text):
        year = int(m.group(1))
        if year <= latest:
            return year
    return None


def guess(text: str, with_category: bool = True) -> EquipmentGuess:
    category = category_of(text) if with_category else None
    return EquipmentGuess(category, make_of(text), year_of(text))
