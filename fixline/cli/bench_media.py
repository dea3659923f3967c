"""`fixline bench media`: perception measured on generated samples. Speech from espeak-ng
(word error rate, spoken codes found); displays, dashboards and labels rendered with
Pillow in several conditions (code precision and recall, latency per file)."""

from __future__ import annotations

import io
import random
import statistics
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont
from rich.console import Console
from rich.progress import Progress

from fixline.agent.ocr import TesseractOCR
from fixline.agent.perception import Perceiver
from fixline.agent.speech import LocalWhisper
from fixline.agent.text import words
from fixline.core.files import FileStore

console = Console(stderr=True, soft_wrap=True)
SPEECH = [
    ("my dishwasher shows error E 24 and will not drain", ["E24"]),
    ("the washing machine says 4 C and it will not fill with water", ["4C"]),
    ("check engine light is on and the code is P zero three zero one", ["P0301"]),
    ("the dryer is not heating and the clothes are still wet", []),
    ("my fridge is warm but the freezer is still cold", []),
    ("the boiler pressure keeps dropping below one bar", []),
    ("my samsung washer shows 5 E and the water stays in the drum", ["5E"]),
    ("the furnace blows cold air and the light blinks three times", []),
]
DISPLAYS = ["E24", "4C", "F05", "OE", "E15", "5E", "F21", "UE", "P0420", "P0301", "E22", "LE"]
CONDITIONS = ("clean", "noisy", "blurred", "rotated", "low_contrast")
FONTS = (44, 56, 72)


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row = row, [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (r != h))
    return row[-1] / max(1, len(ref))


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
        perceiver = Perceiver(store, TesseractOCR(), LocalWhisper())
        rng = random.Random(42)
        with Progress(console=console) as progress:
            speech = progress.add_task("speech", total=len(SPEECH))
            wers, spoken_hits, spoken_total, voice_ms = [], 0, 0, []
            for text, codes in SPEECH:
                data = _speak(text, Path(tmp))
                result = perceiver.perceive(data)
                wers.append(word_error_rate(text, result.text))
                spoken_total += len(codes)
                spoken_hits += sum(c in result.codes for c in codes)
                voice_ms.append(result.latency_ms)
                progress.advance(speech)
            images = progress.add_task("images", total=len(CONDITIONS) * len(DISPLAYS) * repeats)
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
                        progress.advance(images)
                figures[condition] = (tp, fp, fn)
    print(f"whisper_local_wer: {statistics.mean(wers):.3f}")
    print(f"spoken_code_recall: {spoken_hits / max(1, spoken_total):.3f}")
    print(f"voice_median_ms: {statistics.median(voice_ms):.0f}")
    for condition, (tp, fp, fn) in figures.items():
        print(f"{condition}_recall: {tp / max(1, tp + fn):.3f}")
        print(f"{condition}_precision: {tp / max(1, tp + fp):.3f}")
    tp = sum(f[0] for f in figures.values())
    fp = sum(f[1] for f in figures.values())
    print(f"overall_precision: {tp / max(1, tp + fp):.3f}")
    print(f"ocr_median_ms: {statistics.median(image_ms):.0f}")
    print(f"ocr_p95_ms: {sorted(image_ms)[int(0.95 * len(image_ms))]:.0f}")
    return 0


def _speak(text: str, directory: Path) -> bytes:
    wav, ogg = directory / "speech.wav", directory / "speech.ogg"
    subprocess.run(["espeak-ng", "-w", str(wav), text], check=True)
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(wav), "-c:a", "libopus", str(ogg)],
                   check=True)
    return ogg.read_bytes()
