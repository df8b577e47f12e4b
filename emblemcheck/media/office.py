"""Pictures inside office documents: PowerPoint, Word and Excel (OOXML), OpenDocument.

A slide deck, a memo or a spreadsheet is a zip archive with its pictures as
members (``ppt/media/``, ``word/media/``, ``xl/media/``; OpenDocument's
``Pictures/``). Each one is decoded and scanned like a still:

* The document is recognised by its content (:func:`content.office_format`:
  OOXML's ``[Content_Types].xml``, OpenDocument's ``mimetype``), never by
  its name.
* In a slide deck each picture carries the number of the first slide that
  shows it, in the deck's slide order (PowerPoint's ``sldIdLst`` and its
  relationships; the order of an OpenDocument presentation's ``draw:page``
  elements); a picture only on a layout or master has no slide number.
* SVG pictures are rasterised as any SVG input is (checked, in a child
  process). EMF, WMF (and their compressed forms) and StarView metafiles
  are not read; neither are videos, sounds and other non-picture members of
  the media folders: the result's note names each, so none is left out
  silently. A corrupt picture is noted the same way. When no picture at all
  could be read, the document is an :class:`ImageError` listing why.
* At most :data:`MAX_PICTURES` pictures are scanned; the rest are noted.
* Zip bombs: the archive's directory is checked before anything is
  decompressed (:data:`MAX_MEMBERS`, :data:`MAX_RATIO` over every member),
  and each member read (pictures, the few XML parts that number the slides)
  is bounded (:data:`MAX_MEMBER_BYTES`, :data:`MAX_TOTAL_BYTES`). Over a
  limit, or a corrupt or truncated archive, is an :class:`ImageError` with
  its reason.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree

from ..errors import ImageError
from .content import is_video, office_format
from .decode import MAX_PIXELS, WORK_PIXELS, LoadedImage, decode

#: Members an archive may hold. A 100-slide deck has about 400 (slides, their
#: relationships, layouts, media); 10 000 leaves room for any real document and
#: refuses the many-entry bombs (guess).
MAX_MEMBERS = 10_000

#: Most uncompressed bytes of one member read: a 24-megapixel photo stored as
#: PNG is about 40 MB (guess, with room).
MAX_MEMBER_BYTES = 64_000_000

#: Most uncompressed bytes read from one document, all members together: the
#: 50 pictures scanned at 10 MB each (guess).
MAX_TOTAL_BYTES = 512_000_000

#: Largest uncompressed/compressed ratio of any member over :data:`RATIO_FROM`
#: bytes. Deflate cannot exceed 1032:1 and zip bombs sit near it; pictures
#: (already compressed) are near 1:1 and Office's XML 5-20:1 (guess, with room).
MAX_RATIO = 200
#: Members smaller than this are not held to :data:`MAX_RATIO` (a blank slide's XML is 50:1).
RATIO_FROM = 1_000_000

#: Pictures scanned per document: a picture costs about what a PDF page costs,
#: so the same count as :data:`emblemcheck.media.pdf.MAX_PDF_PAGES` keeps a
#: deck inside the per-file time limit.
MAX_PICTURES = 50

#: Members named in a note before "and N more".
NOTE_NAMES = 5

#: Where each format keeps its pictures.
_PICTURE_FOLDERS = {"PPTX": ("ppt/media/",), "DOCX": ("word/media/",), "XLSX": ("xl/media/",),
                    "ODP": ("Pictures/",), "ODT": ("Pictures/",), "ODS": ("Pictures/",)}

#: First bytes of the members that are not read, and what to call them.
_METAFILE_EMF = "EMF vector picture: emblemcheck does not read EMF or WMF"
_METAFILE_WMF = "WMF vector picture: emblemcheck does not read EMF or WMF"
_NOT_READ = ((b"\xd7\xcd\xc6\x9a", _METAFILE_WMF), (b"\x01\x00\x09\x00", _METAFILE_WMF),
             (b"\x02\x00\x09\x00", _METAFILE_WMF),
             (b"\x1f\x8b", "compressed EMF or WMF picture (EMZ/WMZ): emblemcheck does not read EMF or WMF"),
             (b"VCLMTF", "StarView metafile: emblemcheck does not read it"))

_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_SLIDE_ID = "{http://schemas.openxmlformats.org/presentationml/2006/main}sldId"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_DRAW_PAGE = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}page"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


@dataclass(frozen=True)
class Picture:
    """One embedded picture, decoded: its member name, the slide showing it first (``None`` outside a deck)."""

    index: int
    count: int
    member: str
    slide: int | None
    image: LoadedImage


class Document:
    """An office document opened for its pictures, the archive checked against the zip-bomb limits."""

    def __init__(self, data: bytes, name: str):
        self.name = name
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
            infos = self.archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise ImageError(f"{name}: corrupt or truncated zip archive ({exc})") from None
        _check_directory(infos, name)
        self._read = 0
        self.format = self._format()
        folders = _PICTURE_FOLDERS[self.format]
        self.members = sorted(i.filename for i in infos if i.filename.startswith(folders) and not i.is_dir())
        self.slides = self._slides()

    def _format(self) -> str:
        try:
            fmt = office_format(self.archive)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise ImageError(f"{self.name}: corrupt zip archive ({exc})") from None
        if fmt is None:
            raise ImageError(f"{self.name}: a zip archive, not an office document emblemcheck reads "
                             "(PowerPoint, Word, Excel or OpenDocument)")
        return fmt

    def read(self, member: str, limit: int | None = None) -> bytes:
        """A member's bytes (or its first ``limit``), within :data:`MAX_MEMBER_BYTES` and :data:`MAX_TOTAL_BYTES`."""
        info = self.archive.getinfo(member)
        if info.file_size > MAX_MEMBER_BYTES:
            raise ImageError(f"{self.name}: {member} unpacks to {info.file_size:,} bytes, over the limit of "
                             f"{MAX_MEMBER_BYTES:,} per member (a zip bomb?)")
        want = info.file_size if limit is None else min(limit, info.file_size)
        if self._read + want > MAX_TOTAL_BYTES:
            raise ImageError(f"{self.name}: its members unpack to over {MAX_TOTAL_BYTES:,} bytes, the limit "
                             "per document (a zip bomb?)")
        try:
            with self.archive.open(info) as handle:
                data = handle.read(want)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise ImageError(f"{self.name}: {member} cannot be unpacked ({exc})") from None
        self._read += len(data)
        return data

    def _xml(self, member: str) -> ElementTree.Element | None:
        """A member parsed as XML (expat refuses entity-expansion bombs), ``None`` if absent or malformed."""
        if member not in self.archive.NameToInfo:
            return None
        try:
            return ElementTree.fromstring(self.read(member))
        except ElementTree.ParseError:
            return None

    def _slides(self) -> dict[str, int]:
        """Each picture member -> the first slide (1-based, in the deck's order) that shows it."""
        pages: list[set[str]] = []
        if self.format == "PPTX":
            pages = [self._related(part) for part in self._slide_parts()]
        elif self.format == "ODP":
            content = self._xml("content.xml")
            if content is not None:
                pages = [{e.get(_XLINK_HREF, "") for e in page.iter()} for page in content.iter(_DRAW_PAGE)]
        first: dict[str, int] = {}
        for number, members in enumerate(pages, start=1):
            for member in members:
                first.setdefault(member, number)
        return first

    def _slide_parts(self) -> list[str]:
        """A PowerPoint deck's slide parts in slide order: presentation.xml's sldIdLst through its relationships."""
        main = next((t for t, kind in self._relationships("") if kind.endswith("/officeDocument")),
                    "ppt/presentation.xml")
        presentation = self._xml(main)
        if presentation is None:
            return []
        targets = dict(self._relationships(main, by_id=True))
        return [targets[s.get(_REL_ID, "")] for s in presentation.iter(_SLIDE_ID) if s.get(_REL_ID) in targets]

    def _related(self, part: str) -> set[str]:
        """The members ``part``'s relationships point to."""
        return {target for target, _kind in self._relationships(part)}

    def _relationships(self, part: str, *, by_id: bool = False) -> list[tuple[str, str]]:
        """``(target member, type)`` of each internal relationship of ``part`` ("" for the package),
        or ``(id, target member)`` with ``by_id``."""
        folder, base = posixpath.split(part)
        rels = self._xml(posixpath.join(folder, "_rels", f"{base}.rels"))
        found = []
        for rel in [] if rels is None else rels.iter(_REL):
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External" or not target:
                continue
            member = (target.lstrip("/") if target.startswith("/")  # absolute, from the package's root
                      else posixpath.normpath(posixpath.join(folder, target)))
            found.append((rel.get("Id", ""), member) if by_id else (member, rel.get("Type", "")))
        return found

    def close(self) -> None:
        self.archive.close()


