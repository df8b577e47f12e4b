"""What a file's bytes are, before anything decodes them (SVG, PDF, video, office documents), and the pixel limit.

Kept apart from ``decode`` (numpy, Pillow) so the folder walk and the CLI can
use them without loading a decoder.
"""

from __future__ import annotations

import re

__all__ = ["MAX_PIXELS", "OFFICE_FORMATS", "is_pdf", "is_svg", "is_video", "is_zip", "office_format"]

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


#: A zip archive's first local file header (office documents are zip archives).
_ZIP = b"PK\x03\x04"

#: OpenDocument's ``mimetype`` member -> format (templates read as their documents).
_ODF_TYPES = {f"application/vnd.oasis.opendocument.{kind}{template}": fmt
              for kind, fmt in (("presentation", "ODP"), ("text", "ODT"), ("spreadsheet", "ODS"))
              for template in ("", "-template")}
#: Words in the content type of an OOXML document's main part ("...presentationml.presentation.main+xml",
#: "application/vnd.ms-word.document.macroEnabled.main+xml") -> format.
_OOXML_TYPES = (("presentationml", "PPTX"), ("ms-powerpoint", "PPTX"), ("wordprocessingml", "DOCX"),
                ("ms-word", "DOCX"), ("spreadsheetml", "XLSX"), ("ms-excel", "XLSX"))
#: Every office format :func:`office_format` tells.
OFFICE_FORMATS = frozenset(fmt for fmt in _ODF_TYPES.values()) | {fmt for _, fmt in _OOXML_TYPES}
#: Most bytes of the small member that names an office format ([Content_Types].xml, mimetype) read:
#: Office writes a few kilobytes, one Override per part; more is not an office document's.
_TYPES_BYTES = 1_000_000


def is_zip(data: bytes) -> bool:
    """A zip archive by content: its first local file header (office documents are zip archives)."""
    return data[:4] == _ZIP


def office_format(source) -> str | None:
    """``PPTX``, ``DOCX``, ``XLSX``, ``ODP``, ``ODT`` or ``ODS`` for a zip archive that is that office
    document, by its members (OOXML's ``[Content_Types].xml``, OpenDocument's ``mimetype``), else ``None``.

    ``source`` is a path or an open :class:`zipfile.ZipFile`; only the archive's directory and one small
    member are read. Raises :class:`zipfile.BadZipFile` (or OSError) when the archive is unreadable.
    """
    import zipfile  # here: the CLI's start-up need not load it

    if not isinstance(source, zipfile.ZipFile):
        with zipfile.ZipFile(source) as archive:
            return office_format(archive)
    names = set(source.namelist())
    if "mimetype" in names:
        return _ODF_TYPES.get(_small_member(source, "mimetype").decode("ascii", "replace").strip())
    if "[Content_Types].xml" not in names:
        return None
    types = _small_member(source, "[Content_Types].xml").decode("utf-8", "replace")
    for main in re.findall(r'ContentType="([^"]*\.main\+xml)"', types):
        for word, fmt in _OOXML_TYPES:
            if word in main:
                return fmt
    return None


def _small_member(archive, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > _TYPES_BYTES:
        return b""
    with archive.open(info) as member:
        return member.read(_TYPES_BYTES)
