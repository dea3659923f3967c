"""`fixline perceive FILE...`: the perception path on local files, one JSON line each."""

from __future__ import annotations

import json
from pathlib import Path

from fixline.agent.ocr import OCRUnavailable, TesseractOCR
from fixline.agent.perception import Perceiver
from fixline.agent.speech import LocalWhisper, OpenAIWhisper, SpeechToText
from fixline.core.files import FileStore
from fixline.core.settings import Settings


def speech_to_text(settings: Settings) -> SpeechToText:
    local = LocalWhisper()
    if settings.openai_api_key is None:
        return local
    from openai import OpenAI

    client = OpenAI(api_key=settings.openai_api_key.get_secret_value(), base_url=settings.llm_base_url,
                    timeout=60, max_retries=2)
    return OpenAIWhisper(client, local)


def perceiver_for(settings: Settings) -> Perceiver:
    try:
        ocr: TesseractOCR | None = TesseractOCR()
    except OCRUnavailable:
        ocr = None
    return Perceiver(FileStore(settings.data_dir / "files"), ocr, speech_to_text(settings))


def run_perceive(settings: Settings, files: list[Path]) -> int:
    perceiver = perceiver_for(settings)
    status = 0
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(json.dumps({"file": str(path), "error": f"cannot read the file: {exc.strerror}"}))
            status = 1
            continue
        result = perceiver.perceive(data)
        print(json.dumps(result.to_dict(path.name)), flush=True)
        if result.error:
            status = 1
    return status
