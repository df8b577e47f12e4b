"""A folder scan's files scanned on a Dask cluster: :class:`ClusterPool`, the :class:`~.pool.Pool` on Dask.

The client (this process) walks, skips what is unchanged and writes scans.db,
exactly as with the local pool; the workers only scan. What crosses the wire:

* the catalogue, once per worker, as the bytes of catalogue.db with its
  version, in a :class:`CatalogueOnWorkers` plugin (an OpenCV FLANN index
  cannot be pickled): each worker writes the file into its local directory
  and builds its scanner from it on its first batch, once per worker thread;
  a plugin with another version replaces it and the scanner is built again;
* batches of jobs (:data:`BATCH_FILES` files per task: the scheduler costs
  about a millisecond per task, a file about a hundred), at most
  :data:`BATCHES_PER_THREAD` per worker thread in flight, so the client
  holds a bounded number of paths (and with ``ship``, bytes) however large
  the tree;
* each batch's results (verdicts and previews), collected as they finish.

Faults. The scheduler runs a dead worker's batch again elsewhere; the client
records a batch when its result arrives, once, with writes that are safe to
repeat (upserts by path). A batch that killed ``allowed-failures + 1``
workers is split into its jobs, the suspects, and each suspect runs alone:
one at a time with nothing else in flight (the scheduler counts every task
queued on a dying worker as suspicious, not only the one running, so an
innocent file queued beside the killer would otherwise be blamed with it);
a suspect that kills workers on its own is recorded as an error with that
reason. A lost scheduler cancels every
batch in flight: :class:`ClusterLost` ends the run after what was collected is
committed, so the next run resumes. There is no per-file time limit on a
cluster (a worker thread cannot be stopped from outside); the detector bounds
its own work, as in :class:`~.pool.InlinePool`.
"""

from __future__ import annotations

import collections
import itertools
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..catalogue import store
from ..errors import EmblemcheckError, UsageError
from ..exitcodes import ExitCode
from .pool import Copies, Stat, _errors
from .scanned import Scanned

try:
    from distributed import Client, Future, LocalCluster, get_worker, wait
    from distributed.client import FuturesCancelledError
    from distributed.diagnostics.plugin import WorkerPlugin
    from distributed.scheduler import KilledWorker
except ImportError:  # pragma: no cover - the extra is missing; ClusterPool says how to install it
    Client = None  # type: ignore[assignment,misc]
    WorkerPlugin = object  # type: ignore[assignment,misc]

#: Files (jobs: an original with its copies counts as one) per task, at first.
#: At about 0.1 s per file (benchmarks/RESULTS.md, bulk) a batch of 16 is 1-2 s
#: of work: the scheduler's millisecond per task is under 0.1 %, and a batch
#: lost with a worker is little to redo. A guess within that range.
BATCH_FILES = 16

#: Batches that come back having taken a worker less than this many seconds
#: double the batch size, up to :data:`MAX_BATCH_FILES`: small or unreadable
#: files would otherwise leave the workers waiting on the scheduler's round
#: trips (benchmarks/cluster.py's million tiny files, RESULTS.md). Guesses.
BATCH_SECONDS = 0.5
MAX_BATCH_FILES = 512

#: Batches in flight per worker thread: one running, one queued behind it so
#: the worker never waits for the client (a guess; the benchmark's 2-worker
#: run measures whether it keeps them busy).
BATCHES_PER_THREAD = 2

#: Seconds between two counts of the cluster's worker threads (a guess: workers join in seconds, not less).
CAPACITY_SECONDS = 2.0

#: The worker plugin's name: one catalogue per cluster at a time.
PLUGIN = "emblemcheck-catalogue"

#: Seconds to wait for a scheduler to answer, and for its first worker.
CONNECT_TIMEOUT = 30.0

#: What a job is on the wire: ``(path, stat, copies)`` as :meth:`Pool.submit` takes it.
Job = tuple[str, Stat | None, Copies]


class ClusterError(EmblemcheckError):
    """The cluster cannot scan: no scheduler there, no workers, or workers that cannot see the files."""


