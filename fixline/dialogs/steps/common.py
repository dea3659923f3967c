"""Pieces several steps share: the category buttons and taking in a description."""

from __future__ import annotations

from fixline.agent.equipment import CATEGORIES, guess
from fixline.agent.extract import find_codes
from fixline.dialogs.messages import Button
from fixline.dialogs.states import State
from fixline.dialogs.steps.choices import as_label
from fixline.dialogs.text import looks_like_garbage, words
from fixline.dialogs.turn import Turn

CATEGORY_BUTTONS = tuple(Button(label, f"equipment:{key}") for key, label in CATEGORIES.items())
OUTCOME_BUTTONS = (
    Button("It's fixed", "outcome:fixed"),
    Button("Not fixed", "outcome:not_fixed"),
    Button("New case", "/new"),
)
# A description shorter than this, with no code, is too thin to diagnose well.
MIN_DESCRIPTION_WORDS = 4


def ask_equipment(turn: Turn, prefix: str = "") -> None:
    turn.say(
        f"{prefix}What needs fixing? Tap one, or just tell me (for example "
        "\"2014 Honda Civic\" or \"Bosch dishwasher\").",
        CATEGORY_BUTTONS,
    )
    turn.move(State.EQUIPMENT)


def absorb_equipment(turn: Turn, text: str) -> bool:
    """Reads equipment details from text into the case; True if the category is known."""
    case = turn.require_case()
    # The fuzzy category match is the costly part: skip it once the category is known.
    found = guess(text, with_category=case.category is None)
    changed = False
    for key, value in (("make", found.make), ("year", found.year)):
        if value and not case.equipment.get(key):
            case.equipment[key] = value
            changed = True
    if found.category and not case.category:
        case.category = found.category
        case.equipment["category"] = found.category
        changed = True
    if changed:
        case.dirty = True
    return case.category is not None


def is_description(text: str) -> bool:
    """More than naming the equipment: something about what is wrong."""
    return bool(find_codes(text)) or len(words(text)) >= MIN_DESCRIPTION_WORDS


def add_symptom(turn: Turn, text: str) -> None:
    case = turn.touch_case()
    symptoms = case.facts.setdefault("symptoms", [])
    symptoms.append(text)
    codes = case.facts.setdefault("codes", [])
    for code in find_codes(text):
        if code not in codes:
            codes.append(code)
    absorb_equipment(turn, text)


def description_is_thin(turn: Turn) -> bool:
    case = turn.require_case()
    all_words = sum(len(words(s)) for s in case.facts.get("symptoms", []))
    return not case.facts.get("codes") and all_words < MIN_DESCRIPTION_WORDS + 2


def request_diagnosis(turn: Turn) -> None:
    effect = turn.request("diagnose")
    turn.context["awaiting"] = effect.token
    turn.move(State.SYMPTOMS)


# Words that carry nothing about the fault: "thanks", "ok cool", "hello" after a diagnosis
# are not new symptoms to diagnose again.
SMALL_TALK = frozenset({
    "hi", "hello", "hey", "thanks", "thank", "you", "thx", "ty", "cheers", "ok", "okay", "k",
    "cool", "great", "nice", "good", "perfect", "awesome", "brilliant", "bye", "goodbye",
    "alright", "sure", "so", "much", "very", "a", "lot",
    "will", "try", "i'll", "that", "it", "\N{THUMBS UP SIGN}", "\N{SLIGHTLY SMILING FACE}",
})


def unclear(turn: Turn) -> bool:
    return not turn.text or looks_like_garbage(turn.text)


def small_talk(text: str) -> bool:
    """Only greetings, thanks and acknowledgements ("ok thanks, will try that")."""
    said = as_label(text[:200]).split()
    return bool(said) and set(said) <= SMALL_TALK


def category_label(category: str | None) -> str:
    return CATEGORIES.get(category or "other", "Something else").lower()