def iter_office(data: bytes, name: str = "document", *, work_pixels: int | None = WORK_PIXELS,
                max_pixels: int = MAX_PIXELS, notes: list[str] | None = None) -> Iterator[Picture]:
    """Decode the pictures inside an office document, one at a time, slide pictures in slide order.

    What was not read (metafiles, videos, corrupt pictures, pictures over
    :data:`MAX_PICTURES`) is appended to ``notes`` as one sentence once the
    pictures are done; if none could be read, that is an :class:`ImageError`.
    """
    document = Document(data, name)
    try:
        members = sorted(document.members, key=lambda m: (document.slides.get(m, 1 << 30), m))
        unread: list[tuple[str, str]] = []
        count = min(len(members), MAX_PICTURES)
        decoded = 0
        for index, member in enumerate(members[:MAX_PICTURES]):
            image, reason = _picture(document, member, work_pixels, max_pixels)
            if image is None:
                unread.append((member, reason))
                continue
            decoded += 1
            yield Picture(index, count, member, document.slides.get(member), image)
        unread += [(m, f"over the limit of {MAX_PICTURES} pictures per document") for m in members[MAX_PICTURES:]]
        if unread and not decoded:
            raise ImageError(f"{name}: no picture inside could be read: {_listed(unread)}")
        if unread and notes is not None:
            notes.append(f"{len(unread)} of {len(members)} pictures inside not scanned: {_listed(unread)}")
    finally:
        document.close()