class ClusterLost(ClusterError):
    """The scheduler went away during the run; what was collected is recorded, the next run resumes."""

    # Not a bug (4): the verdict is incomplete, as when an input cannot be read (3); the next run resumes.
    exit_code = ExitCode.UNREADABLE


# --------------------------------------------------------------------- on the workers

#: Scanners this worker process built, per catalogue version, one per thread (threading.local);
#: kept across plugin registrations of the same version, so a second run does not rebuild.
_held: dict[str, threading.local] = {}
_builds: dict[str, int] = {}
_lock = threading.Lock()


class CatalogueOnWorkers(WorkerPlugin):
    """The catalogue as bytes and version; on each worker, a scanner built from them once."""

    name = PLUGIN

    def __init__(self, data: bytes, version: str) -> None:
        self.data, self.version = data, version
        self.path: Path | None = None

    def setup(self, worker) -> None:
        folder = Path(worker.local_directory) / "emblemcheck" / self.version
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "catalogue.db"
        if not self.path.exists():
            partial = folder / "catalogue.db.partial"
            partial.write_bytes(self.data)
            os.replace(partial, self.path)
        self.data = b""  # the file holds it now
        with _lock:
            for version in [v for v in _held if v != self.version]:
                del _held[version]  # a new catalogue: the old scanners go

    def scanner(self):
        """This thread's scanner over the catalogue, built on first use."""
        with _lock:
            local = _held.setdefault(self.version, threading.local())
        scanner = getattr(local, "scanner", None)
        if scanner is None:
            import cv2

            from ..catalogue.store import Catalogue
            from .scanner import Scanner

            cv2.setNumThreads(1)  # Dask's threads are the parallelism, as the local pool's processes are
            assert self.path is not None, "setup runs before any task"
            scanner = local.scanner = Scanner(Catalogue.open(self.path))
            with _lock:
                _builds[self.version] = _builds.get(self.version, 0) + 1
        return scanner


class CatalogueChanged(ClusterError):
    """A worker holds another catalogue than the run's (another client registered its own)."""


@dataclass(frozen=True)
class Batch:
    """One task's work: jobs, the catalogue version they are for, and with ``--ship`` the files' bytes."""

    jobs: tuple[Job, ...]
    version: str
    max_pixels: int
    shipped: dict[str, bytes] | None = None

    def paths(self) -> list[str]:
        """Every file of the batch, each original followed by its copies."""
        return [p for path, _stat, copies in self.jobs for p in (path, *(c for c, _ in copies))]


def scan_batch(batch: Batch) -> tuple[list[Scanned], float]:
    """Scan a batch on a worker: every file's result (a bug in one job reported for its files only), and
    the seconds it took."""
    started = time.perf_counter()
    plugin = get_worker().plugins.get(PLUGIN)
    if not isinstance(plugin, CatalogueOnWorkers) or plugin.version != batch.version:
        held = getattr(plugin, "version", "none")
        raise CatalogueChanged(f"a worker holds catalogue {held}, this run scans with {batch.version}: "
                               "another emblemcheck client with another catalogue uses the cluster; run again")
    if not batch.jobs:
        return [], 0.0
    scanner = plugin.scanner()
    done: list[Scanned] = []
    for path, stat, copies in batch.jobs:
        try:
            done.extend(scanner.scan_with_copies(path, copies, max_pixels=batch.max_pixels, stat=stat,
                                                 shipped=batch.shipped))
        except Exception as exc:  # noqa: BLE001 - one file's bug must be reported, not end the batch
            message = f"internal error while scanning: {type(exc).__name__}: {exc}"
            done.extend(_errors((path, *(c for c, _ in copies)), message))
    return done, time.perf_counter() - started


def probe(roots: Sequence[str]) -> list[str]:
    """On a worker: the scan roots it cannot see (absent or unreadable)."""
    return [r for r in roots if not (os.path.exists(r) and os.access(r, os.R_OK))]


def builds() -> dict[str, int]:
    """On a worker: how many scanners it built, per catalogue version (what the tests check)."""
    with _lock:
        return dict(_builds)


