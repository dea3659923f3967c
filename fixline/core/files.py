"""Content-addressed file store: bytes under their sha256 name in the data directory,
type decided from the bytes (never the declared name or mime), size checked per kind,
written atomically so a failed upload leaves nothing behind."""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import puremagic
from sqlalchemy import ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fixline.core.db import Base, UTCDateTime

# What we accept, by the mime the bytes show.
KINDS: dict[str, str] = {
    "image/jpeg": "photo", "image/png": "photo", "image/webp": "photo", "image/gif": "photo",
    "image/bmp": "photo", "image/tiff": "photo",
    "audio/ogg": "voice", "audio/mpeg": "voice", "audio/mp4": "voice", "video/mp4": "voice",
    "audio/x-m4a": "voice", "audio/webm": "voice", "video/webm": "voice", "audio/amr": "voice",
    "audio/wav": "voice", "audio/x-wav": "voice", "audio/flac": "voice",
}
ALIASES = {"application/ogg": "audio/ogg", "audio/wave": "audio/wav", "audio/vnd.wave": "audio/wav",
           "audio/mp3": "audio/mpeg", "audio/x-mpeg": "audio/mpeg", "image/jpg": "image/jpeg",
           "audio/m4a": "audio/mp4", "audio/x-m4a": "audio/mp4"}
LIMITS = {"photo": 20 * 2**20, "voice": 25 * 2**20}


class FileRejected(ValueError):
    """A file we will not keep; the message is fit to show the customer."""


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    kind: str
    mime: str
    size: int
    path: Path


class FileRow(Base):
    """What a customer sent, and what perception made of it."""

    __tablename__ = "files"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"),
                                                      index=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    mime: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))  # received | processed | failed | rejected
    transcript: Mapped[str | None] = mapped_column(Text)
    ocr_text: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


def sniff(data: bytes) -> str | None:
    """The mime type the bytes show, or None when they show nothing we know."""
    try:
        mime = puremagic.from_string(data[:8192] if len(data) > 8192 else data, mime=True)
    except (puremagic.PureError, ValueError):
        return None
    if mime in {"video/webm", "video/x-matroska"} or data[:4] == b"\x1a\x45\xdf\xa3":
        return "audio/webm"  # browser recordings are WebM (EBML) whatever the sniffer says
    if data[:6] == b"#!AMR\n":
        return "audio/amr"
    return ALIASES.get(mime, mime) or None


class FileStore:
    def __init__(self, root: Path, limits: dict[str, int] | None = None) -> None:
        self.root = root
        self.limits = limits or LIMITS

    def put(self, data: bytes) -> StoredFile:
        if not data:
            raise FileRejected("That file is empty.")
        mime = sniff(data)
        kind = KINDS.get(mime or "")
        if kind is None:
            raise FileRejected("I can't use that kind of file. Send a photo (JPEG or PNG) or a "
                               "voice message, or type what you see.")
        limit = self.limits[kind]
        if len(data) > limit:
            raise FileRejected(f"That {'photo' if kind == 'photo' else 'recording'} is too large "
                               f"({len(data) / 2**20:.0f} MB; the limit is {limit / 2**20:.0f} MB).")
        digest = hashlib.sha256(data).hexdigest()
        path = self.path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        assert mime is not None
        return StoredFile(digest, kind, mime, len(data), path)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)


def describe(stored: StoredFile) -> dict[str, Any]:
    return {"sha256": stored.sha256, "kind": stored.kind, "mime": stored.mime, "size": stored.size}
