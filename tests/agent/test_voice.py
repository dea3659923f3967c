"""Voice notes through the real path: ffmpeg (pydub) to 16 kHz WAV, Whisper tiny.en run
locally, spoken codes normalised. Speech is made with espeak-ng."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from fixline.agent.perception import Perceiver
from fixline.agent.speech import LocalWhisper
from fixline.core.files import FileStore


@pytest.fixture(scope="module")
def whisper() -> LocalWhisper:
    return LocalWhisper()


@pytest.fixture
def perceiver(tmp_path, whisper) -> Perceiver:
    return Perceiver(FileStore(tmp_path / "files"), None, whisper)


def speech(tmp_path: Path, text: str, fmt: str) -> bytes:
    wav = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), text], check=True)
    out = tmp_path / f"speech.{fmt}"
    codec = {"ogg": ["-c:a", "libopus"], "webm": ["-c:a", "libopus"], "mp3": [], "m4a": ["-c:a", "aac"]}
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(wav), *codec[fmt], str(out)], check=True)
    return out.read_bytes()


@pytest.mark.parametrize("fmt", ["ogg", "webm", "mp3", "m4a"])
def test_voice_note_formats_are_transcribed(perceiver, tmp_path, fmt):
    result = perceiver.perceive(speech(tmp_path, "my dishwasher shows error E 24 and will not drain", fmt))
    assert result.error is None and result.kind == "voice"
    assert "will not" in result.text.lower()  # tiny.en hears espeak imperfectly, but hears this


def test_a_spoken_code_is_found(perceiver, tmp_path):
    result = perceiver.perceive(speech(tmp_path, "my samsung washer says 4 C and will not fill", "ogg"))
    assert "4C" in result.codes


def test_a_spoken_letter_digit_code_is_found(perceiver, tmp_path):
    # espeak's robotic "E" used to reach Whisper tiny.en as "eat" or "every"; the prompt
    # primes letter-digit codes and the transcript repair catches "eat 24".
    result = perceiver.perceive(speech(tmp_path, "my dishwasher shows error E 24 and will not drain", "ogg"))
    assert "E24" in result.codes


def test_truncated_recording_is_refused_and_not_kept(perceiver, tmp_path):
    data = speech(tmp_path, "the washing machine will not spin", "ogg")
    result = perceiver.perceive(data[: len(data) // 8])
    assert result.error and ("damaged" in result.error or "too short" in result.error)
    assert not any(p.is_file() for p in (tmp_path / "files").rglob("*"))


def test_a_two_hour_recording_is_refused_without_decoding_it(perceiver, tmp_path):
    long = tmp_path / "long.ogg"
    # 120 ms frames at the fastest setting: two hours of silence in ~10 s instead of ~50.
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono",
                    "-t", "7200", "-c:a", "libopus", "-b:a", "6k", "-frame_duration", "120",
                    "-compression_level", "0", str(long)], check=True)
    result = perceiver.perceive(long.read_bytes())
    assert "120 minutes long" in (result.error or "")


def test_amr_from_whatsapp_goes_through_the_same_conversion():
    """WhatsApp and MMS voice notes can be AMR-NB. This machine's ffmpeg decodes AMR but
    cannot encode it, so the sample is built by hand: the AMR file header and three
    seconds of 4.75 kbit/s frames (a header byte, then 95 bits of silence; 20 ms each)."""
    from fixline.agent.audio import to_wav16k
    from fixline.core.files import sniff

    amr = b"#!AMR\n" + (bytes([0 << 3 | 0x04]) + bytes(12)) * 150
    assert sniff(amr) == "audio/amr"
    wav, seconds = to_wav16k(amr)
    assert 2.5 < seconds < 3.5
    assert wav[:4] == b"RIFF"
