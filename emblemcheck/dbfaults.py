"""SQLite's failures as emblemcheck errors: one line naming the file and what to do.

Shared by the two stores (``catalogue/store.py`` and ``scan/history.py``,
the only code that runs SQL); this module only reads the error SQLite raised.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import DatabaseError, DatabaseLocked, HomeNotWritable

#: Seconds a write waits for another process's write transaction (SQLite's busy timeout).
BUSY_TIMEOUT = 30.0

_BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}
_NOT_WRITABLE = {"SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_IOERR", "SQLITE_FULL"}
_DAMAGED = {"SQLITE_NOTADB", "SQLITE_CORRUPT"}


def kind(exc: sqlite3.Error) -> str | None:
    """``"busy"``, ``"not writable"``, ``"damaged"``, or ``None`` for an error that is emblemcheck's own."""
    name = (getattr(exc, "sqlite_errorname", "") or "").split("_", 2)
    code = "_".join(name[:2])
    text = str(exc).lower()
    if code in _BUSY or "locked" in text:
        return "busy"
    if code in _DAMAGED or "not a database" in text or "malformed" in text:
        return "damaged"
    if code in _NOT_WRITABLE or "readonly" in text or "unable to open" in text or "disk" in text:
        return "not writable"
    return None


def is_damaged(exc: BaseException) -> bool:
    """Whether ``exc`` says the file is not an SQLite database, or a corrupt one."""
    return isinstance(exc, sqlite3.DatabaseError) and kind(exc) == "damaged"


@contextmanager
def translated(path: Path, *, damaged: type[DatabaseError] = DatabaseError, fix: str = "") -> Iterator[None]:
    """Turn SQLite's and the OS's errors on ``path`` into one-line :class:`DatabaseError`\\ s.

    ``damaged`` is the error raised for a file that is not a database, with
    ``fix`` (what to run) in its message.
    """
    try:
        yield
    except sqlite3.Error as exc:
        found = kind(exc)
        if found == "busy":
            raise DatabaseLocked(f"{path} is held by another emblemcheck (waited {BUSY_TIMEOUT:g} s): "
                                 "let the other scan finish, or use another --home") from None
        if found == "damaged":
            raise damaged(f"{path} is damaged ({exc}){': ' + fix if fix else ''}") from None
        if found == "not writable":
            raise HomeNotWritable(f"cannot write {path} ({exc}): make the home folder writable, "
                                  "or choose another with --home") from None
        raise
    except PermissionError as exc:
        raise HomeNotWritable(f"cannot write {exc.filename or path} (permission denied): make the home folder "
                              "writable, or choose another with --home") from None
