"""Scanning folders: a streamed walk, a pool of scanners, an incremental record.

The shape, from the outside in:

* the walk (:mod:`emblemcheck.scan.walk`) is a generator, consumed only as fast
  as the pool's scanners free up, so memory does not grow with the folder;
* the pool (:mod:`emblemcheck.scan.pool`) scans one file per scanner at a
  time, each file with the size and mtime the walk read;
* results go to ``scans.db`` in batches, each in one transaction: a Ctrl-C or
  a killed process loses at most the open batch, never leaves a half-written
  row, and the next run skips what is already recorded;
* a file whose size, mtime, SHA-256 and catalogue version match its record is
  not scanned again: its recorded verdict is reported as it was;
* an original goes to a scanner with its WordPress copies, each of which
  takes the original's verdict once checked to hold only its pixels
  (:mod:`emblemcheck.scan.derived`); a file whose bytes were met earlier in
  the run takes that file's verdict;
* what the run keeps for its report, every result and skip and the verdict
  per distinct content, is kept on disk (:mod:`emblemcheck.scan.results`):
  the client's memory does not grow with the tree either.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..catalogue import store
from ..catalogue.coverage import coverage
from ..errors import UsageError
from ..media.content import MAX_PIXELS
from ..models import FileResult
from ..text import printable
from . import history, wordpress
from .limits import DEFAULT_TIMEOUT
from .pool import Copies, InlinePool, Pool, Stat, WorkerPool
from .results import Results, Skips, Verdicts
from .scanned import Scanned
from .walk import Entry, Excludes, ImageFile, Skip, walk

if TYPE_CHECKING:  # reports import scan's values; scan imports reports only where it reports
    from ..reports import ScanContext

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
    follow_symlinks: bool = False
    max_pixels: int = MAX_PIXELS
    command: str = "scan"
    #: Copies take their original's verdict once checked, identical bytes are scanned once; off: every file
    #: goes through the detector (what the benchmark compares reuse with).
    reuse: bool = True
    #: A Dask scheduler's address or ``local[:N]`` (see :mod:`emblemcheck.scan.cluster`); ``ship``: send
    #: each file's bytes to the workers instead of letting them open the paths.
    cluster: str | None = None
    ship: bool = False

    def worker_count(self) -> int:
        """The number of worker processes to start."""
        if self.workers < 0:
            raise UsageError(f"--workers must be 0 (one per core) or more, not {self.workers}")
        return self.workers or os.cpu_count() or 1


@dataclass(frozen=True)
class BulkResult:
    """Everything one folder scan found, reused, skipped or failed on.

    ``results`` and ``skipped`` are sequences kept on disk (:mod:`~emblemcheck.scan.results`), in the order
    the files finished and the walk met the skips; a scan with a baseline keeps its results with it applied.
    """

    results: Results
    skipped: Skips
    unchanged: int
    seconds: float
    catalogue_version: str
    run_id: int | None = None
    interrupted: bool = False
    #: Files that took their verdict from an original they are a verified copy of, and from identical bytes.
    inherited: int = 0
    deduplicated: int = 0

    @property
    def counts(self) -> dict[str, int]:
        """Files per status, plus ``skipped``, ``unchanged``, ``inherited`` and ``deduplicated``."""
        kept = self.results.counts
        counts = {"files": kept.files, "flagged": kept.flagged, "clean": kept.clean, "error": kept.errors}
        counts["skipped"] = len(self.skipped)
        counts["unchanged"] = self.unchanged
        counts["inherited"] = self.inherited
        counts["deduplicated"] = self.deduplicated
        return counts


@dataclass
class _Tally:
    results: Results = field(default_factory=Results)
    skipped: Skips = field(default_factory=Skips)
    unchanged: int = 0
    inherited: int = 0
    deduplicated: int = 0


def _pool(paths: list[str], home_root: str, options: BulkOptions) -> Pool:
    if options.cluster:
        from .cluster import ClusterPool  # only a cluster scan needs Dask

        return ClusterPool(options.cluster, roots=paths, home_root=home_root, ship=options.ship,
                           max_pixels=options.max_pixels, local_workers=options.workers)
    if len(paths) == 1 and os.path.isfile(paths[0]):
        return InlinePool(home_root=home_root, max_pixels=options.max_pixels)
    return WorkerPool(options.worker_count(), home_root=home_root, timeout=options.timeout,
                      max_pixels=options.max_pixels)


# --------------------------------------------------------------------- the scan


def scan_tree(paths: Iterable[str | Path], *, home_root: str | Path, options: BulkOptions = BulkOptions(),
              on_result: Callable[[FileResult, bool], None] | None = None,
              on_skip: Callable[[Skip], None] | None = None,
              accept: Callable[[FileResult], FileResult] | None = None) -> BulkResult:
    """Scan files and folders; record in ``scans.db`` under ``home_root``; return every outcome.

    ``on_result(result, reused)`` is called in this process as each file
    finishes (``reused``: taken from the record, not scanned again);
    ``on_skip`` for each entry left out on purpose. ``accept`` (a baseline)
    turns each result into the one kept and passed on; scans.db records the
    result as scanned.
    """
    started = time.monotonic()
    roots = [os.path.abspath(p) for p in paths]
    pool = _pool(roots, str(home_root), options)
    db = history.open_scans(Path(home_root) / "scans.db")
    version = pool.catalogue_version
    run_id = history.start_run(db, catalogue_version=version, command=options.command)
    recorder = _Recorder(db, run_id, version)
    tally = _Tally()

    def finish(scanned: Scanned, reused: bool) -> None:
        shown = accept(scanned.result) if accept else scanned.result
        tally.results.append(shown)
        if not reused:
            recorder.add(scanned)
            if scanned.result.inherited_as == "derived":
                tally.inherited += 1
            elif scanned.result.inherited_as == "identical":
                tally.deduplicated += 1
        if on_result:
            on_result(shown, reused)

    interrupted = False
    feeder = _Feeder(db, version, options, tally, finish, on_skip)
    try:
        entries = walk(roots, excludes=Excludes(options.excludes), gitignore=options.gitignore,
                       follow_symlinks=options.follow_symlinks)
        _drive(pool, feeder.start(entries))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        pool.close()
        recorder.flush()
        counts = tally.results.counts
        history.finish_run(db, run_id, {"flagged": counts.flagged, "clean": counts.clean, "error": counts.errors},
                           seconds=time.monotonic() - started, skipped=len(tally.skipped))
        db.close()
        feeder.verdicts.close()
    return BulkResult(tally.results, tally.skipped, tally.unchanged,
                      time.monotonic() - started, version, run_id, interrupted,
                      inherited=tally.inherited, deduplicated=tally.deduplicated)


def _drive(pool: Pool, feeder: _Feeder) -> None:
    while True:
        for _ in range(pool.idle()):
            job = feeder.next_job()
            if job is None:
                break
            pool.submit(*job)
        if not pool.busy():
            if feeder.release_waiting():
                continue  # duplicates of a file that failed: each is scanned on its own
            return
        for scanned in pool.collect():
            feeder.finish(scanned, False)
            feeder.settle(scanned.result)


class _Job(NamedTuple):
    path: str
    stat: Stat
    copies: Copies = ()


class _Feeder:
    """Turns the walk into pool jobs.

    Skips and unchanged files are settled on the way. A folder's files are
    held until the walk leaves the folder (the walk is depth first, so that is
    when it yields a file elsewhere than in the folder or below it); then an
    original goes to the pool in one job with its WordPress copies, and a file
    whose bytes were already met in this run (same SHA-256) waits for that
    file's verdict instead of being scanned. Only the folders on the walk's
    current path are held, so the listings held grow with one folder, not the
    tree; the verdict kept per distinct content is kept on disk.
    """

    def __init__(self, db, version: str, options: BulkOptions, tally: _Tally,
                 finish: Callable[[Scanned, bool], None], on_skip) -> None:
        self.entries: Iterator[Entry] = iter(())
        self.db, self.version, self.options = db, version, options
        self.tally, self.finish, self.on_skip = tally, finish, on_skip
        self.folders: dict[str, list[ImageFile]] = {}
        self.jobs: deque[_Job] = deque()
        self.verdicts = Verdicts()  # SHA-256 -> the first file's verdict in this run, on disk
        self.pending: dict[str, str] = {}  # path of a first file being scanned -> its SHA-256
        self.waiting: dict[str, list[ImageFile]] = {}  # SHA-256 -> files with the same bytes, waiting
        self.exhausted = False

    def start(self, entries: Iterator[Entry]) -> _Feeder:
        """Feed from ``entries`` (the walk)."""
        self.entries = entries
        return self

    def next_job(self) -> _Job | None:
        """The next job for the pool, advancing the walk as far as needed; ``None`` when there is none now."""
        while not self.jobs and not self.exhausted:
            entry = next(self.entries, None)
            if entry is None:
                self.exhausted = True
                for folder in list(self.folders):
                    self._flush(folder)
            else:
                self._take(entry)
        return self.jobs.popleft() if self.jobs else None

    def _take(self, entry: Entry) -> None:
        if isinstance(entry, Skip):
            if entry.error:
                self.finish(Scanned(FileResult(printable(entry.path), "error", error=entry.reason)), False)
            else:
                self.tally.skipped.append(entry)
                if self.on_skip:
                    self.on_skip(entry)
            return
        recorded = None if self.options.rescan else recorded_result(self.db, entry, self.version)
        if recorded is not None:
            self.tally.unchanged += 1
            self.verdicts.setdefault(recorded.sha256, recorded)
            self.finish(Scanned(recorded, entry.size, entry.mtime_ns), True)
            return
        folder = os.path.dirname(entry.path)
        for held in [f for f in self.folders if f != folder and not folder.startswith(f.rstrip(os.sep) + os.sep)]:
            self._flush(held)
        self.folders.setdefault(folder, []).append(entry)

    def _flush(self, folder: str) -> None:
        held = self.folders.pop(folder)
        if not self.options.reuse:
            self.jobs.extend(_Job(f.path, _stat(f)) for f in held)
            return
        files = {f.path: f for f in held if self._first_of_its_bytes(f)}
        for found in wordpress.group(files):
            if found.present and found.copies:
                copies = tuple((c, _stat(files[c])) for c in found.copies)
                self.jobs.append(_Job(found.original, _stat(files[found.original]), copies))
            else:
                self.jobs.extend(_Job(p, _stat(files[p])) for p in found.members)

    def _first_of_its_bytes(self, entry: ImageFile) -> bool:
        """Whether ``entry`` is to be scanned: false when a file with its bytes was met in this run."""
        try:
            digest = hashlib.sha256(Path(entry.path).read_bytes()).hexdigest()
        except OSError:
            return True  # a worker reads it again and reports why it cannot
        if (first := self.verdicts.get(digest)) is not None:
            self.finish(_identical(entry, first), False)
        elif digest in self.waiting:
            self.waiting[digest].append(entry)
        else:
            self.pending[printable(entry.path)] = digest
            self.waiting[digest] = []
            return True
        return False

    def settle(self, result: FileResult) -> None:
        """Give a scanned file's verdict to the files waiting with the same bytes."""
        digest = self.pending.pop(result.path, None)
        if digest is None:
            return
        waiting = self.waiting.pop(digest, [])
        if result.status == "error" or result.sha256 != digest:
            self.jobs.extend(_Job(e.path, _stat(e)) for e in waiting)  # each tries on its own
            return
        self.verdicts[digest] = result
        for entry in waiting:
            self.finish(_identical(entry, result), False)

    def release_waiting(self) -> bool:
        """Send every file still waiting to the pool (their first file never came back); whether there were any."""
        for entries in self.waiting.values():
            self.jobs.extend(_Job(e.path, _stat(e)) for e in entries)
        self.waiting, self.pending = {}, {}
        return bool(self.jobs)


