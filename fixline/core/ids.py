"""Time-ordered UUIDs (version 7 layout), made in process so a batch needs no RETURNING."""

from __future__ import annotations

import random
import threading
import time
import uuid

_lock = threading.Lock()
# Ids are names, not secrets (nothing is authorised by knowing one), so a fast PRNG
# seeded from the OS is enough; SystemRandom would cost a system call per id.
_random = random.Random()
_last_ms = 0
_counter = 0


def new_id() -> uuid.UUID:
    """A UUIDv7: 48-bit milliseconds, then a 12-bit counter so ids made in the same
    millisecond by this process still sort in creation order, then random bits."""
    global _last_ms, _counter
    with _lock:
        now = time.time_ns() // 1_000_000
        if now <= _last_ms:
            _counter += 1
            if _counter > 0xFFF:
                _last_ms += 1
                _counter = 0
            now = _last_ms
        else:
            _last_ms, _counter = now, 0
        counter = _counter
    rand = _random.getrandbits(62)
    value = (now << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | rand
    # What UUID(int=value) builds, without its argument checks (a few microseconds, and a
    # batch makes several ids per turn): the value is in range by construction.
    made = _new_uuid(uuid.UUID)
    _set(made, "int", value)
    _set(made, "is_safe", uuid.SafeUUID.unknown)
    return made


_new_uuid = object.__new__
_set = object.__setattr__
