"""Thread pools that belong to the process using them.

granian's workers and the extraction sandbox fork: a pool made before a fork has no threads in the
child, and work submitted to it would never run. So a pool is made on first use in each process.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

_pools: dict[str, tuple[int, ThreadPoolExecutor]] = {}
_lock = threading.Lock()


def process_pool(name: str, threads: int) -> ThreadPoolExecutor:
    """The pool called ``name`` of this process, with at most ``threads`` threads (started as needed)."""
    pid = os.getpid()
    with _lock:
        found = _pools.get(name)
        if found is None or found[0] != pid:
            found = (pid, ThreadPoolExecutor(threads, thread_name_prefix=f"dokreg-{name}"))
            _pools[name] = found
        return found[1]


# Held by background work that reads the database (a body's figures computed ahead of readers,
# reading.figures and reading.kept) and by whoever forks a child (the extraction sandbox, which a
# worker replaces every few hundred files): a child forked while another thread is inside the
# database driver or the allocator inherits their locks held, by a thread it does not have.
FORK_GUARD = threading.Lock()
