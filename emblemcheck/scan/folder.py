"""Scanning folders: a streamed walk, a pool of worker processes, an incremental record.

The shape, from the outside in:

* the walk (:mod:`emblemcheck.scan.walk`) is a generator, consumed only as fast
  as workers free up, so memory does not grow with the folder;
* each worker process loads the catalogue once and scans one file at a time;
  at most one job per worker is in flight, and a worker that passes the
  per-file time limit (or dies) is killed and replaced, its file reported;
* results go to ``scans.db`` in batches, each in one transaction: a Ctrl-C or
  a killed process loses at most the open batch, never leaves a half-written
  row, and the next run skips what is already recorded;
* a file whose size, mtime, SHA-256 and catalogue version match its record is
  not scanned again: its recorded verdict is reported as it was.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path

import cv2

from ..errors import EmblemcheckError, UsageError
from ..media.decode import MAX_PIXELS
from ..models import FileResult, Finding, Restriction
from ..text import printable
from .scanner import Scanned, open_scanner
from .walk import Entry, Excludes, ImageFile, Skip, walk

#: Seconds one file may take before its worker is killed and the file reported.
#: The slowest legitimate case measured is a 100-megapixel JPEG (about 6 s).
DEFAULT_TIMEOUT = 60.0

#: Results written per transaction: small enough that an interrupted run
#: loses little, large enough that SQLite's per-commit fsync is amortised.
BATCH_SIZE = 64

@dataclass(frozen=True)
class BulkOptions:
    """How a folder scan runs."""

    workers: int = 0  # 0: one per CPU core
    timeout: float = DEFAULT_TIMEOUT
    rescan: bool = False
    excludes: tuple[str, ...] = ()
    gitignore: bool = True
    max_pixels: int = MAX_PIXELS
    command: str = "scan"

    def worker_count(self) -> int:
        """The number of worker processes to start."""
        if self.workers < 0:
            raise UsageError(f"--workers must be 0 (one per core) or more, not {self.workers}")
        return self.workers or os.cpu_count() or 1


@dataclass(frozen=True)
class BulkResult:
    """Everything one folder scan found, reused, skipped or failed on."""

    results: tuple[FileResult, ...]
    skipped: tuple[Skip, ...]
    unchanged: int
    seconds: float
    catalogue_version: str
    run_id: int | None = None
    interrupted: bool = False

    @property
    def counts(self) -> dict[str, int]:
        """Files per status, plus ``skipped`` and ``unchanged``."""
        counts = {"files": len(self.results), "flagged": 0, "clean": 0, "error": 0}
        for result in self.results:
            counts[result.status] += 1
        counts["skipped"] = len(self.skipped)
        counts["unchanged"] = self.unchanged
        return counts


@dataclass
class _Tally:
    results: list[FileResult] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    unchanged: int = 0


# --------------------------------------------------------------------- workers


def _worker_main(conn: Connection, home_root: str, max_pixels: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C stops
    # One OpenCV thread per worker: the pool is the parallelism, and OpenCV's
    # own threads would make two workers fight over the same cores.
    cv2.setNumThreads(1)
    try:
        scanner = open_scanner(Path(home_root))
    except EmblemcheckError as exc:
        conn.send(("fatal", str(exc), exc.exit_code))
        return
    conn.send(("ready", scanner.catalogue.version, 0))
    while True:
        try:
            path = conn.recv()
        except (EOFError, OSError):
            return
        if path is None:
            return
        try:
            conn.send(("done", scanner.scan_file(path, max_pixels=max_pixels), 0))
        except Exception as exc:  # noqa: BLE001 - one file's bug must be reported, not end the run
            message = f"internal error while scanning: {type(exc).__name__}: {exc}"
            conn.send(("done", Scanned(FileResult(printable(path), "error", error=message)), 0))


class _Worker:
    def __init__(self, context, home_root: str, max_pixels: int) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, home_root, max_pixels),
                                       daemon=True)
        self.process.start()
        child.close()
        self.path: str | None = None
        self.deadline = 0.0

    def ready(self) -> str:
        try:
            kind, value, code = self.conn.recv()
        except EOFError:
            raise EmblemcheckError("a scan worker exited while loading the catalogue") from None
        if kind == "fatal":
            error = EmblemcheckError(value)
            error.exit_code = code
            raise error
        return value

    def submit(self, path: str, timeout: float) -> None:
        self.path, self.deadline = path, time.monotonic() + timeout
        self.conn.send(path)

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """Worker processes with one job each, a per-job time limit, and replacement of any that die."""

    def __init__(self, count: int, *, home_root: str, timeout: float, max_pixels: int) -> None:
        # spawn, not fork: the parent may run a progress thread, and forking a
        # threaded process can deadlock the child.
        self._context = multiprocessing.get_context("spawn")
        self._spec = (home_root, max_pixels)
        self.timeout = timeout
        self.workers = [_Worker(self._context, *self._spec) for _ in range(count)]
        versions = {worker.ready() for worker in self.workers}
        self.catalogue_version = versions.pop()

    def idle(self) -> list[_Worker]:
        return [w for w in self.workers if w.path is None]

    def busy(self) -> bool:
        return any(w.path is not None for w in self.workers)

    def collect(self) -> Iterator[Scanned]:
        """Wait for at least one busy worker to finish, die or time out; yield what it gives."""
        busy = [w for w in self.workers if w.path is not None]
        now = time.monotonic()
        timeout = max(0.0, min(w.deadline for w in busy) - now)
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout)
        for worker in busy:
            if worker.conn in ready:
                try:
                    _kind, payload, _code = worker.conn.recv()
                except (EOFError, OSError):
                    yield self._replace(worker, "the scan worker died (out of memory or a crash in a decoder)")
                    continue
                worker.path = None
                yield payload
            elif worker.process.sentinel in ready:
                yield self._replace(worker, "the scan worker died (out of memory or a crash in a decoder)")
            elif time.monotonic() >= worker.deadline:
                yield self._replace(worker, f"took longer than the {self.timeout:g} s limit per file")

    def _replace(self, worker: _Worker, reason: str) -> Scanned:
        path = worker.path or ""
        worker.stop()
        fresh = _Worker(self._context, *self._spec)
        fresh.ready()
        self.workers[self.workers.index(worker)] = fresh
        return Scanned(FileResult(printable(path), "error", error=reason))

    def close(self) -> None:
        for worker in self.workers:
            if worker.path is None and worker.process.is_alive():
                try:
                    worker.conn.send(None)
                except OSError:
                    pass
            worker.stop()


class InlinePool:
    """The pool's interface, scanning in this process: for a single file, where
    starting a worker process (about 0.7 s, measured) costs more than the scan.
    There is no per-file time limit here; the detector bounds its own work."""

    def __init__(self, *, home_root: str, max_pixels: int) -> None:
        self.scanner = open_scanner(Path(home_root))
        self.catalogue_version = self.scanner.catalogue.version
        self.max_pixels = max_pixels
        self._done: list[Scanned] = []

    def idle(self) -> list[InlinePool]:
        return [] if self._done else [self]

    def busy(self) -> bool:
        return bool(self._done)

    def submit(self, path: str, timeout: float) -> None:
        self._done.append(self.scanner.scan_file(path, max_pixels=self.max_pixels))

    def collect(self) -> Iterator[Scanned]:
        done, self._done = self._done, []
        yield from done

    def close(self) -> None:
        pass


def _pool(paths: list[str], home_root: str, options: BulkOptions) -> WorkerPool | InlinePool:
    if len(paths) == 1 and os.path.isfile(paths[0]):
        return InlinePool(home_root=home_root, max_pixels=options.max_pixels)
    return WorkerPool(options.worker_count(), home_root=home_root, timeout=options.timeout,
                      max_pixels=options.max_pixels)


# --------------------------------------------------------------------- the scan


def scan_tree(paths: Iterable[str | Path], *, home_root: str | Path, options: BulkOptions = BulkOptions(),
              on_result: Callable[[FileResult, bool], None] | None = None,
              on_skip: Callable[[Skip], None] | None = None) -> BulkResult:
    """Scan files and folders; record in ``scans.db`` under ``home_root``; return every outcome.

    ``on_result(result, reused)`` is called in this process as each file
    finishes (``reused``: taken from the record, not scanned again);
    ``on_skip`` for each entry left out on purpose.
    """
    from . import history

    started = time.monotonic()
    roots = [os.path.abspath(p) for p in paths]
    pool = _pool(roots, str(home_root), options)
    db = history.open_scans(Path(home_root) / "scans.db")
    version = pool.catalogue_version
    run_id = history.start_run(db, catalogue_version=version, command=options.command)
    recorder = _Recorder(db, run_id, version)
    tally = _Tally()

    def finish(scanned: Scanned, reused: bool) -> None:
        tally.results.append(scanned.result)
        if not reused:
            recorder.add(scanned)
        if on_result:
            on_result(scanned.result, reused)

    interrupted = False
    try:
        entries = walk(roots, excludes=Excludes(options.excludes), gitignore=options.gitignore)
        _drive(pool, entries, db, version, options, tally, finish, on_skip)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        pool.close()
        recorder.flush()
        history.finish_run(db, run_id, tally.results, seconds=time.monotonic() - started,
                           skipped=len(tally.skipped))
    return BulkResult(tuple(tally.results), tuple(tally.skipped), tally.unchanged,
                      time.monotonic() - started, version, run_id, interrupted)


def _drive(pool: WorkerPool, entries: Iterator[Entry], db, version: str, options: BulkOptions,
           tally: _Tally, finish, on_skip) -> None:
    exhausted = False
    while not exhausted or pool.busy():
        for worker in pool.idle():
            entry = _next_job(entries, db, version, options, tally, finish, on_skip)
            if entry is None:
                exhausted = True
                break
            worker.submit(entry.path, options.timeout)
        if pool.busy():
            for scanned in pool.collect():
                finish(scanned, False)


def _next_job(entries: Iterator[Entry], db, version: str, options: BulkOptions, tally: _Tally,
              finish, on_skip) -> ImageFile | None:
    """Advance the walk to the next file that needs a worker, settling the rest on the way."""
    for entry in entries:
        if isinstance(entry, Skip):
            if entry.error:
                finish(Scanned(FileResult(printable(entry.path), "error", error=entry.reason)), False)
            else:
                tally.skipped.append(entry)
                if on_skip:
                    on_skip(entry)
            continue
        recorded = None if options.rescan else recorded_result(db, entry, version)
        if recorded is None:
            return entry
        tally.unchanged += 1
        finish(Scanned(recorded, entry.size, entry.mtime_ns), True)
    return None


def recorded_result(db, entry: ImageFile, version: str) -> FileResult | None:
    """The recorded verdict on ``entry`` if its size, mtime, SHA-256 and catalogue version still match.

    Errors are never reused: a file that failed may be readable now.
    """
    key = printable(os.path.abspath(entry.path))
    rows = list(db.query("select * from files where path = ?", [key]))
    if not rows:
        return None
    row = rows[0]
    if (row["size"], row["mtime_ns"], row["catalogue_version"]) != (entry.size, entry.mtime_ns, version):
        return None
    if row["status"] == "error":
        return None
    try:
        digest = hashlib.sha256(Path(entry.path).read_bytes()).hexdigest()
    except OSError:
        return None  # let a worker read it and report the reason
    if digest != row["sha256"]:
        return None
    findings = tuple(_finding(f) for f in db.query("select * from findings where path = ? order by id", [key]))
    return FileResult(key, row["status"], sha256=digest, width=row["width"] or 0, height=row["height"] or 0,
                      findings=findings, note=row["note"] or "")


def _finding(row: dict) -> Finding:
    import json

    outline = json.loads(row["outline"]) if row["outline"] else None
    return Finding(
        emblem_id=row["emblem_id"], name=row["name"], restriction=Restriction(row["restriction"]),
        score=row["score"], method=row["method"],
        box=(row["box_x"], row["box_y"], row["box_w"], row["box_h"]),
        rendering_id=row["rendering_id"] or "", rule=row["rule"] or "",
        distance=row["distance"], threshold=row["threshold"],
        outline=tuple(tuple(p) for p in outline) if outline else None, inliers=row["inliers"], page=row["page"],
        seconds=row["seconds"], last_seconds=row["last_seconds"],
    )


class _Recorder:
    """Collects results and writes them to scans.db in transactions of :data:`BATCH_SIZE`."""

    def __init__(self, db, run_id: int, version: str) -> None:
        self.db, self.run_id, self.version = db, run_id, version
        self.pending: list[FileResult] = []
        self.stats: dict[str, tuple[int, int]] = {}
        self.previews: dict[str, bytes] = {}

    def add(self, scanned: Scanned) -> None:
        result = scanned.result
        self.pending.append(result)
        if scanned.size is not None:
            self.stats[result.path] = (scanned.size, scanned.mtime_ns)
        if scanned.preview:
            self.previews[result.path] = scanned.preview
        if len(self.pending) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        from . import history

        if self.pending:
            history.record(self.db, self.run_id, self.pending, catalogue_version=self.version,
                           stats=self.stats, thumbnails=self.previews)
        self.pending, self.stats, self.previews = [], {}, {}


# --------------------------------------------------------------------- a folder scan as the CLI runs it


@dataclass(frozen=True)
class FolderScan:
    """A folder scan ready to report: results with the baseline applied, and the context for reports."""

    results: tuple[FileResult, ...]
    catalogue_version: str
    context: object  # reports.ScanContext
    raw: BulkResult


def count_entries(paths: Iterable[str | Path], options: BulkOptions) -> int:
    """How many entries a walk yields, without opening any file (for the progress total)."""
    roots = [os.path.abspath(p) for p in paths]
    return sum(1 for _ in walk(roots, excludes=Excludes(options.excludes), gitignore=options.gitignore,
                               sniff_content=False))


def scan_folder(home, paths: Iterable[str | Path], options: BulkOptions = BulkOptions(), *,
                baseline: Path | None = None, report_unused_baseline: bool = False, pictures: bool = False,
                on_result: Callable[[FileResult, bool], None] | None = None,
                on_skip: Callable[[Skip], None] | None = None) -> FolderScan:
    """Scan ``paths`` with :func:`scan_tree`, apply the baseline, gather what reports need.

    ``on_result`` sees each result with the baseline already applied.
    ``pictures`` loads previews of flagged files and the catalogue's emblem
    thumbnails (for the HTML report).
    """
    from ..reports import ScanContext
    from . import history
    from .baseline import apply_baseline, load_baseline

    entries = load_baseline(baseline) if baseline else ()

    def accepted_first(result: FileResult, reused: bool) -> None:
        if on_result:
            on_result(apply_baseline([result], entries).results[0], reused)

    raw = scan_tree(paths, home_root=home.root, options=options, on_result=accepted_first, on_skip=on_skip)
    applied = apply_baseline(raw.results, entries)
    if applied.accepted:
        with closing(history.open_scans(home.scans_db)) as db:
            history.record_accepted(db, applied.accepted, source=str(baseline))
    previews, thumbnails = _pictures(home, applied.results) if pictures else ({}, {})
    context = ScanContext(skipped=raw.skipped, unchanged=raw.unchanged, accepted=applied.accepted,
                          unused_baseline=applied.unused if report_unused_baseline else None,
                          previews=previews, emblem_thumbnails=thumbnails, base=os.getcwd(),
                          interrupted=raw.interrupted)
    return FolderScan(applied.results, raw.catalogue_version, context, raw)


def _pictures(home, results: Iterable[FileResult]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Previews of flagged files from scans.db; one catalogue thumbnail per emblem and rendering."""
    import sqlite_utils

    flagged = [r for r in results if r.findings]
    previews: dict[str, bytes] = {}
    scans = sqlite_utils.Database(home.scans_db)
    for result in flagged:
        row = next(scans.query("select thumbnail from files where path = ?", [result.path]), None)
        if row and row["thumbnail"]:
            previews[result.path] = row["thumbnail"]
    scans.close()
    wanted = {f.rendering_id for r in flagged for f in r.findings} | {f.emblem_id for r in flagged for f in r.findings}
    thumbnails: dict[str, bytes] = {}
    catalogue = sqlite_utils.Database(home.catalogue_db)
    for row in catalogue.query("select id, emblem_id, thumbnail from renderings order by id"):
        for key in (row["id"], row["emblem_id"]):
            if key in wanted and key not in thumbnails and row["thumbnail"]:
                thumbnails[key] = row["thumbnail"]
    catalogue.close()
    return previews, thumbnails
