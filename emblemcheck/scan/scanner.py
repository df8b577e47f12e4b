"""Scanning: decode a picture once, run the matchers, return one verdict per file."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from hashlib import sha256
from pathlib import Path

from ..catalogue.store import Catalogue, feature_reader, load_features
from ..catalogue.trees import TreeCache
from ..engine.detection import Detection
from ..engine.detector import Detector
from ..engine.fingerprints import fingerprint
from ..engine.matching import FingerprintIndex, FingerprintMatch
from ..errors import FileVanished, ImageError
from ..home import Home, resolve_home
from ..media.decode import MAX_PIXELS, LoadedImage, read_file
from ..media.frames import Frame, iter_frames
from ..media.thumbnails import preview_jpeg
from ..models import FileResult, Finding
from ..text import clock, printable
from . import derived
from .scanned import Scanned
from .signed import signature_reader, signed

#: The reason given for a file that was listed but is gone when it is read.
VANISHED = "no such file (or it vanished during the scan)"


class Scanner:
    """Holds the catalogue's indexes in memory; scan as many files as you like with one."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self.fingerprints = FingerprintIndex(catalogue.renderings)
        # The shipped emblems get an index tier of their own, so a user's additions cannot crowd them out.
        shipped = (e.id for e in catalogue.emblems.values() if e.origin == "manifest")
        # The other emblems' templates are read back from catalogue.db when fitted (memory at 10 000 emblems).
        reader = feature_reader(catalogue.path)
        features = load_features(catalogue.path) if reader is None else reader.every()
        self.detector = Detector.build(features, first=shipped, templates=reader,
                                       trees=TreeCache.beside(catalogue.path, catalogue.version))
        self.signatures = signature_reader(catalogue)

    def find(self, image: LoadedImage) -> tuple[Finding, ...]:
        """Findings in a decoded picture, boxes in the original's pixels."""
        return self.inspect(image)[0]

    def inspect(self, image: LoadedImage) -> tuple[tuple[Finding, ...], Finding | None]:
        """Findings in a decoded picture, and for a clean one its near miss.

        A whole-image copy ends the search (the fast path); otherwise the
        local-feature detector looks for emblems that are part of the picture.
        """
        prints = fingerprint(image.rgb)
        match = self.fingerprints.query(prints)
        if match is not None:
            return (self._whole_image(match, image),), None
        found = self.locate(image)
        if found:
            return found, None
        near = self.fingerprints.closest(prints)
        return (), self._whole_image(near, image) if near else None

    def _whole_image(self, match: FingerprintMatch, image: LoadedImage) -> Finding:
        emblem = self.catalogue.emblem(match.emblem_id)
        return Finding(
            emblem_id=emblem.id,
            name=emblem.name,
            restriction=emblem.restriction,
            score=match.score,
            method=match.method,
            box=(0, 0, image.width, image.height),
            rendering_id=match.rendering_id,
            rule=emblem.rule,
            distance=match.distance,
            threshold=match.threshold,
            material=self.catalogue.materials.get(match.rendering_id, ""),
        )

    def locate(self, image: LoadedImage) -> tuple[Finding, ...]:
        """Emblems found by local features, one per region, geometry in the original's pixels; a flag
        symbol's region as the signature its title names, or the National Flag (engine/signatures.py)."""
        scale = image.width / image.rgb.shape[1] if image.width else 1.0
        kept, signatures = self.signatures.resolve(image.rgb, self.detections(image), scale)
        return tuple(self._finding(d) for d in kept) + tuple(signed(self.catalogue, s, scale) for s in signatures)

    def detections(self, image: LoadedImage, emblem_ids: Iterable[str] | None = None) -> list[Detection]:
        """The detector's evidence (matched points included), in the original's pixels: the one place
        where working pixels become the original's."""
        scale = image.width / image.rgb.shape[1] if image.width else 1.0
        return self.detector.detect(image.rgb, emblem_ids=emblem_ids, scale=scale)

    def copy_of(self, image: LoadedImage) -> Finding | None:
        """The catalogue rendering ``image`` is a whole-image copy of, if any."""
        match = self.fingerprints.query(fingerprint(image.rgb))
        return None if match is None else self._whole_image(match, image)

    def _finding(self, found: Detection) -> Finding:
        emblem = self.catalogue.emblem(found.emblem_id)
        return Finding(
            emblem_id=emblem.id, name=emblem.name, restriction=emblem.restriction, score=found.score,
            method=found.method, box=found.box, rendering_id=found.rendering_id, rule=emblem.rule,
            outline=tuple((round(x, 1), round(y, 1)) for x, y in found.outline), inliers=found.inliers,
            material=self.catalogue.materials.get(found.rendering_id, ""),
        )

    def scan_data(self, data: bytes, name: str, *, max_pixels: int = MAX_PIXELS) -> Scanned:
        """Scan every frame of image bytes (animation frames, TIFF and PDF pages, sampled video frames).

        An unreadable picture becomes an ``error`` result with its reason; the
        same emblem in several frames is reported once, at its best score (in
        a video, with the first and last time it was seen).
        """
        return self._scan_data(data, name, max_pixels)[0]

    def _scan_data(self, data: bytes, name: str, max_pixels: int) -> tuple[Scanned, LoadedImage | None]:
        """:meth:`scan_data`, and the decoded picture when the file is a single still (for its copies)."""
        digest = sha256(data).hexdigest()
        try:
            return self._scan_frames(data, name, digest, max_pixels)
        except ImageError as exc:
            return Scanned(FileResult(name, "error", sha256=digest, error=_reason(exc, name))), None

    def _scan_frames(self, data: bytes, name: str, digest: str,
                     max_pixels: int) -> tuple[Scanned, LoadedImage | None]:
        best: dict[str, Finding] = {}
        near: Finding | None = None
        width = height = seen = 0
        preview = None
        last: Frame | None = None
        still = None
        unread: list[str] = []  # what a document's pictures left out (media/office.py)
        for frame in iter_frames(data, name, max_pixels=max_pixels, notes=unread):
            if last is None:
                width, height = frame.image.width, frame.image.height
                still = frame.image if frame.count == 1 and frame.member is None else None
            last = frame
            seen += frame.page is not None or frame.seconds is not None
            found, miss = self.inspect(frame.image)
            if miss is not None and (near is None or miss.score > near.score):
                near = miss
            if found and preview is None:
                preview = preview_jpeg(frame.image.rgb, [f.box for f in found], scale=frame.image.scale)
            for finding in found:
                finding = _placed(finding, frame)
                best[finding.emblem_id] = _kept(best.get(finding.emblem_id), finding)
        findings = tuple(sorted(best.values(), key=lambda f: (-f.restriction.rank, -f.score)))
        result = FileResult(name, "flagged" if findings else "clean", sha256=digest, width=width, height=height,
                            findings=findings, near_miss=None if findings else near,
                            note="; ".join(unread) or _unscanned(last, seen))
        return Scanned(result, preview=preview), still

    def scan_file(self, path: Path | str, *, max_pixels: int = MAX_PIXELS,
                  stat: tuple[int, int] | None = None) -> Scanned:
        """Scan the file at ``path``, with its size and mtime as read.

        ``stat`` is ``(size, mtime_ns)`` when the caller has just read them
        (a folder walk does), else the file is stat'ed here. Stat comes before
        the read: if the file changes in between, the record holds the older
        mtime and the next run scans it again.
        """
        read = _read(path, stat)
        if isinstance(read, Scanned):
            return read
        return self._scan_read(read, max_pixels)[0]

    def _scan_read(self, read: _Read, max_pixels: int) -> tuple[Scanned, LoadedImage | None]:
        scanned, still = self._scan_data(read.data, read.shown, max_pixels)
        return replace(scanned, size=read.stat[0], mtime_ns=read.stat[1]), still

    def scan_with_copies(self, path: Path | str, copies: Iterable[tuple[str, tuple[int, int] | None]], *,
                         max_pixels: int = MAX_PIXELS, stat: tuple[int, int] | None = None,
                         shipped: Mapping[str, bytes] | None = None) -> list[Scanned]:
        """Scan an original, then each of its derived copies ``(path, stat)``, the original's verdict first.

        A copy that is the original cut and resized as WordPress does
        (:func:`derived.check`) inherits the original's verdict with its boxes
        mapped; any other copy (edited after upload, another size rule, an
        animation) is scanned in full. ``shipped`` holds the bytes of files
        read elsewhere (a cluster's client), by path: those are not opened here.
        """
        read = _read(path, stat, shipped)
        if isinstance(read, Scanned):
            original, still = read, None
        else:
            original, still = self._scan_read(read, max_pixels)
        still = derived.reference(still) if still is not None else None
        done = [original]
        for copy_path, copy_stat in copies:
            copy = _read(copy_path, copy_stat, shipped)
            if isinstance(copy, Scanned):
                done.append(copy)
                continue
            inherited = _inherited(copy, original.result, still, max_pixels) if still is not None else None
            done.append(inherited or self._scan_read(copy, max_pixels)[0])
        return done


