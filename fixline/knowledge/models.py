"""The error-code book: exact lookups by code are the database's job."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fixline.core.db import Base, JSONDoc


class ErrorCode(Base):
    __tablename__ = "error_codes"
    __table_args__ = (UniqueConstraint("code", "brand", "family"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(16), index=True)
    brand: Mapped[str] = mapped_column(String(32))  # "" for generic OBD-II
    family: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    meaning: Mapped[str] = mapped_column(Text)
    causes: Mapped[list[Any]] = mapped_column(JSONDoc)  # [[title, likelihood], ...]
    action: Mapped[str] = mapped_column(Text)
    safety: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(300))
    canonical: Mapped[str] = mapped_column(String(16))  # the code an alias stands for
