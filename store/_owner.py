"""One process owns an embedded store: a lock file it holds while the store is open.

Chroma's embedded client is not safe across processes (its HNSW index can be corrupted), so
the first process to open a data folder holds an flock on `store.lock` there until its last
`Store` on the folder is gone; the kernel lets go of it when the process dies, however it dies.
Beside it, `store.owner` names the holder for the message a second process gets. Only the lock
decides: the owner file is read to explain a refusal, so one left by a killed process never
blocks anyone.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import weakref
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock, Timeout

from ._errors import StoreInUseError
from ._lease import running
from ._settings import StoreSettings

_LOCK = "store.lock"
_OWNER = "store.owner"
# The folders this process owns, each with its lock and how many open stores use it: several
# stores of one process may share a folder.
_OWNED: dict[Path, tuple[FileLock, int]] = {}
_GUARD = threading.Lock()


def claim(store: object, settings: StoreSettings) -> Callable[[], object]:
    """Own the store's data folder while `store` lives; returns what lets it go sooner.

    Nothing is claimed for a store on a Chroma server, which serves every process.
    """
    if settings.chroma_host:
        return lambda: None
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    folder = settings.data_dir.resolve()
    with _GUARD:
        lock, count = _OWNED.get(folder, (None, 0))
        if lock is None:
            # Held across threads: a store opened in one thread is used from others.
            lock = FileLock(folder / _LOCK, thread_local=False)
            try:
                lock.acquire(timeout=0)
            except Timeout:
                raise StoreInUseError(_refusal(folder)) from None
            _write_owner(folder)
        _OWNED[folder] = (lock, count + 1)
    return weakref.finalize(store, _release, folder)


def _release(folder: Path) -> None:
    """One store of this process on `folder` is gone; with the last one the folder goes."""
    with _GUARD:
        lock, count = _OWNED.pop(folder)
        if count > 1:
            _OWNED[folder] = (lock, count - 1)
            return
        (folder / _OWNER).unlink(missing_ok=True)
        lock.release()


def _write_owner(folder: Path) -> None:
    """Say who holds the lock, in a file written whole (a reader never sees half of it)."""
    command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "python"
    partial = folder / f"{_OWNER}.{os.getpid()}"
    partial.write_text(json.dumps({"pid": os.getpid(), "command": command}), encoding="utf-8")
    partial.replace(folder / _OWNER)


def _refusal(folder: Path) -> str:
    """The one line a second process gets: who holds the folder, and the fix."""
    return (
        f"the store in {folder} is open in {_holder(folder)}, and one process at a time may"
        " use an embedded store: stop that process, or share the store through a Chroma server"
        " (`chroma run`, then set CHROMA_HOST and CHROMA_PORT for every process)"
    )


def _holder(folder: Path) -> str:
    """The process the owner file names, if it is running; it may be just starting up."""
    try:
        owner = json.loads((folder / _OWNER).read_text(encoding="utf-8"))
        pid, command = int(owner["pid"]), str(owner["command"])[:200]
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"
    return f"process {pid} ({command})" if running(pid) else "another process"
