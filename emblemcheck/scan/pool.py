"""Where a folder scan's files are scanned: the :class:`Pool` protocol and two backends.

A pool holds scanners with the catalogue loaded and takes one file per free
scanner: :meth:`Pool.idle` says how many more it takes now, :meth:`Pool.submit`
hands one over with its size and mtime as the walk read them (so a file is
stat'ed once), with its derived copies if it is an original upload (the
scanner checks each against it, see :mod:`emblemcheck.scan.derived`), and
:meth:`Pool.collect` waits for at least one to finish.

:class:`WorkerPool` runs one worker process per core, each scanning one file
at a time; a worker that passes the per-file time limit (or dies) is killed
and replaced, and its file reported. :class:`InlinePool` scans in this
process, for a single file. :class:`~.cluster.ClusterPool` (Dask) is one more
class with the same five methods and ``catalogue_version``.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Protocol

from ..errors import EmblemcheckError
from ..models import FileResult
from ..text import printable
from .scanned import Scanned

#: A file's ``(size, mtime_ns)`` as the walk read them.
Stat = tuple[int, int]

#: An original's derived copies, each ``(path, stat)``, scanned in the same job after it.
Copies = tuple[tuple[str, Stat | None], ...]


class Pool(Protocol):
    """Scanners with the catalogue loaded, taking files and giving back one :class:`Scanned` each."""

    #: The version of the catalogue every scanner in the pool loaded.
    catalogue_version: str

    def idle(self) -> int:
        """How many files :meth:`submit` takes now without waiting."""

    def busy(self) -> bool:
        """Whether a submitted file has not been collected yet."""

    def submit(self, path: str, stat: Stat | None = None, copies: Copies = ()) -> None:
        """Start scanning ``path``, then its ``copies``; ``stat`` saves the scanner a second stat of the file."""

    def collect(self) -> Iterator[Scanned]:
        """Wait for at least one submitted job to finish (or fail); yield a result for each of its files."""

    def close(self) -> None:
        """Stop every scanner; files not collected are lost."""


def _worker_main(conn: Connection, home_root: str, max_pixels: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C stops
    # The scanner (OpenCV, numpy, the engine) is imported in the worker only: the parent never detects.
    import cv2

    from .scanner import open_scanner

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
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        path, stat, copies = job
        try:
            conn.send(("done", scanner.scan_with_copies(path, copies, max_pixels=max_pixels, stat=stat), 0))
        except Exception as exc:  # noqa: BLE001 - one file's bug must be reported, not end the run
            message = f"internal error while scanning: {type(exc).__name__}: {exc}"
            conn.send(("done", _errors((path, *(c for c, _ in copies)), message), 0))


def _errors(paths, reason: str) -> list[Scanned]:
    """One internal-error result per path: a bug of emblemcheck met while scanning them, not the files' fault."""
    return [Scanned(FileResult(printable(p), "error", error=reason, internal=True)) for p in paths]


class _Worker:
    def __init__(self, context, home_root: str, max_pixels: int) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, home_root, max_pixels),
                                       daemon=True)
        self.process.start()
        child.close()
        self.path: str | None = None
        self.copies: Copies = ()
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

    def submit(self, path: str, timeout: float, stat: Stat | None = None, copies: Copies = ()) -> None:
        # The time limit is per file: a job of an original and its copies gets one for each.
        self.path, self.copies = path, copies
        self.deadline = time.monotonic() + timeout * (1 + len(copies))
        self.conn.send((path, stat, copies))

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

    def idle(self) -> int:
        return sum(w.path is None for w in self.workers)

    def busy(self) -> bool:
        return any(w.path is not None for w in self.workers)

    def submit(self, path: str, stat: Stat | None = None, copies: Copies = ()) -> None:
        worker = next(w for w in self.workers if w.path is None)
        worker.submit(path, self.timeout, stat, copies)

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
                    yield from self._replace(worker, "the scan worker died (out of memory or a crash in a decoder)")
                    continue
                worker.path = None
                yield from payload
            elif worker.process.sentinel in ready:
                yield from self._replace(worker, "the scan worker died (out of memory or a crash in a decoder)")
            elif time.monotonic() >= worker.deadline:
                yield from self._replace(worker, f"took longer than the {self.timeout:g} s limit per file")

    def _replace(self, worker: _Worker, reason: str) -> list[Scanned]:
        """Kill and replace ``worker``; every file of its job is reported with ``reason``."""
        paths = (worker.path or "", *(c for c, _ in worker.copies))
        worker.stop()
        fresh = _Worker(self._context, *self._spec)
        fresh.ready()
        self.workers[self.workers.index(worker)] = fresh
        return _errors(paths, reason)

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
        from .scanner import open_scanner  # here: only an inline pool scans in this process

        self.scanner = open_scanner(Path(home_root))
        self.catalogue_version = self.scanner.catalogue.version
        self.max_pixels = max_pixels
        self._done: list[Scanned] = []

    def idle(self) -> int:
        return 0 if self._done else 1

    def busy(self) -> bool:
        return bool(self._done)

    def submit(self, path: str, stat: Stat | None = None, copies: Copies = ()) -> None:
        self._done.extend(self.scanner.scan_with_copies(path, copies, max_pixels=self.max_pixels, stat=stat))

    def collect(self) -> Iterator[Scanned]:
        done, self._done = self._done, []
        yield from done

    def close(self) -> None:
        pass
