"""Photos and voice notes in any state: received now, read in the background, and what
they said (a transcript, codes on a display) goes on as if the customer had typed it."""

from __future__ import annotations

from fixline.dialogs.turn import Turn

MEDIA_TOPIC = "media.received"
PERCEIVED = "system:perceived"
WORKING = {"photo": "Thanks, I'm reading your photo…",
           "voice": "Thanks, I'm listening to your voice message…"}


def received(turn: Turn) -> None:
    """Every attachment becomes a background job; the customer hears it is being worked on."""
    case = turn.require_case()
    for attachment in turn.inbound.attachments:
        turn.emit(MEDIA_TOPIC, sha256=attachment.ref if attachment.stored else None,
                  ref=None if attachment.stored else attachment.ref,
                  kind=attachment.kind, mime=attachment.mime, size=attachment.size,
                  channel=turn.inbound.channel, address=turn.inbound.address, case_id=str(case.id),
                  message_id=turn.inbound.message_id)
        turn.say(WORKING.get(attachment.kind, "Thanks, I'm looking at your file…"))


def perceived(turn: Turn) -> str | None:
    """Says what was read or heard and records it on the case with its provenance.
    Returns the text to carry on the conversation with, or None."""
    data = turn.inbound.data or {}
    if data.get("error"):
        turn.say(f"{data['error']} You can also type the code or describe what you see.")
        return None
    case = turn.touch_case()
    if any(m.get("event") == data.get("event") for m in case.facts.get("media", [])):
        return None  # a redelivered result: already told and recorded
    kind, text = data.get("kind"), (data.get("text") or "").strip()
    codes = list(data.get("codes") or [])
    case.facts.setdefault("media", []).append(
        {"event": data.get("event"), "sha256": data.get("sha256"), "kind": kind, "text": text,
         "codes": codes,
         "vins": list(data.get("vins") or [])})
    known = case.facts.setdefault("codes", [])
    known.extend(c for c in codes if c not in known)
    if data.get("vins") and not case.equipment.get("vin"):
        case.equipment["vin"] = data["vins"][0]
    if kind == "voice":
        turn.say(f"I heard: “{text}”. If I got something wrong, just type it.")
        return text
    if codes:
        turn.say(f"I can read {', '.join(codes)} on the display.")
        return f"The display shows {' '.join(codes)}"
    turn.say("I couldn't find an error code in that photo. If there is one, please type it.")
    return None
