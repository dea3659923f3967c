"""The conversation's states (DESIGN.md section 2)."""

from enum import StrEnum


class State(StrEnum):
    START = "start"
    EQUIPMENT = "equipment"
    SYMPTOMS = "symptoms"
    DIAGNOSED = "diagnosed"
    FEEDBACK = "feedback"
    CLOSED = "closed"