@dataclass(frozen=True)
class _Read:
    """A file's bytes with its name as shown and its ``(size, mtime_ns)``."""

    shown: str
    stat: tuple[int, int]
    data: bytes


def _read(path: Path | str, stat: tuple[int, int] | None,
          shipped: Mapping[str, bytes] | None = None) -> _Read | Scanned:
    """The file's bytes and stat, or the error result that says why they cannot be read."""
    shown = printable(str(path))
    if shipped is not None and stat is not None and str(path) in shipped:
        return _Read(shown, stat, shipped[str(path)])
    if stat is None:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            return Scanned(FileResult(shown, "error", error=VANISHED))
        except OSError as exc:
            return Scanned(FileResult(shown, "error", error=f"cannot read ({exc.strerror or exc})"))
        stat = (info.st_size, info.st_mtime_ns)
    try:
        return _Read(shown, stat, read_file(path))
    except FileVanished:
        return Scanned(FileResult(shown, "error", error=VANISHED))
    except ImageError as exc:
        return Scanned(FileResult(shown, "error", error=_reason(exc, str(path))))


def _inherited(copy: _Read, original: FileResult, still: LoadedImage, max_pixels: int) -> Scanned | None:
    """The original's verdict for ``copy`` if ``copy`` checks out as a WordPress copy of ``still``, else ``None``."""
    if original.status == "error":
        return None
    try:
        frames = iter_frames(copy.data, copy.shown, work_pixels=(2 * derived.COMPARE_SIDE) ** 2,
                             max_pixels=max_pixels)
        first = next(frames)
    except (ImageError, StopIteration):
        return None  # the full scan reports why
    if first.count != 1:
        return None
    cut, _gap = derived.check(still, first.image)
    if cut is None:
        return None
    own = FileResult(copy.shown, "clean", sha256=sha256(copy.data).hexdigest(), width=first.image.width,
                     height=first.image.height)
    return Scanned(derived.inherit(original, cut, own), copy.stat[0], copy.stat[1])


