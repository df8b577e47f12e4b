"""Scanning: decode a picture once, run the matchers, return one verdict per file."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path

from . import history
from .catalogue.store import Catalogue, load_features
from .detection import DetectionIndex
from .errors import ImageError
from .fingerprints import fingerprint
from .home import Home, resolve_home
from .imaging import LoadedImage, decode, read_file
from .matching import FingerprintIndex
from .models import FileResult, Finding, Restriction
from .thumbnails import preview_jpeg


class Scanner:
    """Holds the catalogue's indexes in memory; scan as many files as you like with one."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self.fingerprints = FingerprintIndex(catalogue.renderings)
        self.detector = DetectionIndex.build(load_features(catalogue.path))

    def find(self, image: LoadedImage) -> tuple[Finding, ...]:
        """Findings in a decoded picture, boxes in the original's pixels.

        A whole-image copy ends the search (the fast path); otherwise the
        local-feature detector looks for emblems that are part of the picture.
        """
        match = self.fingerprints.query(fingerprint(image.rgb))
        if match is None:
            return self.locate(image)
        emblem = self.catalogue.emblem(match.emblem_id)
        return (
            Finding(
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
            ),
        )

    def locate(self, image: LoadedImage) -> tuple[Finding, ...]:
        """Emblems found by local features, one per region, geometry mapped back to original pixels."""
        back = 1.0 / (image.scale or 1.0)
        findings = []
        for found in self.detector.detect(image.rgb):
            emblem = self.catalogue.emblem(found.emblem_id)
            box = tuple(round(v * back) for v in found.box)
            findings.append(Finding(
                emblem_id=emblem.id, name=emblem.name, restriction=emblem.restriction, score=found.score,
                method=found.method, box=box, rendering_id=found.rendering_id, rule=emblem.rule,
                outline=tuple((round(x * back, 1), round(y * back, 1)) for x, y in found.outline),
                inliers=found.inliers,
            ))
        return tuple(findings)

    def scan_bytes(self, data: bytes, name: str) -> tuple[FileResult, LoadedImage | None]:
        """Scan image bytes; an unreadable picture becomes an ``error`` result with its reason."""
        try:
            image = decode(data, name)
        except ImageError as exc:
            return FileResult(path=name, status="error", sha256=sha256(data).hexdigest(), error=str(exc)), None
        findings = self.find(image)
        return (
            FileResult(path=name, status="flagged" if findings else "clean", sha256=image.sha256,
                       width=image.width, height=image.height, findings=findings),
            image,
        )

    def scan_file(self, path: Path | str) -> FileResult:
        """Scan one file; a missing or unreadable file becomes an ``error`` result."""
        return self.scan_path(path)[0]

    def scan_path(self, path: Path | str) -> tuple[FileResult, LoadedImage | None]:
        """Like :meth:`scan_file`, also returning the decoded picture (for previews)."""
        try:
            data = read_file(path)
        except ImageError as exc:
            return FileResult(path=str(path), status="error", error=str(exc)), None
        return self.scan_bytes(data, str(path))


def open_scanner(home: Home | Path | str | None = None) -> Scanner:
    """A scanner over the catalogue in ``home`` (see :func:`resolve_home`)."""
    home = home if isinstance(home, Home) else resolve_home(home)
    return Scanner(Catalogue.open(home.catalogue_db))


def scan_image(path: Path | str, home: Home | Path | str | None = None) -> FileResult:
    """Scan one image file against the catalogue in ``home``."""
    return open_scanner(home).scan_file(path)


def scan_files(scanner: Scanner, paths: Iterable[Path | str]) -> list[FileResult]:
    """Scan each path in order; never drops one."""
    return [scanner.scan_file(p) for p in paths]


# --- a scan as the CLI runs it: scan, record in scans.db, decide the exit code --


@dataclass(frozen=True)
class ScanRun:
    """The results of one ``emblemcheck scan`` and the catalogue it used."""

    results: tuple[FileResult, ...]
    catalogue_version: str
    run_id: int
    seconds: float


def run_scan(home: Home, paths: Iterable[Path | str], *, command: str = "scan") -> ScanRun:
    """Scan ``paths`` in order and record every verdict in ``home.scans_db``."""
    scanner = open_scanner(home)
    version = scanner.catalogue.version
    db = history.open_scans(home.scans_db)
    run_id = history.start_run(db, catalogue_version=version, command=command)
    started = time.perf_counter()
    results, stats, previews = [], {}, {}
    for path in paths:
        result, image = scanner.scan_path(path)
        results.append(result)
        stats[result.path] = _stat(path)
        if image is not None and result.findings:
            previews[result.path] = preview_jpeg(image.rgb, [f.box for f in result.findings], scale=image.scale)
    history.record(db, run_id, results, catalogue_version=version, stats=stats, thumbnails=previews)
    seconds = time.perf_counter() - started
    history.finish_run(db, run_id, results, seconds=seconds)
    db.close()
    return ScanRun(tuple(results), version, run_id, seconds)


def _stat(path: Path | str) -> tuple[int | None, int | None]:
    try:
        st = Path(path).stat()
    except OSError:
        return (None, None)
    return (st.st_size, st.st_mtime_ns)


#: Exit codes, as documented in the README and `emblemcheck scan --help`.
EXIT_CLEAN, EXIT_FOUND, EXIT_USAGE, EXIT_UNREADABLE = 0, 1, 2, 3


def exit_code(results: Iterable[FileResult], fail_on: Restriction | None) -> int:
    """3 if any input was unreadable, else 1 if a finding is at or above ``fail_on``, else 0.

    An unreadable input wins: the verdict is incomplete. ``fail_on=None`` never fails on findings.
    """
    results = list(results)
    if any(r.status == "error" for r in results):
        return EXIT_UNREADABLE
    if fail_on is not None and any(f.restriction.rank >= fail_on.rank for r in results for f in r.findings):
        return EXIT_FOUND
    return EXIT_CLEAN
