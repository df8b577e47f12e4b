"""What a file's bytes are, before anything decodes them: SVG or not, and the pixel limit.

Kept apart from ``decode`` (numpy, Pillow) so the folder walk and the CLI can
use them without loading a decoder.
"""

from __future__ import annotations

__all__ = ["MAX_PIXELS", "is_svg"]

#: Largest image accepted, in pixels (width x height). 100 megapixels covers
#: any camera of 2026 while keeping a decoded RGB frame under 300 MB; a
#: larger image is refused as a probable decompression bomb.
MAX_PIXELS = 100_000_000


def is_svg(data: bytes) -> bool:
    """Sniff SVG by content: an XML or <svg> start within the first kilobyte."""
    head = data[:1024].lstrip().lower()
    return head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head)
