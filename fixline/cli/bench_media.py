"""`fixline bench media`: perception measured on generated samples. Speech from espeak-ng
(word error rate, spoken codes found); displays, dashboards and labels rendered with
Pillow in several conditions (code precision and recall, latency per file). The speech
engines and their comparison live in bench_speech."""

from __future__ import annotations

import io
import random
import statistics
import tempfile
from functools import partial
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont
from rich.console import Console
from rich.progress import Progress

from fixline.agent.ocr import TesseractOCR
from fixline.agent.perception import Perceiver
from fixline.agent.speech import LocalWhisper
from fixline.cli import bench_speech
from fixline.cli.bench_speech import SPEECH, word_error_rate
from fixline.core.files import FileStore

# Re-exported: tests and older callers import word_error_rate and SPEECH from here.
__all__ = ["SPEECH", "run", "word_error_rate"]

console = Console(stderr=True, soft_wrap=True)
DISPLAYS = ["E24", "4C", "F05", "OE", "E15", "5E", "F21", "UE", "P0420", "P0301", "E22", "LE"]
CONDITIONS = ("clean", "noisy", "blurred", "rotated", "low_contrast")
FONTS = (44, 56, 72)


def render(code: str, condition: str, rng: random.Random) -> bytes:
    kind = rng.choice(["display", "dashboard", "label"])
    size = rng.choice(FONTS)
    if kind == "display":
        fg, bg, text = (40, 255, 90), (12, 14, 12), code
    elif kind == "dashboard":
        fg, bg, text = (255, 170, 0), (5, 5, 25), f"Code {code}"
    else:
        fg, bg, text = (25, 25, 25), (235, 235, 225), f"ERROR {code}"
    font = ImageFont.load_default(size=size)
    width = int(font.getlength(text)) + 60
    image = Image.new("RGB", (width, size + 60), bg)
    ImageDraw.Draw(image).text((30, 25), text, fill=fg, font=font)
    if condition == "noisy":
        noise = Image.effect_noise(image.size, 40).convert("RGB")
        image = Image.blend(image, noise, 0.25)
    elif condition == "blurred":
        image = image.filter(ImageFilter.GaussianBlur(1.6))
    elif condition == "rotated":
        image = image.rotate(rng.choice([-8, -5, 5, 8]), expand=True, fillcolor=bg)
    elif condition == "low_contrast":
        image = ImageEnhance.Contrast(image).enhance(0.35)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def run(repeats: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        store = FileStore(Path(tmp) / "files")
        with Progress(console=console) as progress:
            whisper, sphinx = _speech(store, Path(tmp), progress)
            figures, image_ms = _images(Perceiver(store, TesseractOCR()), repeats, progress)
    bench_speech.report(whisper, sphinx)
    for condition, (tp, fp, fn) in figures.items():
        print(f"{condition}_recall: {tp / max(1, tp + fn):.3f}")
        print(f"{condition}_precision: {tp / max(1, tp + fp):.3f}")
    tp = sum(f[0] for f in figures.values())
    fp = sum(f[1] for f in figures.values())
    print(f"overall_precision: {tp / max(1, tp + fp):.3f}")
    print(f"ocr_median_ms: {statistics.median(image_ms):.0f}")
    print(f"ocr_p95_ms: {sorted(image_ms)[int(0.95 * len(image_ms))]:.0f}")
    return 0


def _speech(store: FileStore, tmp: Path, progress: Progress
            ) -> tuple[bench_speech.Score, bench_speech.Score | None]:
    """Each engine on the same samples; pocketsphinx only where it is installed."""
    pocketsphinx = bench_speech.pocketsphinx_or_none()
    heard = bench_speech.samples(tmp)
    task = progress.add_task("speech", total=len(heard) * (1 + (pocketsphinx is not None)))
    tick = partial(progress.advance, task)
    whisper = bench_speech.score(LocalWhisper(), store, heard, tick)
    sphinx = bench_speech.score(pocketsphinx, store, heard, tick) if pocketsphinx else None
    return whisper, sphinx


def _images(perceiver: Perceiver, repeats: int, progress: Progress
            ) -> tuple[dict[str, tuple[int, int, int]], list[float]]:
    rng = random.Random(42)
    task = progress.add_task("images", total=len(CONDITIONS) * len(DISPLAYS) * repeats)
    figures: dict[str, tuple[int, int, int]] = {}
    image_ms: list[float] = []
    for condition in CONDITIONS:
        tp = fp = fn = 0
        for _ in range(repeats):
            for code in DISPLAYS:
                result = perceiver.perceive(render(code, condition, rng))
                image_ms.append(result.latency_ms)
                found = set(result.codes)
                tp += code in found
                fn += code not in found
                fp += len(found - {code})
                progress.advance(task)
        figures[condition] = (tp, fp, fn)
    return figures, image_ms