def _stat(entry: ImageFile) -> Stat:
    return entry.size, entry.mtime_ns


def _identical(entry: ImageFile, first: FileResult) -> Scanned:
    """``first``'s verdict recorded for ``entry``, a file with the same bytes."""
    result = replace(first, path=printable(entry.path), inherited_from=first.path,
                     inherited_as="identical")
    return Scanned(result, entry.size, entry.mtime_ns)


def recorded_result(db, entry: ImageFile, version: str) -> FileResult | None:
    """The recorded verdict on ``entry`` if its size, mtime, SHA-256 and catalogue version still match.

    Errors are never reused: a file that failed may be readable now.
    """
    record = history.recorded(db, printable(os.path.abspath(entry.path)))
    if record is None:
        return None
    if (record.size, record.mtime_ns, record.catalogue_version) != (entry.size, entry.mtime_ns, version):
        return None
    if record.result.status == "error":
        return None
    try:
        digest = hashlib.sha256(Path(entry.path).read_bytes()).hexdigest()
    except OSError:
        return None  # let a worker read it and report the reason
    return record.result if digest == record.result.sha256 else None


class _Recorder:
    """Collects results and writes them to scans.db in transactions of :data:`BATCH_SIZE`."""

    def __init__(self, db, run_id: int, version: str) -> None:
        self.db, self.run_id, self.version = db, run_id, version
        self.pending: list[FileResult] = []
        self.stats: dict[str, Stat] = {}
        self.previews: dict[str, bytes] = {}

    def add(self, scanned: Scanned) -> None:
        result = scanned.result
        self.pending.append(result)
        if scanned.size is not None and scanned.mtime_ns is not None:
            self.stats[result.path] = (scanned.size, scanned.mtime_ns)
        if scanned.preview:
            self.previews[result.path] = scanned.preview
        if len(self.pending) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            history.record(self.db, self.run_id, self.pending, catalogue_version=self.version,
                           stats=self.stats, thumbnails=self.previews)
        self.pending, self.stats, self.previews = [], {}, {}


