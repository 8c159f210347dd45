"""Store generations and who uses them.

``var/store`` is a symlink to a generation directory ``var/store-<version>-<n>`` (made by
``kigraph load``). A process that serves a generation holds a *lease* on it: a shared
``flock`` on ``var/.store-<version>-<n>.lease``. A load deletes an old generation only after
taking that lock exclusively — so never while a server (or one of its query workers) reads it.
The kernel drops the lock when its holder exits, however it exits.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from pathlib import Path

from .errors import StoreMissing


def current(link: Path) -> Path:
    """The generation directory ``link`` points to now."""
    target = Path(os.path.realpath(link))
    if not target.is_dir():
        raise StoreMissing(f"no store at {link}; build it with `kigraph load`")
    return target


def target_name(link: Path) -> str:
    """The name ``link`` points to (one ``readlink``: cheap enough for every request)."""
    try:
        return os.path.basename(os.readlink(link))
    except OSError:
        return ""


def _lease_file(generation: Path) -> Path:
    return generation.parent / f".{generation.name}.lease"


class Lease:
    """A shared lock that keeps one generation from being deleted while we read it."""

    def __init__(self, generation: Path) -> None:
        self.generation = generation
        self._handle = open(_lease_file(generation), "a+b")  # noqa: SIM115 — held until release
        fcntl.flock(self._handle, fcntl.LOCK_SH)

    def release(self) -> None:
        if not self._handle.closed:
            self._handle.close()  # closing drops the flock


def lease_current(link: Path) -> Lease:
    """A lease on the generation ``link`` points to, taken so that a load swapping the link
    meanwhile cannot delete it between our look and our lock."""
    while True:
        generation = current(link)
        lease = Lease(generation)
        if current(link) == generation and generation.is_dir():
            return lease
        lease.release()


def remove_if_unused(generation: Path) -> bool:
    """Delete ``generation`` unless someone holds a lease on it; True if it was deleted."""
    lease_file = _lease_file(generation)
    try:
        handle = open(lease_file, "a+b")  # noqa: SIM115
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # in use: the next load tries again
        shutil.rmtree(generation, ignore_errors=True)
        with contextlib.suppress(OSError):
            lease_file.unlink()
    return True
