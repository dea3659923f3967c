"""start: greeting and privacy consent, keeping what the customer already said."""

from __future__ import annotations

import re

from fixline.agent.equipment import category_of
from fixline.agent.extract import find_codes
from fixline.agent.text import words
from fixline.dialogs.messages import Button
from fixline.dialogs.states import State
from fixline.dialogs.steps import equipment
from fixline.dialogs.steps.choices import as_label
from fixline.dialogs.steps.common import ask_equipment, is_description
from fixline.dialogs.turn import Turn

CONSENT_BUTTONS = (Button("I agree", "consent:yes"), Button("Privacy details", "consent:details"))
GREETING = (
    "Hi, I'm Fixline. I help you work out what's wrong with a car, an appliance or a "
    "machine, and how to fix it.\n"
    "To do that I keep this conversation and the photos or recordings you send. "
    "You can download everything with /export or erase it with /forget at any time. "
    "Is that OK?"
)
PRIVACY = (
    "What I keep: your messages, files you send, and the case details (equipment, symptoms, "
    "diagnosis, outcome). What for: diagnosing your problem and improving answers. "
    "Who sees it: only Fixline, and an expert if you ask for one. "
    "/export gives you all of it; /forget erases it (payment records, if any, are kept "
    "without your personal details, as the law requires)."
)


DECLINED = (
    "Understood. I can't help without keeping the conversation, so I'll wait: say yes "
    "whenever you're ready, or send /forget to erase what you've sent so far."
)
# Typed answers to "Is that OK?". A message made only of these words agrees ("yes
# please", "ok sure"); one that starts with an agreeing word and a comma or full stop
# agrees and goes on ("Yes, my dishwasher won't drain"). Only a whole-message "no"
# declines: "no hot water" describes a problem.
AGREEING = frozenset({
    "yes", "y", "yeah", "yep", "yup", "ok", "okay", "k", "sure", "agree", "agreed", "i",
    "fine", "that's", "thats", "is", "of", "course", "go", "ahead", "alright", "all", "right",
    "please", "thanks", "thank", "you", "sounds", "good", "great", "thing", "\N{THUMBS UP SIGN}",
})
AGREEING_ALONE = AGREEING - {"i", "that's", "thats", "is", "of", "go", "all", "please", "thanks",
                             "thank", "you", "sounds", "thing"}
DECLINING = frozenset({"no", "n", "nope", "nah", "no thanks", "no thank you", "i don't agree",
                       "i do not agree", "i disagree", "disagree", "\N{THUMBS DOWN SIGN}"})
AGREES_AND_GOES_ON = re.compile(
    r"^\s*(?:yes|yeah|yep|ok|okay|sure|i agree|agreed)\s*[,.!;:\-\u2013\u2014]+\s*(?!but\b)(\S.*)",
    re.IGNORECASE | re.DOTALL)


# Words of a question about the service rather than the fault.
ABOUT_US = frozenset({"you", "your", "you're", "u", "fixline", "bot", "free", "cost", "price",
                      "pay", "privacy", "data", "human", "person"})


def handle(turn: Turn) -> None:
    said = "" if turn.action else answer_to_consent(turn.text)
    if said == "no":
        turn.say(DECLINED, CONSENT_BUTTONS)
        return
    if turn.action == "consent:yes" or said == "yes":
        turn.consent_given = True
        pending = turn.context.pop("pending", None)
        rest = consent_rest(turn.text) if said == "yes" else ""
        if rest and worth_keeping(rest):
            pending = f"{pending}\n{rest}" if pending else rest
        if pending:
            turn.text, turn.action = pending, None
            equipment.handle(turn, greeting="Thanks! ")
        else:
            ask_equipment(turn, "Thanks! ")
        return
    if turn.action == "consent:details":
        turn.say(PRIVACY, CONSENT_BUTTONS)
        return
    if turn.text and not turn.text.startswith("/") and worth_keeping(turn.text):
        pending = turn.context.get("pending")
        turn.context["pending"] = f"{pending}\n{turn.text}" if pending else turn.text
    turn.say(GREETING, CONSENT_BUTTONS)
    turn.move(State.START)


def worth_keeping(text: str) -> bool:
    """A first message that already says what is wrong is used once consent is given;
    a plain "hi" is not, nor a question about us ("what do you do?", "is this free")
    that names no equipment and no code."""
    if category_of(text) is not None or find_codes(text):
        return True
    return is_description(text) and not ABOUT_US & set(words(text))


def answer_to_consent(text: str) -> str:
    """"yes" or "no" when the text answers the consent question, else ""."""
    said = as_label(text[:200])
    if said in DECLINING:
        return "no"
    said_words = set(said.split())
    if (said_words & AGREEING_ALONE and said_words <= AGREEING) or AGREES_AND_GOES_ON.match(text[:200]):
        return "yes"
    return ""


def consent_rest(text: str) -> str:
    """What follows the "yes" in "yes, my dishwasher won't drain"."""
    found = AGREES_AND_GOES_ON.match(text)
    return found.group(1).strip() if found else ""
