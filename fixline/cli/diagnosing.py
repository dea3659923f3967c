"""`fixline diagnose`: the diagnostician on one description or on JSON lines."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict
from typing import Any

from rich.console import Console

from fixline.agent.diagnosis import CaseFacts, Diagnosis, Diagnostician, Equipment
from fixline.agent.equipment import guess
from fixline.agent.extract import find_codes
from fixline.cli.runtime import build_diagnostician
from fixline.core.db import create_engine
from fixline.core.settings import Settings

err = Console(stderr=True, soft_wrap=True)


def facts_for(text: str, equipment: str | None, category: str | None = None) -> CaseFacts:
    """Case facts as the conversation would have gathered them."""
    seen = guess(f"{equipment or ''} {text}")
    return CaseFacts(
        equipment=Equipment(category=category or seen.category, make=seen.make, year=seen.year),
        symptoms=(text,), codes=tuple(find_codes(text)),
    )


def as_json(diagnosis: Diagnosis, facts: CaseFacts) -> dict[str, Any]:
    return {
        "causes": [{"title": c.title, "likelihood": c.likelihood, "steps": list(c.steps),
                    "sources": list(c.sources), "safety": c.safety} for c in diagnosis.causes],
        "confidence": diagnosis.confidence,
        "follow_up": diagnosis.follow_up,
        "safety_warnings": list(diagnosis.safety_warnings),
        "codes": list(facts.codes),
        "equipment": {k: v for k, v in asdict(facts.equipment).items() if v is not None},
        "model": diagnosis.model,
        "latency_ms": diagnosis.latency_ms,
    }


def run_diagnose(settings: Settings, description: str | None, equipment: str | None,
                 jsonl: bool) -> int:
    if not jsonl and not description:
        err.print("Give a description, or --jsonl with JSON lines on stdin.")
        return 2
    return asyncio.run(_run(settings, description, equipment, jsonl))


async def _run(settings: Settings, description: str | None, equipment: str | None,
               jsonl: bool) -> int:
    db = create_engine(settings)
    try:
        diagnostician: Diagnostician = build_diagnostician(settings, db)
        if not jsonl:
            facts = facts_for(description or "", equipment)
            print(json.dumps(as_json(await diagnostician.diagnose(facts), facts)))
            return 0
        status = 0
        for number, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                facts = facts_for(str(item["text"]), item.get("equipment"))
            except (ValueError, KeyError, TypeError) as exc:
                print(json.dumps({"line": number, "error": f"not a JSON object with text: {exc}"}))
                status = 1
                continue
            print(json.dumps(as_json(await diagnostician.diagnose(facts), facts)), flush=True)
        return status
    finally:
        await db.dispose()
