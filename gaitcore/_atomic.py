"""Atomic file output, owned temporaries and the output-folder lock.

A file is written to a temporary beside its target, then renamed over it: a reader (or a
rerun after SIGTERM) sees either the old file or the complete new one, never a half-written
file.  Files are created with mode 0666 filtered by the umask, as ``open()`` does (0644 with
the usual 022), so that a lab group sharing a results folder can read them.

Each temporary names the run that made it, ``.tmp-<host>-<pid>-<token><suffix>``, so that a
run removes only the leftovers of runs that are gone: those of a dead process on this host,
or any older than ``STALE_AFTER_S``.  Other files, even named ``.tmp-*``, are never touched.

:class:`FolderLock` lets one batch at a time write an output folder: a second run on the
same folder waits for it or stops with a message naming the run that holds it.
"""
from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import time
from pathlib import Path

from ._errors import OutputLockedError

TMP_PREFIX = ".tmp-"
STALE_AFTER_S = 24 * 3600.0  #: a temporary of another host is removed after this long
LOCK_NAME = ".gaitcore.lock"
_TMP_NAME = re.compile(r"^\.tmp-(?P<host>[A-Za-z0-9._]+)-(?P<pid>\d+)-[0-9a-f]{8}")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname()) or "host"


def _create(path: Path) -> None:
    """Create ``path`` exclusively with mode 0666 & ~umask (mkstemp would make it 0600)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))


@contextlib.contextmanager
def atomic_path(target):
    """Yield a temporary path beside ``target``; rename it to ``target`` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = target.parent / f"{TMP_PREFIX}{_host()}-{os.getpid()}-{secrets.token_hex(4)}{target.suffix}"
        try:
            _create(tmp)
            break
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_text(target, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text)


def _owner_gone(path: Path, now: float) -> bool:
    """True for a temporary of ours whose run is over (dead process here, or too old)."""
    match = _TMP_NAME.match(path.name)
    if match is None:
        return False  # not a gaitcore temporary: never ours to delete
    try:
        age = now - path.lstat().st_mtime
    except FileNotFoundError:
        return False
    if age > STALE_AFTER_S:
        return True
    if match["host"] != _host():
        return False
    pid = int(match["pid"])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False
    return False


def remove_stale_temporaries(folder) -> int:
    """Delete the temporaries that stopped runs left in ``folder``; returns how many."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    now = time.time()
    stale = [p for p in folder.rglob(TMP_PREFIX + "*") if _owner_gone(p, now)]
    for p in stale:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
    return len(stale)


class FolderLock:
    """An exclusive lock on an output folder (``flock`` on ``<folder>/.gaitcore.lock``).

    Held until :meth:`release` or the end of the process (the kernel drops it when the
    process dies, even by SIGKILL, so a killed run never leaves the folder locked).
    """

    POLL_S = 0.2

    def __init__(self, folder, wait_s: float = 0.0):
        self.path = Path(folder) / LOCK_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            self._acquire(wait_s)
        except BaseException:
            os.close(self._fd)
            raise

    def _acquire(self, wait_s: float) -> None:
        import fcntl

        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(self._fd, 200, 0).decode(errors="replace").strip() or "unknown"
                    raise OutputLockedError(
                        f"{self.path.parent} is being written by another gaitcore run ({holder}); "
                        "wait for it to finish, or write to another output folder") from None
                time.sleep(self.POLL_S)
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"pid {os.getpid()} on {socket.gethostname()} since "
                            f"{time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode(), 0)

    def release(self) -> None:
        if self._fd < 0:
            return
        import fcntl

        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = -1
