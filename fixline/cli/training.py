"""`fixline train`: refit the confidence calibrator on verified outcomes (the customer's
"fixed it" / "not fixed"), optionally with labeled descriptions, report accuracy and
expected calibration error, and draw the reliability diagram."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from rich.console import Console
from rich.progress import Progress
from sqlalchemy import select

from fixline.agent.calibration import Calibrator, expected_calibration_error, reliability
from fixline.agent.offline import OfflineDiagnostician
from fixline.cli.bench_diagnose import matches
from fixline.cli.diagnosing import facts_for
from fixline.cli.runtime import calibration_path, ensure_database
from fixline.core.db import create_engine, reader
from fixline.core.settings import Settings
from fixline.dialogs.models import Case
from fixline.knowledge.codes import CodeBook
from fixline.knowledge.search import HybridSearch
from fixline.knowledge.store import KnowledgeStore

console = Console(stderr=True, soft_wrap=True)
MIN_SAMPLES = 20


def run_train(settings: Settings, labeled: Path | None, plot: Path | None) -> int:
    cases = [json.loads(line) for line in labeled.read_text().splitlines() if line.strip()] \
        if labeled else []
    raw, correct, sources = asyncio.run(_samples(settings, cases))
    if len(raw) < MIN_SAMPLES:
        console.print(f"Only {len(raw)} verified outcomes ({', '.join(sources) or 'none'}); at least "
                      f"{MIN_SAMPLES} are needed. Add --labeled with labeled descriptions to start.")
        return 1
    held_out = list(range(0, len(raw), 3))  # every third sample judges the fit
    fit_on = [i for i in range(len(raw)) if i not in set(held_out)]
    trial = Calibrator.fit([raw[i] for i in fit_on], [correct[i] for i in fit_on])
    before = expected_calibration_error([raw[i] for i in held_out], [correct[i] for i in held_out])
    after = expected_calibration_error([trial(raw[i]) for i in held_out], [correct[i] for i in held_out])
    calibrator = Calibrator.fit(raw, correct)  # the one kept uses every sample
    calibrator.save(calibration_path(settings))
    picture = plot or settings.data_dir / "reliability.png"
    draw(raw, [calibrator(r) for r in raw], correct, picture)
    print(f"samples: {len(raw)}")
    print(f"sources: {'+'.join(sources)}")
    print(f"accuracy: {sum(correct) / len(correct):.3f}")
    print(f"ece_before: {before:.3f}")
    print(f"ece_after: {after:.3f}")
    print(f"calibrator: a={calibrator.a:.3f} b={calibrator.b:.3f}")
    print(f"reliability_diagram: {picture}")
    return 0


async def _samples(settings: Settings,
                   cases: list[dict[str, object]]) -> tuple[list[float], list[bool], list[str]]:
    await ensure_database(settings)
    db = create_engine(settings)
    raw: list[float] = []
    correct: list[bool] = []
    sources = []
    try:
        async with reader(db).connect() as conn:
            rows = (await conn.execute(select(Case.diagnosis, Case.confidence, Case.outcome)
                                       .where(Case.outcome.is_not(None),
                                              Case.diagnosis.is_not(None)))).all()
        for diagnosis, confidence, outcome in rows:
            score = (diagnosis or {}).get("raw_confidence") or confidence
            if score is not None:
                raw.append(float(score))
                correct.append(outcome == "fixed")
        if rows:
            sources.append(f"{len(rows)} outcomes")
        if cases:
            diagnostician = OfflineDiagnostician(HybridSearch(KnowledgeStore(settings)), CodeBook(db))
            with Progress(console=console) as progress:
                task = progress.add_task("diagnosing labeled cases", total=len(cases))
                for case in cases:
                    facts = facts_for(str(case["text"]), case.get("equipment"),  # type: ignore[arg-type]
                                      category=str(case["family"]))
                    d = await diagnostician.diagnose(facts)
                    if d.causes:
                        raw.append(d.raw_confidence or d.confidence)
                        correct.append(matches(d.causes[0].title, case["expected"]))  # type: ignore[arg-type]
                    progress.advance(task)
            sources.append(f"{len(cases)} labeled")
    finally:
        await db.dispose()
    return raw, correct, sources


def draw(raw: list[float], calibrated: list[float], correct: list[bool], path: Path) -> None:
    """Reliability diagram: how often the first cause was right, against the confidence
    shown; a calibrated model lies on the diagonal."""
    fig, ax = plt.subplots(figsize=(5.5, 5), dpi=120)
    ax.plot([0, 1], [0, 1], "--", color="#9aa3ad", label="perfect calibration")
    for scores, colour, label in ((raw, "#d9822b", "raw score"), (calibrated, "#1f4e79", "calibrated")):
        bins = reliability(scores, correct)
        ax.plot([b[0] for b in bins], [b[1] for b in bins], "o-", color=colour,
                label=f"{label} (ECE {expected_calibration_error(scores, correct):.3f})")
        for conf, acc, n in bins:
            ax.annotate(str(n), (conf, acc), textcoords="offset points", xytext=(4, -10), fontsize=7,
                        color=colour)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence shown", ylabel="first cause right (share)",
           title="Fixline diagnosis reliability")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
