"""WordPress media naming: which files are derived copies of which original.

WordPress writes resized copies beside each upload (``photo-300x200.jpg``),
a ``-scaled`` copy of big images (WordPress 5.3's big-image threshold), a
``-rotated`` copy when EXIF says the camera was turned, ``-e<13-digit
timestamp>`` after an edit in the media library, and plugins add ``@2x``
retina copies and WebP/AVIF siblings (``photo-1024x768.webp``,
``photo.jpg.webp``, or the Modern Image Formats plugin's ``photo-jpg.webp``
and ``photo-300x225-jpg.webp``). A report groups all of them under
``photo.jpg`` so a person deals with one finding per picture.

Names only: the functions here never open a file.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..models import FileResult, Finding

# One derived-copy marker at the end of a stem; stripped repeatedly, since
# WordPress chains them (photo-scaled-1024x683, photo-e1700000000000-300x200).
_SUFFIX = re.compile(r"(?:-\d{1,5}x\d{1,5}|-scaled|-rotated|-e\d{13}|@[23]x)$")
# An image extension hidden inside a name, as in photo.jpg.webp (WebP plugins).
_INNER_EXT = re.compile(r"\.(jpe?g|png|gif|bmp|tiff?)$", re.IGNORECASE)
# The Modern Image Formats plugin's form of it: photo-jpg.webp, photo-300x225-jpg.webp.
_DASHED_EXT = re.compile(r"-(jpe?g|png|gif)$", re.IGNORECASE)
_MODERN_FORMATS = (".webp", ".avif")


@dataclass(frozen=True)
class Group:
    """An original upload and the copies WordPress or a plugin derived from it.

    ``present`` is false when only copies were found (the original was
    deleted or never uploaded to this folder): ``original`` is then the name
    it would have.
    """

    original: str
    copies: tuple[str, ...] = ()
    present: bool = True

    @property
    def members(self) -> tuple[str, ...]:
        return ((self.original,) if self.present else ()) + self.copies


def split_name(path: str) -> tuple[str, str, str, bool]:
    """``(folder, base stem, extension, derived)`` of a media file's path.

    >>> split_name("2024/05/photo-scaled-300x200.jpg")
    ('2024/05', 'photo', '.jpg', True)
    """
    folder, name = posixpath.split(path)
    stem, ext = posixpath.splitext(name)
    inner = _INNER_EXT.search(stem)
    dashed = _DASHED_EXT.search(stem) if ext.lower() in _MODERN_FORMATS else None
    derived = False
    if inner:
        stem, ext, derived = stem[: inner.start()], stem[inner.start():], True
    elif dashed and dashed.start() > 0:
        stem, ext, derived = stem[: dashed.start()], "." + dashed.group(1), True
    while stem:
        match = _SUFFIX.search(stem)
        if not match or match.start() == 0:
            break
        stem, derived = stem[: match.start()], True
    return folder, stem, ext, derived


def original_of(path: str) -> str | None:
    """The original a derived copy came from (same folder), or ``None`` for an original."""
    folder, stem, ext, derived = split_name(path)
    if not derived:
        return None
    return posixpath.join(folder, stem + ext) if folder else stem + ext


def group(paths: Iterable[str]) -> list[Group]:
    """Group media paths under their originals, in first-seen order.

    Copies attach to an original with the same folder and base stem; when
    several originals share a stem (``photo.jpg`` and ``photo.png``) a copy
    goes to the one with its extension, else the first.
    """
    originals: dict[tuple[str, str], list[str]] = {}
    copies: dict[tuple[str, str], list[str]] = {}
    order: list[tuple[str, str]] = []
    for path in paths:
        folder, stem, _ext, derived = split_name(path)
        key = (folder, stem)
        if key not in originals:
            originals[key], copies[key] = [], []
            order.append(key)
        (copies if derived else originals)[key].append(path)
    return [group for key in order for group in _groups_for(key, originals[key], copies[key])]


def _groups_for(key: tuple[str, str], originals: list[str], copies: list[str]) -> list[Group]:
    if not originals:
        return [Group(original_of(copies[0]) or copies[0], tuple(copies), present=False)]
    attached: dict[str, list[str]] = {original: [] for original in originals}
    for copy in copies:
        ext = split_name(copy)[2].lower()
        home = next((o for o in originals if posixpath.splitext(o)[1].lower() == ext), originals[0])
        attached[home].append(copy)
    return [Group(original, tuple(attached[original])) for original in originals]


@dataclass(frozen=True)
class ResultGroup:
    """The verdicts on an original and its copies, reported as one item.

    ``findings`` holds each emblem once: the original's finding if it has
    one, else the first copy's.
    """

    original: str
    present: bool
    members: tuple[FileResult, ...]

    @property
    def status(self) -> str:
        return "flagged" if any(r.status == "flagged" for r in self.members) else "clean"

    @property
    def findings(self) -> tuple[Finding, ...]:
        best: dict[str, Finding] = {}
        for result in self.members:  # the original comes first and wins ties
            for finding in result.findings:
                best.setdefault(finding.emblem_id, finding)
        return tuple(sorted(best.values(), key=lambda f: (-f.restriction.rank, -f.score)))

    @property
    def head(self) -> FileResult:
        """The result shown for the group: the original's, else the first flagged copy's."""
        if self.present:
            return self.members[0]
        return next((r for r in self.members if r.status == "flagged"), self.members[0])

    @property
    def copies(self) -> tuple[FileResult, ...]:
        return self.members[1:] if self.present else self.members


def group_results(results: Iterable[FileResult]) -> list[ResultGroup]:
    """Group scanned files (not errors) under their originals, sorted by the original's path."""
    by_path = {r.path: r for r in results if r.status != "error"}
    groups = group(sorted(by_path))
    return [ResultGroup(g.original, g.present, tuple(by_path[p] for p in g.members)) for g in groups]
