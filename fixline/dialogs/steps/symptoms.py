"""symptoms: gather the description, ask when it is too thin, and present the diagnosis."""

from __future__ import annotations

from fixline.agent.diagnosis import Diagnosis
from fixline.dialogs.messages import Button
from fixline.dialogs.states import State
from fixline.dialogs.steps.common import (
    OUTCOME_BUTTONS,
    add_symptom,
    description_is_thin,
    request_diagnosis,
    unclear,
)
from fixline.dialogs.turn import Turn

DIAGNOSIS_READY = "system:diagnosis"
# Below this confidence the answer leads with "see a professional".
LOW_CONFIDENCE = 0.4


def handle(turn: Turn, max_follow_ups: int = 2) -> None:
    if turn.action == DIAGNOSIS_READY:
        present(turn, max_follow_ups)
        return
    if turn.action:
        turn.say("That button belongs to an earlier step. Tell me what's happening in your own words.")
        return
    if unclear(turn):
        turn.say(
            "Sorry, I couldn't read that. Describe what the equipment does (or doesn't do), "
            "any noise, smell or leak, and any error code on the display."
        )
        return
    add_symptom(turn, turn.text)
    case = turn.require_case()
    if description_is_thin(turn) and case.facts.get("follow_ups", 0) < max_follow_ups:
        case.facts["follow_ups"] = case.facts.get("follow_ups", 0) + 1
        turn.say(
            "Tell me a bit more: what exactly happens, since when, and is there an error code, "
            "warning light, noise or smell?"
        )
        return
    request_diagnosis(turn)


def present(turn: Turn, max_follow_ups: int) -> None:
    data = turn.inbound.data or {}
    if data.get("token") != turn.context.get("awaiting"):
        return  # an answer to a description the customer has since added to
    turn.context.pop("awaiting", None)
    case = turn.touch_case()
    if data.get("error"):
        turn.say(
            "Sorry, I couldn't finish the diagnosis just now. Your description is saved: "
            "send any message to try again.",
        )
        return
    diagnosis = Diagnosis.from_dict(data["diagnosis"])
    follow_ups = case.facts.get("follow_ups", 0)
    if diagnosis.follow_up and not diagnosis.causes and follow_ups < max_follow_ups:
        case.facts["follow_ups"] = follow_ups + 1
        turn.say(diagnosis.follow_up)
        return
    case.diagnosis = diagnosis.to_dict()
    case.confidence = diagnosis.confidence
    case.status = "diagnosed"
    case.diagnosed_at = turn.now
    turn.emit("case.diagnosed", case_id=str(case.id), confidence=diagnosis.confidence,
              available=diagnosis.available)
    turn.move(State.DIAGNOSED)
    if not diagnosis.available:
        turn.say(
            "I can't diagnose this yet: I don't have reliable knowledge for it, and I won't "
            "guess. Your description is saved with the case. If it's urgent, please contact a "
            "qualified technician.",
            (Button("New case", "/new"),),
        )
        return
    texts = render(diagnosis)
    for i, text in enumerate(texts, 1):
        turn.say(text, OUTCOME_BUTTONS if i == len(texts) else ())


def render(diagnosis: Diagnosis) -> list[str]:
    parts: list[str] = []
    if diagnosis.safety_warnings:
        parts.append("⚠️ Safety first:\n" + "\n".join(f"• {w}" for w in diagnosis.safety_warnings))
    if diagnosis.confidence < LOW_CONFIDENCE or diagnosis.safety:
        parts.append(
            "I'm not confident enough to guide a repair here: please have a professional look at it. "
            "Here is what it most likely is, so you know what to ask about."
        )
    lines = ["Most likely causes:"]
    for i, cause in enumerate(diagnosis.causes[:3], 1):
        lines.append(f"{i}. {cause.title} ({round(cause.likelihood * 100)}%)")
    top = diagnosis.causes[0] if diagnosis.causes else None
    if top and top.steps:
        lines.append("")
        lines.append(f"To check {top.title.lower()}:")
        lines.extend(f"– {step}" for step in top.steps[:6])
    if top and top.sources:
        lines.append("")
        lines.append("Based on: " + "; ".join(diagnosis.title_of(s) for s in top.sources[:3]))
    lines.append("")
    lines.append(f"Confidence: {round(diagnosis.confidence * 100)}%. Did this fix it?")
    parts.append("\n".join(lines))
    return parts