# --------------------------------------------------------------------- a folder scan as the CLI runs it


@dataclass(frozen=True)
class FolderScan:
    """A folder scan ready to report: results with the baseline applied (kept on disk), and the context."""

    results: Results
    catalogue_version: str
    context: ScanContext
    raw: BulkResult


def count_entries(paths: Iterable[str | Path], options: BulkOptions) -> int:
    """How many entries a walk yields, without opening any file (for the progress total)."""
    roots = [os.path.abspath(p) for p in paths]
    return sum(1 for _ in walk(roots, excludes=Excludes(options.excludes), gitignore=options.gitignore,
                               sniff_content=False, follow_symlinks=options.follow_symlinks))


def scan_folder(home, paths: Iterable[str | Path], options: BulkOptions = BulkOptions(), *,
                baseline: Path | None = None, report_unused_baseline: bool = False, pictures: bool = False,
                on_result: Callable[[FileResult, bool], None] | None = None,
                on_skip: Callable[[Skip], None] | None = None) -> FolderScan:
    """Scan ``paths`` with :func:`scan_tree`, apply the baseline, gather what reports need.

    ``on_result`` sees each result with the baseline already applied, as the
    results kept are.
    ``pictures`` loads previews of flagged files and the catalogue's emblem
    thumbnails (for the HTML report).
    """
    from ..reports import ScanContext
    from .baseline import Acceptance, load_baseline

    acceptance = Acceptance(load_baseline(baseline) if baseline else ())
    raw = scan_tree(paths, home_root=home.root, options=options, on_result=on_result, on_skip=on_skip,
                    accept=acceptance.apply)
    accepted = acceptance.accepted
    with closing(history.open_scans(home.scans_db)) as db:
        if accepted:
            history.record_accepted(db, accepted, source=str(baseline))
        previews = history.previews(db, (r.path for r in raw.results.where(findings=True))) if pictures else {}
    thumbnails = store.thumbnails(home.catalogue_db, _emblems_found(raw.results.where(findings=True))) \
        if pictures else {}
    context = ScanContext(skipped=raw.skipped, unchanged=raw.unchanged, accepted=accepted,
                          unused_baseline=acceptance.unused() if report_unused_baseline else None,
                          previews=previews, emblem_thumbnails=thumbnails, base=os.getcwd(),
                          interrupted=raw.interrupted, coverage=coverage(home.catalogue_db),
                          inherited=raw.inherited, deduplicated=raw.deduplicated,
                          names_fr=store.french_names(home.catalogue_db))
    return FolderScan(raw.results, raw.catalogue_version, context, raw)


def _emblems_found(results: Iterable[FileResult]) -> set[str]:
    """The rendering ids and emblem ids of every finding, for the report's catalogue thumbnails."""
    return {key for r in results for f in r.findings for key in (f.rendering_id, f.emblem_id)}