def _picture(document: Document, member: str, work_pixels: int | None,
             max_pixels: int) -> tuple[LoadedImage | None, str]:
    """A member decoded, or ``None`` and why it was not."""
    head = document.read(member, 64)
    reason = _not_read(head)
    if reason:
        return None, reason
    data = document.read(member)
    try:
        return decode(data, member, work_pixels=work_pixels, max_pixels=max_pixels), ""
    except ImageError as exc:
        text = str(exc)
        return None, text[len(member) + 2:] if text.startswith(member + ": ") else text


def _not_read(head: bytes) -> str:
    """Why a member with these first bytes is not read, "" for one that may be a picture."""
    if head[:4] == b"\x01\x00\x00\x00" and head[40:44] == b" EMF":
        return _METAFILE_EMF
    for magic, reason in _NOT_READ:
        if head.startswith(magic):
            return reason
    if is_video(head):
        return "a video: videos inside documents are not scanned"
    return ""


def _listed(unread: list[tuple[str, str]]) -> str:
    shown = "; ".join(f"{member} ({reason})" for member, reason in unread[:NOTE_NAMES])
    more = len(unread) - NOTE_NAMES
    return shown + (f"; and {more} more" if more > 0 else "")


def _check_directory(infos: list[zipfile.ZipInfo], name: str) -> None:
    """Refuse a zip bomb from its directory, before anything is decompressed."""
    if len(infos) > MAX_MEMBERS:
        raise ImageError(f"{name}: the archive has {len(infos):,} members, over the limit of {MAX_MEMBERS:,} "
                         "(a zip bomb?)")
    for info in infos:
        if info.file_size >= RATIO_FROM and info.file_size > MAX_RATIO * max(1, info.compress_size):
            ratio = info.file_size / max(1, info.compress_size)
            raise ImageError(f"{name}: {info.filename} unpacks {ratio:,.0f} times its packed size, over the limit "
                             f"of {MAX_RATIO} (a zip bomb?)")
