"""Text helpers shared by every edge that shows a path or a message: reports, the CLI, the stores."""

from __future__ import annotations

import os


def printable(path: str) -> str:
    """``path`` as text safe for a terminal, a CSV cell or a database key.

    Bytes that are not UTF-8 become ``\\xNN`` and control characters
    (newline, tab, escape) become their backslash escapes, so one file is one
    line and two different names never print the same.
    """
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def clock(seconds: float) -> str:
    """A time in a video as a viewer reads it: 0:16, 12:05, 1:02:09."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
