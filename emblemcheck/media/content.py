"""What a file's bytes are, before anything decodes them (SVG, PDF, video), and the pixel limit.

Kept apart from ``decode`` (numpy, Pillow) so the folder walk and the CLI can
use them without loading a decoder.
"""

from __future__ import annotations

__all__ = ["MAX_PIXELS", "is_pdf", "is_svg", "is_video"]

#: Largest image accepted, in pixels (width x height). 100 megapixels covers
#: any camera of 2026 while keeping a decoded RGB frame under 300 MB; a
#: larger image is refused as a probable decompression bomb.
MAX_PIXELS = 100_000_000


def is_svg(data: bytes) -> bool:
    """Sniff SVG by content: an XML or <svg> start within the first kilobyte."""
    head = data[:1024].lstrip().lower()
    return head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head)


#: Where a PDF's header may start: readers accept it within the first kilobyte.
HEADER_WINDOW = 1024


def is_pdf(data: bytes) -> bool:
    """Sniff PDF by content: the ``%PDF-`` header within the first kilobyte."""
    return b"%PDF-" in data[:HEADER_WINDOW]


#: ISO-BMFF brands (bytes 8..12 after "ftyp") of MP4 and QuickTime video.
_VIDEO_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"M4VP",
                 b"qt  ", b"3gp4", b"3gp5", b"3g2a", b"dash", b"MSNV", b"XAVC", b"f4v "}
#: QuickTime files older than "ftyp" start with one of these atoms.
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
#: The EBML magic number that starts Matroska and WebM files.
_EBML = b"\x1a\x45\xdf\xa3"


def is_video(data: bytes) -> bool:
    """Sniff MP4, MOV, WebM and MKV by content: their container's first bytes."""
    if data[:4] == _EBML:
        return True
    box = data[4:8]
    return (box == b"ftyp" and data[8:12] in _VIDEO_BRANDS) or (box in _QUICKTIME_ATOMS and len(data) >= 16)
