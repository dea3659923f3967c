"""`fixline bench diagnose`: how often the offline diagnostician's causes are right on a
labeled set of customer descriptions, with BM25-only and vector-only retrieval as
baselines in the same run."""

from __future__ import annotations

import asyncio
import json
import re
import statistics
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from fixline.agent.calibration import expected_calibration_error
from fixline.agent.diagnosis import Diagnosis
from fixline.agent.offline import OfflineDiagnostician
from fixline.cli.diagnosing import facts_for
from fixline.core.db import create_engine
from fixline.core.settings import Settings
from fixline.knowledge.codes import CodeBook
from fixline.knowledge.search import HybridSearch
from fixline.knowledge.store import KnowledgeStore

console = Console(stderr=True, soft_wrap=True)
MODES = ("hybrid", "bm25", "vector")


def normalise(text: str) -> list[str]:
    return [w.rstrip("s") if len(w) > 3 else w for w in re.findall(r"[a-z0-9]+", text.lower())]


def matches(title: str, phrases: list[str]) -> bool:
    """A cause title names the expected cause when every word of one phrase is in it."""
    words = set(normalise(title))
    return any(set(normalise(p)) <= words for p in phrases if normalise(p))


def score(cases: list[dict[str, Any]], diagnoses: list[Diagnosis]) -> dict[str, float]:
    top1, top3, conf, safe_hits, latencies = [], [], [], [], []
    for case, d in zip(cases, diagnoses, strict=True):
        titles = [c.title for c in d.causes]
        top1.append(bool(titles) and matches(titles[0], case["expected"]))
        top3.append(any(matches(t, case["expected"]) for t in titles[:3]))
        conf.append(d.confidence)
        latencies.append(d.latency_ms)
        if case["safety"]:
            safe_hits.append(d.safety)
    false_alarms = [d.safety for c, d in zip(cases, diagnoses, strict=True) if not c["safety"]]
    ordered = sorted(latencies)
    return {
        "top1": sum(top1) / len(cases),
        "top3": sum(top3) / len(cases),
        "safety_recall": sum(safe_hits) / max(1, len(safe_hits)),
        "safety_false_alarm": sum(false_alarms) / max(1, len(false_alarms)),
        "ece": expected_calibration_error(conf, top1),
        "median_ms": statistics.median(ordered),
        "p95_ms": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
    }


def run(settings: Settings, data: str) -> int:
    cases = [json.loads(line) for line in Path(data).read_text().splitlines() if line.strip()]
    results = asyncio.run(_run(settings, cases))
    for mode, figures in results.items():
        prefix = "" if mode == "hybrid" else f"{mode}_"
        for name, value in figures.items():
            print(f"{prefix}{name}: {value:.3f}" if "ms" not in name else f"{prefix}{name}: {value:.1f}")
    print(f"cases: {len(cases)}")
    return 0


async def _run(settings: Settings, cases: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    db = create_engine(settings)
    store = KnowledgeStore(settings)
    if store.count() == 0:
        console.print("[red]The knowledge base is empty: run `fixline seed` first.[/red]")
        raise SystemExit(1)
    search = HybridSearch(store)
    codes = CodeBook(db)
    results: dict[str, dict[str, float]] = {}
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      console=console) as progress:
            for mode in MODES:
                diagnostician = OfflineDiagnostician(search, codes, mode=mode)  # type: ignore[arg-type]
                task = progress.add_task(f"{mode:>6}", total=len(cases))
                diagnoses = []
                for case in cases:
                    facts = facts_for(case["text"], case.get("equipment"), category=case["family"])
                    diagnoses.append(await diagnostician.diagnose(facts))
                    progress.advance(task)
                results[mode] = score(cases, diagnoses)
    finally:
        await db.dispose()
    return results
