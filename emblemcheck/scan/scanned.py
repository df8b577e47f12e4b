"""What scanning one file gives back; its own module so the pool and the folder scan can name it
without importing the scanner (and with it OpenCV and numpy) in the parent process."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import FileResult


@dataclass(frozen=True)
class Scanned:
    """One file's verdict, its size and mtime as read, and a preview with the boxes drawn if flagged."""

    result: FileResult
    size: int | None = None
    mtime_ns: int | None = None
    preview: bytes | None = None
