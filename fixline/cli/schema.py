"""Every table of every room, for migrations and the drift test (the composition root
is the one place allowed to know all the rooms)."""

from __future__ import annotations

from sqlalchemy import MetaData

import fixline.core.customers
import fixline.core.files
import fixline.core.outbox
import fixline.dialogs.models
import fixline.knowledge.models  # noqa: F401
from fixline.core.db import Base


def metadata() -> MetaData:
    return Base.metadata
