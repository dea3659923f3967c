"""Voice notes in any format a channel sends (OGG/Opus from Telegram, AMR or OGG from
WhatsApp, MP3, M4A, WebM from the browser) into 16 kHz mono WAV, through ffmpeg."""

from __future__ import annotations

import io
import json
import subprocess
import tempfile
from pathlib import Path

from pydub import AudioSegment
from pydub.exceptions import CouldntDecodeError

MAX_SECONDS = 300


class AudioRejected(ValueError):
    """A recording we will not transcribe; the message is fit to show the customer."""


def duration_of(data: bytes) -> float:
    """The length ffprobe reads from the container, before anything is decoded (a 2-hour
    recording is refused without decoding 2 hours of audio)."""
    with tempfile.NamedTemporaryFile(suffix=".audio") as f:
        f.write(data)
        f.flush()
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", f.name],
            capture_output=True, timeout=30, check=False)
    try:
        return float(json.loads(probe.stdout or b"{}")["format"]["duration"])
    except (KeyError, ValueError, TypeError):
        raise AudioRejected("I couldn't play that recording; it may be damaged. Please record it "
                            "again or type what you wanted to say.") from None


def to_wav16k(data: bytes, max_seconds: int = MAX_SECONDS) -> tuple[bytes, float]:
    seconds = duration_of(data)
    if seconds > max_seconds:
        raise AudioRejected(f"That recording is {seconds / 60:.0f} minutes long; please keep voice "
                            f"messages under {max_seconds // 60} minutes.")
    try:
        segment = AudioSegment.from_file(io.BytesIO(data))
    except (CouldntDecodeError, IndexError, OSError) as exc:
        raise AudioRejected("I couldn't play that recording; it may be damaged. Please record it "
                            "again or type what you wanted to say.") from exc
    if len(segment) < 300:
        raise AudioRejected("That recording is too short to understand. Please say it again.")
    segment = segment.set_frame_rate(16000).set_channels(1).set_sample_width(2)
    out = io.BytesIO()
    segment.export(out, format="wav")
    return out.getvalue(), len(segment) / 1000


def write_temp_wav(wav: bytes, directory: Path | None = None) -> Path:
    f = tempfile.NamedTemporaryFile(suffix=".wav", delete=False, dir=directory)
    f.write(wav)
    f.close()
    return Path(f.name)