def _placed(finding: Finding, frame: Frame) -> Finding:
    """A finding with the page it is on, its time in a video, its member (and slide) in an office document,
    or for a frame of an animation its frame."""
    if frame.member is not None:
        return replace(finding, page=frame.page, member=frame.member)
    if frame.page is not None:
        return replace(finding, page=frame.page)
    if frame.seconds is not None:
        return replace(finding, seconds=frame.seconds, last_seconds=frame.seconds)
    if frame.count > 1:
        return replace(finding, method=f"{finding.method} (frame {frame.index + 1} of {frame.count})")
    return finding


def _kept(known: Finding | None, new: Finding) -> Finding:
    """One finding per emblem: in a video the first sighting (its box and time) until the last one, at the
    best score; elsewhere the frame or page where it scored best."""
    if known is None:
        return new
    if new.seconds is not None:
        return replace(known, last_seconds=new.seconds, score=max(known.score, new.score))
    return new if new.score > known.score else known


def _unscanned(last: Frame | None, seen: int) -> str:
    """What a paged file or a video left unscanned (``seen`` of its ``count`` frames), "" when nothing."""
    if last is None or last.member is not None or seen >= last.count:
        return ""
    if last.page is not None:
        return (f"pages {seen + 1} to {last.count} of {last.count} not scanned "
                f"(over the limit of {seen} pages per document)")
    if last.seconds is not None:
        return (f"{last.count - seen} of {last.count} sample times after {clock(last.seconds)} had no frame "
                f"(the video ends before its declared length: truncated?)")
    return ""


def _reason(exc: ImageError, name: str) -> str:
    """The error message without the file name the report already shows."""
    text = str(exc)
    return text[len(name) + 2:] if text.startswith(name + ": ") else text


def open_scanner(home: Home | Path | str | None = None) -> Scanner:
    """A scanner over the catalogue in ``home`` (see :func:`resolve_home`)."""
    home = home if isinstance(home, Home) else resolve_home(home)
    return Scanner(Catalogue.open(home.catalogue_db))


def scan_image(path: Path | str, home: Home | Path | str | None = None) -> FileResult:
    """Scan one image file (every frame) against the catalogue in ``home``."""
    return open_scanner(home).scan_file(path).result

