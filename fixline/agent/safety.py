"""Hazards come first: situations where the right first answer is a safe action, whatever
the likely fault. Patterns allow for the typos and loose wording of real messages."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Hazard:
    name: str
    cause: str  # how the hazard is named as a cause
    warning: str  # the safe action, said first
    families: frozenset[str] | None = None  # None: any equipment


def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


SMELL = r"(smel+s?|smel+ing|smel+ed|smelt|odou?rs?|stinks?|stench|whiff)"
BURNING = ("Switch it off and unplug it (or turn off its breaker) now, and don't use it again until "
           "it has been checked. If there is smoke or flame, get out and call the fire service.")
RULES: list[tuple[re.Pattern[str], Hazard]] = [
    (_p(rf"\b(gas\s*leak|leaking\s+gas|rotten\s+eggs?|{SMELL}\W+(\w+\W+){{0,4}}(of\s+)?(natural\s+)?(gas|propane|lpg|sulph|sulfur)"
        rf"|(gas|propane)\W+(\w+\W+){{0,3}}{SMELL})"),
     Hazard("gas", "Gas leak",
            "If you smell gas: don't switch anything on or off, no flames, open windows, leave the "
            "building and call your gas emergency line from outside.",
            frozenset({"hvac", "oven_range", "dryer", "refrigerator", "other"}))),
    (_p(r"\b(carbon\s*monoxide|co\s*(alarm|detector|sensor|monitor)|co2?\s+alarm|(alarm|detector)\W+(\w+\W+){0,3}co\b"
        r"|soot\w*|(yellow|orange|lazy|floppy)\W+(\w+\W+){0,2}flames?)"),
     Hazard("co", "Carbon monoxide from a faulty appliance",
            "A carbon monoxide alarm means get everyone (and pets) outside into fresh air now, call "
            "the emergency services or gas emergency line, and don't go back in until it is cleared.")),
    (_p(r"\b(brakes?\W+(\w+\W+){0,5}(floor|fail\w*|gone|not\s+work\w*|doesn.?t\s+work|spongy|soft|sinks?|no\s+pressure)"
        r"|pedal\W+(\w+\W+){0,4}(floor|sinks?|spongy|soft)|can.?t\s+stop|won.?t\s+stop)"),
     Hazard("brakes", "Brake hydraulic failure (fluid leak or master cylinder)",
            "Don't drive with brakes that feel soft or go to the floor: stop somewhere safe and have "
            "the car towed or inspected where it stands.", frozenset({"car"}))),
    (_p(r"\b(steam\w*|smok\w*)\W+(\w+\W+){0,6}(hood|bonnet|engine|radiator)"
        r"|overheat\w*\W+(\w+\W+){0,8}(steam|smok\w*|boil\w*)|(temp\w*|gauge)\W+(\w+\W+){0,4}(red|max|hot)\W+(\w+\W+){0,6}(steam|smok)"),
     Hazard("overheating", "Engine overheating from coolant loss",
            "Pull over and switch the engine off. Never open the radiator or coolant cap while hot: "
            "scalding coolant can spray out. Let it cool for at least 30 minutes.",
            frozenset({"car", "small_engine"}))),
    (_p(rf"(?:\b(burn\w*|electric\w*|melt\w*|scorch\w*|plastic)\W+(\w+\W+){{0,2}}{SMELL}"
        rf"|{SMELL}\W+(\w+\W+){{0,3}}(burn\w*|electric\w*|melt\w*|scorch\w*)"
        r"|flames?\s+(shoot|com|out)\w*|on\s+fire|caught\s+fire)"),
     Hazard("burning", "Electrical fault or overheating part", BURNING)),
    # Sparks and smoke from an appliance or its socket; on engines they are usually the
    # ignition ("the plug sparks") or oil smoke, judged by the articles, not as a fire.
    (_p(r"\b(spark(s|ed|ing)?\b(?!\s+plug)|smok(e|ing)\b(?!\w*\s+(detector|alarm)))"),
     Hazard("burning", "Electrical fault or overheating part", BURNING,
            frozenset({"washing_machine", "dryer", "dishwasher", "refrigerator", "oven_range", "hvac",
                       "other"}))),
    (_p(r"\bammonia\b"),
     Hazard("ammonia", "Ammonia leak from the cooling unit",
            "An ammonia smell from an absorption (RV or gas) fridge means its cooling unit is leaking a "
            "toxic gas: switch it off, ventilate, keep people away from the fumes and have the cooling "
            "unit replaced.", frozenset({"refrigerator", "other"}))),
    (_p(r"\b(fuel|petrol|gasoline|diesel|gas)\W+(\w+\W+){0,3}(leak\w*|drip\w*|pool|pudd\w*|pour\w*)"
        r"|\b(fuel|petrol|gasoline|diesel)\W+(\w+\W+){0,3}smel\w*"
        r"|(leak\w*|drip\w*|smel\w*)\W+(\w+\W+){0,3}(fuel|petrol|gasoline|diesel)"),
     Hazard("fuel", "Fuel leak",
            "A fuel leak can catch fire: don't start or run it, keep sparks and flames away, and have "
            "the leak fixed before using it again.", frozenset({"car", "small_engine"}))),
    (_p(r"\b(electric\w*\s+)?shock\w*|\bzapp?\w*|\btingl\w*"),
     Hazard("shock", "Electrical fault (earth or insulation failure)",
            "If it gave you a shock, switch it off at the breaker before touching it again and have an "
            "electrician check the appliance and the socket.")),
]
NOT_A_SHOCK = re.compile(r"shock\s*(absorber|mount)s?", re.IGNORECASE)


def hazards(text: str, family: str | None = None) -> list[Hazard]:
    found: list[Hazard] = []
    for pattern, hazard in RULES:
        if any(h.name == hazard.name for h in found):
            continue
        if hazard.families is not None and family and family not in hazard.families:
            continue
        if hazard.name == "shock" and NOT_A_SHOCK.search(text):
            continue
        if pattern.search(text):
            found.append(hazard)
    return found
