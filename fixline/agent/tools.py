"""The LLM agent's tools: plain functions with types and a docstring (the docstring is
what the model reads). A tool never raises into the agent loop: it answers with an
error the model can act on."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from langchain_core.tools import BaseTool, tool

from fixline.agent.vin import decode_vin as decode
from fixline.knowledge.codes import CodeBook
from fixline.knowledge.search import HybridSearch

FAMILIES = "car, washing_machine, dryer, dishwasher, refrigerator, oven_range, hvac, small_engine"


def build_tools(search: HybridSearch, codes: CodeBook) -> Sequence[BaseTool]:
    @tool
    async def search_knowledge(query: str, equipment_category: str | None = None) -> str:
        """Search Fixline's expert-written repair articles and error-code entries.

        Args:
            query: the symptoms in plain words, with any error code.
            equipment_category: one of car, washing_machine, dryer, dishwasher,
                refrigerator, oven_range, hvac, small_engine (optional).
        Returns JSON: the best documents with their id, title and ranked causes.
        """
        try:
            families = [equipment_category] if equipment_category else []
            hits = await asyncio.to_thread(search.search, query, families=families, k=5)
        except Exception as exc:
            return f"error: search failed ({type(exc).__name__}); try a shorter query"
        return json.dumps([{
            "id": h.doc.id, "title": h.doc.title,
            "causes": [{"title": c["title"], "likelihood": c["likelihood"],
                        "checks": c.get("steps", [])[:4]} for c in h.doc.body.get("causes", [])],
            "safety_critical": bool(h.doc.body.get("safety", {}).get("critical")),
        } for h in hits])

    @tool
    async def lookup_code(code: str, brand: str | None = None,
                          equipment_category: str | None = None) -> str:
        """Look up what an error code means: OBD-II codes for cars (P0301) or the codes an
        appliance shows (E24, 4C, OE), best for the given brand and equipment category."""
        try:
            meanings = await codes.lookup([code], brand=brand, family=equipment_category)
        except Exception as exc:
            return f"error: lookup failed ({type(exc).__name__})"
        if not meanings:
            return f"no entry for {code!r}" + (f" on {brand}" if brand else "")
        return json.dumps([{"code": m.canonical, "brand": m.brand or "generic OBD-II",
                            "equipment_category": m.family, "title": m.title, "meaning": m.meaning,
                            "causes": [c for c, _ in m.causes], "action": m.action}
                           for m in meanings[:3]])

    @tool
    def decode_vin(vin: str) -> str:
        """Decode a 17-character vehicle identification number offline: make, country,
        model year(s), and whether its check digit is valid."""
        try:
            d = decode(vin)
        except ValueError as exc:
            return f"error: {exc}"
        return json.dumps({"make": d.make, "country": d.country, "model_years": list(d.years),
                           "check_digit_valid": d.check_digit_ok})

    @tool
    def ask_customer(question: str) -> str:
        """Use when the facts are too thin to diagnose: the question is put to the customer.
        After calling it, return your answer with follow_up set to the question and no causes."""
        return "noted: return the answer now with follow_up set to this question"

    return [search_knowledge, lookup_code, decode_vin, ask_customer]
