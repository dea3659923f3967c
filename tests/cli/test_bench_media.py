"""The bench's pocketsphinx engine on a real espeak-ng sample, through the product's own
16 kHz WAV conversion (no mocks)."""

from __future__ import annotations

import pytest

from fixline.agent.audio import to_wav16k
from fixline.cli.bench_speech import (
    PocketSphinx,
    Score,
    decide,
    pocketsphinx_or_none,
    speak,
    word_error_rate,
)

SENTENCE = "the dryer is not heating and the clothes are still wet"


@pytest.fixture(scope="module")
def sphinx() -> PocketSphinx:
    engine = pocketsphinx_or_none()
    if engine is None:
        pytest.skip("pocketsphinx is a dev dependency and is not installed here")
    return engine


def test_pocketsphinx_transcribes_an_espeak_sample(sphinx, tmp_path):
    wav, _seconds = to_wav16k(speak(SENTENCE, tmp_path))
    transcript = sphinx.transcribe(wav)
    assert transcript and transcript == transcript.lower()
    assert 0.0 <= word_error_rate(SENTENCE, transcript) <= 1.0


def test_the_decision_takes_the_lower_wer_and_the_incumbent_keeps_a_tie():
    whisper = Score(wer=0.3, recall=1.0, median_ms=900)
    assert decide(whisper, Score(0.2, 0.0, 100)) == "pocketsphinx"
    assert decide(whisper, Score(0.3, 1.0, 100)) == "whisper-tiny.en"
    assert decide(whisper, None) == "whisper-tiny.en"
