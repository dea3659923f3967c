"""Ids sort in the order they were made, also across processes: two server processes
write one customer's transcript in turns, and it is read back in id order."""

from __future__ import annotations

import subprocess
import sys
import uuid

from fixline.core.ids import new_id

CHILD = """
import sys
from fixline.core.ids import new_id
for _ in sys.stdin:
    print(new_id(), flush=True)
"""


def test_ids_made_one_after_the_other_in_two_processes_sort_in_that_order():
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None
    made: list[uuid.UUID] = []
    try:
        for _ in range(300):  # many pairs fall within one millisecond
            made.append(new_id())
            child.stdin.write("\n")
            child.stdin.flush()
            made.append(uuid.UUID(child.stdout.readline().strip()))
    finally:
        child.stdin.close()
        child.wait(timeout=10)
    assert made == sorted(made)