# --------------------------------------------------------------------- on the client


@dataclass
class _InFlight:
    batch: Batch
    #: Set on a suspect's own task, run with nothing else in flight: it killing workers is its own fault.
    alone: bool = False


@dataclass
class _Connection:
    client: Client
    cluster: LocalCluster | None = None
    futures: dict[Future, _InFlight] = field(default_factory=dict)


def connect(address: str, local_workers: int = 0) -> _Connection:
    """A client of the scheduler at ``address``, or of a new LocalCluster for ``local[:N]``."""
    if Client is None:
        raise UsageError("--cluster needs Dask: pip install 'emblemcheck[cluster]'")
    # The client logs its reconnection attempts with tracebacks; the CLI says what happened in one line.
    logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
    if address == "local" or address.startswith("local:"):
        count = address.partition(":")[2]
        if count and not (count.isdigit() and int(count) > 0):
            raise UsageError(f"--cluster local:N takes a number of workers of 1 or more, not {count!r}")
        n = int(count) if count else local_workers or os.cpu_count() or 1
        # Processes with one thread each: what `dask worker --nworkers N --nthreads 1` starts (README).
        # ":0": the scheduler's HTTP routes on a free port, not 8787, which another cluster may hold.
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0")
        return _Connection(Client(cluster), cluster)
    if "://" not in address:
        raise UsageError(f"--cluster takes a scheduler address (tcp://HOST:PORT) or local[:N], not {address!r}")
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"no Dask scheduler answers at {address} ({exc}); start one with `dask scheduler`"
                           ) from None
    return _Connection(client)


