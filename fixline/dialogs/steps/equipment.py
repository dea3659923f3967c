"""equipment: what is it? Category from a button or from the customer's own words."""

from __future__ import annotations

from fixline.agent.equipment import CATEGORIES
from fixline.dialogs.states import State
from fixline.dialogs.steps.common import (
    absorb_equipment,
    add_symptom,
    ask_equipment,
    category_label,
    is_description,
    request_diagnosis,
    unclear,
)
from fixline.dialogs.turn import Turn


def handle(turn: Turn, greeting: str = "") -> None:
    action = turn.action or ""
    if action.startswith("equipment:"):
        category = action.removeprefix("equipment:")
        if category not in CATEGORIES:
            ask_equipment(turn, "That choice is no longer available. ")
            return
        case = turn.touch_case()
        case.category = category
        case.equipment["category"] = category
        continue_with(turn, [turn.context.pop("pending", None)], greeting)
        return
    if action:
        ask_equipment(turn, "That button belongs to an earlier step. ")
        return
    if unclear(turn):
        ask_equipment(turn, greeting or "Sorry, I didn't catch that. ")
        return
    if not absorb_equipment(turn, turn.text):
        misses = turn.context.get("equipment_misses", 0) + 1
        turn.context["equipment_misses"] = misses
        if is_description(turn.text):
            pending = turn.context.get("pending")
            turn.context["pending"] = f"{pending}\n{turn.text}" if pending else turn.text
        if misses < 3:
            ask_equipment(turn, greeting + "I'm not sure which kind of equipment that is. ")
            return
        # Three tries without a category we know: go on with what the customer says.
        case = turn.touch_case()
        case.category = case.equipment["category"] = "other"
    turn.context.pop("equipment_misses", None)
    continue_with(turn, [turn.context.pop("pending", None), turn.text], greeting)


def continue_with(turn: Turn, texts: list[str | None], greeting: str = "") -> None:
    """The category is known: diagnose what was already described, or ask for symptoms."""
    described = list(dict.fromkeys(t for t in texts if t and is_description(t)))
    if described:
        for text in described:
            add_symptom(turn, text)
        request_diagnosis(turn)
        return
    ask_symptoms(turn, greeting)


def ask_symptoms(turn: Turn, greeting: str = "") -> None:
    case = turn.require_case()
    named = " ".join(str(v) for v in (case.equipment.get("year"), case.equipment.get("make")) if v)
    what = f"{named} ({category_label(case.category)})" if named else category_label(case.category)
    turn.say(
        f"{greeting}Got it: {what}. What is it doing, or not doing? Tell me in your own "
        "words, and include any error code or warning light you see."
    )
    turn.move(State.SYMPTOMS)
