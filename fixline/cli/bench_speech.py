"""The speech half of `fixline bench media`: every engine hears the same espeak-ng samples
through the product's own path (Perceiver: store, ffmpeg to 16 kHz WAV, transcript, spoken
codes), so word error rate, code recall and latency compare like with like. Local Whisper
tiny.en is the product's engine; pocketsphinx is measured here only, as a candidate
fallback, and is never imported by the product."""

from __future__ import annotations

import io
import statistics
import subprocess
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fixline.agent.perception import Perceiver
from fixline.agent.speech import SpeechToText
from fixline.agent.text import words
from fixline.core.files import FileStore

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
# The engine the product ships; it keeps the decision on a tie (switching costs work).
INCUMBENT = "whisper-tiny.en"

Sample = tuple[str, list[str], bytes]


@dataclass
class Score:
    wer: float
    recall: float
    median_ms: float


class PocketSphinx:
    """pocketsphinx 5 with the US English model inside its wheel (nothing downloaded)."""

    name = "pocketsphinx"

    def __init__(self) -> None:
        from pocketsphinx import Decoder  # lazily: a bench-only dev dependency

        # FATAL: its INFO log would bury the bench's `name: value` lines.
        self._decoder = Decoder(loglevel="FATAL")

    def transcribe(self, wav: bytes) -> str:
        # The Decoder takes raw 16-bit PCM, not a WAV file: strip the header.
        with wave.open(io.BytesIO(wav)) as w:
            pcm = w.readframes(w.getnframes())
        self._decoder.start_utt()
        self._decoder.process_raw(pcm, full_utt=True)
        self._decoder.end_utt()
        hyp = self._decoder.hyp()
        return hyp.hypstr.strip().lower() if hyp else ""


def pocketsphinx_or_none() -> PocketSphinx | None:
    """None when pocketsphinx is not installed, so the bench still runs on a product install."""
    try:
        return PocketSphinx()
    except ImportError:
        return None


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row = row, [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (r != h))
    return row[-1] / max(1, len(ref))


def speak(text: str, directory: Path) -> bytes:
    """An OGG/Opus voice note, as Telegram sends one, from espeak-ng."""
    wav, ogg = directory / "speech.wav", directory / "speech.ogg"
    subprocess.run(["espeak-ng", "-w", str(wav), text], check=True)
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(wav), "-c:a", "libopus", str(ogg)],
                   check=True)
    return ogg.read_bytes()


def samples(directory: Path) -> list[Sample]:
    # Made once and shared, so both engines hear byte-identical audio.
    return [(text, codes, speak(text, directory)) for text, codes in SPEECH]


def score(engine: SpeechToText, store: FileStore, heard: list[Sample],
          advance: Callable[[], None]) -> Score:
    perceiver = Perceiver(store, None, engine)
    wers, hits, total, latency = [], 0, 0, []
    for text, codes, data in heard:
        result = perceiver.perceive(data)
        wers.append(word_error_rate(text, result.text))
        total += len(codes)
        hits += sum(c in result.codes for c in codes)
        latency.append(result.latency_ms)
        advance()
    return Score(statistics.mean(wers), hits / max(1, total), statistics.median(latency))


def report(whisper: Score, sphinx: Score | None) -> None:
    # The Whisper lines keep their old names: docs and earlier runs quote them.
    print(f"whisper_local_wer: {whisper.wer:.3f}")
    print(f"spoken_code_recall: {whisper.recall:.3f}")
    print(f"voice_median_ms: {whisper.median_ms:.0f}")
    if sphinx is None:
        print("pocketsphinx_wer: unavailable")
    else:
        print(f"pocketsphinx_wer: {sphinx.wer:.3f}")
        print(f"pocketsphinx_spoken_code_recall: {sphinx.recall:.3f}")
        print(f"pocketsphinx_median_ms: {sphinx.median_ms:.0f}")
    print(f"speech_engine: {decide(whisper, sphinx)}")


def decide(whisper: Score, sphinx: Score | None) -> str:
    """The engine with the lower word error rate; the incumbent keeps a tie."""
    if sphinx is not None and sphinx.wer < whisper.wer:
        return PocketSphinx.name
    return INCUMBENT