class ClusterPool:
    """The :class:`~.pool.Pool` protocol on a Dask cluster: jobs gathered into batches, batches as tasks."""

    def __init__(self, address: str, *, roots: Sequence[str], home_root: str, ship: bool = False,
                 max_pixels: int, local_workers: int = 0, batch_files: int = BATCH_FILES) -> None:
        catalogue = Path(home_root) / "catalogue.db"
        store.Catalogue.open(catalogue)  # the same message as a local scan when it was never built
        self.catalogue_version = store.version_of(catalogue)
        self.ship, self.max_pixels, self.batch_files = ship, max_pixels, batch_files
        self._keys = itertools.count()
        self._open: list[Job] = []
        #: Jobs of batches that killed workers, each to run alone (the module's docstring says why).
        self._suspects: collections.deque[Job] = collections.deque()
        self._threads, self._counted = 1, -CAPACITY_SECONDS
        self._wire = connect(address, local_workers)
        try:
            self._ready(address, roots, catalogue)
        except BaseException:
            self.close()
            raise

    def _ready(self, address: str, roots: Sequence[str], catalogue: Path) -> None:
        client = self._wire.client
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except TimeoutError:
            raise ClusterError(f"the scheduler at {address} has no workers after {CONNECT_TIMEOUT:g} s; "
                               "start some with `dask worker " + address + "`") from None
        if not self.ship:
            try:
                unseen = client.run(probe, list(roots))
            except Exception as exc:  # noqa: BLE001 - whatever a worker raises, the user needs the fix
                raise ClusterError(f"the Dask workers cannot run emblemcheck ({type(exc).__name__}: {exc}); "
                                   "install the same emblemcheck on every worker") from None
            blind = {worker: paths for worker, paths in unseen.items() if paths}
            if blind:
                worker, paths = next(iter(blind.items()))
                raise ClusterError(f"{len(blind)} of {len(unseen)} Dask workers cannot see {paths[0]} "
                                   f"(worker {worker}): mount the share at the same path on every worker, "
                                   "or add --ship to send the files' bytes from here")
        client.register_plugin(CatalogueOnWorkers(catalogue.read_bytes(), self.catalogue_version), name=PLUGIN)

    def _capacity(self) -> int:
        # Workers come and go: count their threads again now and then, not on every call (a round trip).
        self._connected()
        if time.monotonic() >= self._counted + CAPACITY_SECONDS:
            try:
                self._threads = sum(self._wire.client.nthreads().values()) or 1
            except OSError:  # distributed's CommClosedError: the scheduler went away during the call
                raise _lost() from None
            self._counted = time.monotonic()
        return self._threads * BATCHES_PER_THREAD

    def _connected(self) -> None:
        """Raise :class:`ClusterLost` once the client has lost the scheduler (it then tries to reconnect for
        its whole timeout, and every call waits for that)."""
        if self._wire.client.status != "running":
            raise _lost()

    def idle(self) -> int:
        if self._suspects:
            return 0  # the suspects run alone first
        free = self._capacity() - len(self._wire.futures)
        return max(0, free * self.batch_files - len(self._open))

    def busy(self) -> bool:
        return bool(self._open or self._suspects or self._wire.futures)

    def submit(self, path: str, stat: Stat | None = None, copies: Copies = ()) -> None:
        self._open.append((path, stat, copies))
        if len(self._open) >= self.batch_files:
            self._send()

    def _send(self, jobs: Sequence[Job] | None = None, *, alone: bool = False) -> None:
        if jobs is None:
            jobs, self._open = self._open, []
        if not jobs:
            return
        self._connected()
        batch = Batch(tuple(jobs), self.catalogue_version, self.max_pixels, _shipped(jobs) if self.ship else None)
        future = self._wire.client.submit(scan_batch, batch, key=f"emblemcheck-batch-{next(self._keys)}",
                                          pure=False)
        self._wire.futures[future] = _InFlight(batch, alone)

    def collect(self) -> Iterator[Scanned]:
        """Send the open batch (or the next suspect, once nothing else is in flight), wait for at least
        one batch to finish, yield its files' results."""
        self._send()
        if self._suspects and not self._wire.futures:
            self._send([self._suspects.popleft()], alone=True)
        try:
            done, _ = wait(list(self._wire.futures), return_when="FIRST_COMPLETED")
        except FuturesCancelledError:
            raise _lost() from None
        for future in done:
            flight = self._wire.futures.pop(future)
            yield from self._outcome(future, flight)

    def _outcome(self, future: Future, flight: _InFlight) -> list[Scanned]:
        if future.status == "finished":
            done, seconds = future.result()
            if seconds < BATCH_SECONDS and len(flight.batch.jobs) >= self.batch_files:
                self.batch_files = min(MAX_BATCH_FILES, self.batch_files * 2)
            return done
        if future.status == "cancelled":
            raise _lost()
        exc = future.exception()
        if exc is None:
            # Finished, then lost: the worker holding the result died (killed by the next batch it ran)
            # before the client fetched it. Nothing went wrong with these files: send them again.
            if flight.alone:
                self._suspects.appendleft(flight.batch.jobs[0])
            else:
                self._send(list(flight.batch.jobs))
            return []
        if isinstance(exc, KilledWorker):
            if flight.alone:
                return _errors(flight.batch.paths(), f"killed {exc.allowed_failures + 1} Dask workers in a row "
                               "while being scanned (out of memory, or a crash in a decoder)")
            self._suspects.extend(flight.batch.jobs)  # find which job kills them: each alone
            return []
        if isinstance(exc, CatalogueChanged):
            raise CatalogueChanged(str(exc))
        return _errors(flight.batch.paths(), f"internal error on a Dask worker: {type(exc).__name__}: {exc}")

    def close(self) -> None:
        wire = self._wire
        if wire.futures and wire.client.status == "running":  # a lost scheduler dropped them already
            wire.client.cancel(list(wire.futures))
        wire.futures.clear()
        wire.client.close()
        if wire.cluster is not None:
            wire.cluster.close()


def _lost() -> ClusterLost:
    return ClusterLost("lost the Dask scheduler: the files scanned so far are recorded; "
                       "run the same command again to scan the rest")


def _shipped(jobs: Sequence[Job]) -> dict[str, bytes]:
    """The bytes of every file of ``jobs`` this process can read; a worker reports why for the others."""
    data = {}
    for path, _stat, copies in jobs:
        for p in (path, *(c for c, _ in copies)):
            try:
                data[p] = Path(p).read_bytes()
            except OSError:
                continue
    return data

