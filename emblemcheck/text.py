"""Text helpers shared by every edge that shows a path or a message: reports, the CLI, the stores."""

from __future__ import annotations

#: The surrogates ``os.fsdecode`` gives the bytes of a name that is not UTF-8 (PEP 383).
_UNDECODABLE = range(0xDC80, 0xDD00)


def printable(path: str) -> str:
    """``path`` as text safe for a terminal, a CSV cell or a database key.

    Bytes that are not UTF-8 become ``\\xNN``, control characters (newline,
    tab, escape) become their backslash escapes, and a backslash itself
    becomes ``\\\\``, so one file is one line and the escape is reversible:
    a real newline (``\\n``) and a backslash followed by ``n`` (``\\\\n``)
    never print, or are stored, as the same text.
    """
    if path.isprintable() and "\\" not in path:
        return path
    return "".join(_escaped(c) for c in path)


def _escaped(c: str) -> str:
    if c == "\\":
        return "\\\\"
    if ord(c) in _UNDECODABLE:
        return f"\\x{ord(c) - 0xDC00:02x}"
    if c.isprintable():
        return c
    return c.encode("unicode_escape").decode("ascii")


def clock(seconds: float) -> str:
    """A time in a video as a viewer reads it: 0:16, 12:05, 1:02:09."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
