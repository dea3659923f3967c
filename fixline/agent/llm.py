"""The LLM diagnostician: a LangChain agent with Fixline's tools and a validated
structured answer. Any failure (provider down, timeout, malformed answer) falls back to
the offline diagnostician, and the diagnosis notes say so."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from typing import Any

from langchain.agents import create_agent
from langchain.agents.structured_output import ToolStrategy
from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from fixline.agent.diagnosis import CaseFacts, Cause, Diagnosis, Diagnostician
from fixline.agent.redact import redact
from fixline.agent.tools import FAMILIES, build_tools
from fixline.knowledge.codes import CodeBook
from fixline.knowledge.search import HybridSearch

log = logging.getLogger(__name__)

SYSTEM = f"""You are Fixline, an expert mechanic and appliance technician diagnosing a
customer's problem. Use the tools: search_knowledge for the expert articles, lookup_code
for every error code, decode_vin for a VIN, ask_customer only when you cannot narrow the
problem down. Base every cause on what the tools returned and cite their ids as sources.
Put safety first: gas smell, carbon monoxide, brake failure, burning or electrical smell,
smoke, overheating with steam and fuel leaks get a safety warning with the safe action.
Equipment categories: {FAMILIES}. Answer with at most five causes, most likely first,
likelihoods between 0 and 1, concrete steps a customer can do safely, and an honest
overall confidence."""


class CauseOut(BaseModel):
    title: str = Field(min_length=2, max_length=200)
    likelihood: float = Field(ge=0, le=1)
    steps: list[str] = Field(default_factory=list, max_length=10)
    parts: list[str] = Field(default_factory=list)
    safety: bool = False
    sources: list[str] = Field(default_factory=list)


class DiagnosisOut(BaseModel):
    """Fixline's diagnosis of the customer's problem."""

    causes: list[CauseOut] = Field(default_factory=list, max_length=5)
    confidence: float = Field(ge=0, le=1)
    follow_up: str | None = None
    safety_warnings: list[str] = Field(default_factory=list)


class MalformedAnswer(ValueError):
    pass


class LLMDiagnostician:
    def __init__(self, model: BaseChatModel, search: HybridSearch, codes: CodeBook,
                 fallback: Diagnostician, *, timeout: float = 60.0, model_name: str = "llm") -> None:
        self._agent = create_agent(model, tools=list(build_tools(search, codes)), system_prompt=SYSTEM,
                                   response_format=ToolStrategy(DiagnosisOut))
        self._fallback = fallback
        self._timeout = timeout
        self._name = model_name

    async def diagnose(self, facts: CaseFacts) -> Diagnosis:
        started = time.perf_counter()
        try:
            result = await asyncio.wait_for(
                self._agent.ainvoke({"messages": [{"role": "user", "content": describe(facts)}]}),
                self._timeout)
            answer = result.get("structured_response")
            if not isinstance(answer, DiagnosisOut) or (not answer.causes and not answer.follow_up):
                raise MalformedAnswer("no structured diagnosis in the answer")
        except Exception as exc:
            log.warning("LLM diagnosis failed (%s: %s); using the offline diagnostician",
                        type(exc).__name__, str(exc)[:200])
            diagnosis = await self._fallback.diagnose(facts)
            return replace(diagnosis, notes=(*diagnosis.notes, f"llm_fallback:{type(exc).__name__}"))
        return Diagnosis(
            causes=tuple(Cause(c.title, c.likelihood, tuple(c.steps), tuple(c.parts), c.safety,
                               tuple(c.sources)) for c in answer.causes),
            confidence=answer.confidence, follow_up=answer.follow_up,
            safety_warnings=tuple(answer.safety_warnings), model=self._name,
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            tokens=_tokens(result),
        )


def describe(facts: CaseFacts) -> str:
    """The case as the model sees it, with personal data removed."""
    e = facts.equipment
    lines = [f"Equipment: {e.describe()}" + (f", VIN {e.vin}" if e.vin else "")]
    if facts.codes:
        lines.append("Error codes: " + ", ".join(facts.codes))
    lines.append("Customer says:")
    lines.extend(f"- {s}" for s in facts.symptoms)
    return redact("\n".join(lines))


def _tokens(result: dict[str, Any]) -> int:
    total = 0
    for message in result.get("messages", []):
        usage = getattr(message, "usage_metadata", None) or {}
        total += int(usage.get("total_tokens", 0))
    return total
