"""Who is writing a batch: a lease that tells a live writer's batch from one a crash left behind.

Several processes may share a store (through a Chroma server, or one folder), and each one repairs
interrupted writes when it opens the store. A batch in flight carries its writer's lease, so only a
batch whose writer is gone is rolled back: one of this process whose write has ended, one of a
process on this host that has exited, or one whose lease has run out (the only sign a writer on
another host gives).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

_HOST = socket.gethostname()
# Holders of this process whose writes are under way; a write that raised is over, even though
# the process lives on.
_HELD: set[str] = set()


@dataclass(frozen=True)
class Lease:
    """A batch's writer (`host:pid:token`) and the time (epoch seconds) its claim runs out."""

    holder: str
    until: float


@contextmanager
def hold(seconds: float) -> Iterator[Lease]:
    """A lease for one write, held until the block ends.

    Usage::

        with hold(300) as lease:
            registry.begin(articles, lease)
            ...
    """
    lease = Lease(f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex}", time.time() + seconds)
    _HELD.add(lease.holder)
    try:
        yield lease
    finally:
        _HELD.discard(lease.holder)


def abandoned(lease: Lease, now: float | None = None) -> bool:
    """Whether the lease's writer is gone, so that its batch may be rolled back."""
    host, _, rest = lease.holder.partition(":")
    pid, _, _ = rest.partition(":")
    if not pid.isdigit():
        return True  # written before batches carried leases
    expired = (time.time() if now is None else now) > lease.until
    if host != _HOST:
        return expired
    if int(pid) == os.getpid():
        return lease.holder not in _HELD
    # A live process whose lease ran out is taken for a reused pid, or a writer stuck for good.
    return expired or not running(int(pid))


def running(pid: int) -> bool:
    """Whether a process of this host has that pid."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
