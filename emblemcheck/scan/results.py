"""A folder scan's results, kept on disk as they arrive and read back in streams: :class:`Results`.

A million files' :class:`FileResult` values take over 400 MB held in a list
(benchmarks/RESULTS.md, cluster). A scan keeps them instead in a private
temporary SQLite database (``sqlite3.connect("")``: SQLite keeps it in its
page cache while it is small, writes it to a temporary file once it grows, and
deletes it when closed), one pickled result per row, with the columns the
reports filter and sort on. What is held in memory is counts, the few results
that decide the exit code, and a buffer of rows not yet inserted.

A report reads the results back as often as it needs, each pass a new query:
every file in path order, only the errors, only the flagged originals with
their copies (:meth:`Results.groups`), and so on. :class:`Skips` does the
same for the entries the walk left out, :class:`Verdicts` for the verdict kept
per distinct content (a run's deduplication).
"""

from __future__ import annotations

import itertools
import pickle
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar, overload

from ..models import FileResult, Restriction
from .walk import Skip
from .wordpress import ResultGroup, group, split_name

#: Rows buffered before one ``executemany``: one statement per few hundred results keeps the cost per result
#: a few microseconds (a guess in the range where SQLite's per-statement cost stops mattering).
BUFFER = 512

#: Rows fetched per round trip when reading back (the same kind of guess).
FETCH = 512

T = TypeVar("T")


def _connect() -> sqlite3.Connection:
    # "": a private temporary database, on disk once it outgrows the page cache, deleted on close. Nothing
    # here must survive a crash, so no journal and no fsync. check_same_thread off: a finished scan's results
    # are a value any thread may read (the browse server's checks run in its threads).
    connection = sqlite3.connect("", check_same_thread=False)
    connection.execute("pragma journal_mode = off")
    connection.execute("pragma synchronous = off")
    return connection


class _Spilled(Sequence[T]):
    """Values pickled into one table in arrival order, with the extra columns a subclass fills."""

    _columns: tuple[str, ...] = ()

    def __init__(self) -> None:
        self._db = _connect()
        extra = "".join(f", {c}" for c in self._columns)
        self._db.execute(f"create table spilled (seq integer primary key, data blob not null{extra})")
        self._buffer: list[tuple] = []
        self._count = 0

    def _row(self, value: T) -> tuple:
        return ()

    def append(self, value: T) -> None:
        """Keep ``value`` after the others."""
        self._buffer.append((self._count + 1, pickle.dumps(value, pickle.HIGHEST_PROTOCOL), *self._row(value)))
        self._count += 1
        if len(self._buffer) >= BUFFER:
            self._flush()

    def extend(self, values: Iterable[T]) -> None:
        for value in values:
            self.append(value)

    def _flush(self) -> None:
        if self._buffer:
            marks = ", ".join("?" * (2 + len(self._columns)))
            self._db.executemany(f"insert into spilled values ({marks})", self._buffer)
            self._buffer = []

    def _query(self, sql: str, parameters: Sequence = ()) -> Iterator[tuple]:
        """Rows of ``sql`` fetched a few hundred at a time (the buffer is written first)."""
        self._flush()
        cursor = self._db.execute(sql, parameters)
        while rows := cursor.fetchmany(FETCH):
            yield from rows

    def _values(self, sql: str, parameters: Sequence = ()) -> Iterator[T]:
        """The unpickled first column of each row of ``sql``."""
        return (pickle.loads(row[0]) for row in self._query(sql, parameters))

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[T]:
        """Every value in arrival order, streamed."""
        return self._values("select data from spilled order by seq")

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("result index out of range")
        return next(self._values("select data from spilled where seq = ?", (index + 1,)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Spilled | tuple | list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable while the scan runs

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self._count}>"

    def close(self) -> None:
        """Delete the temporary database (also done when the value is garbage-collected)."""
        self._buffer = []
        self._db.close()


class Skips(_Spilled[Skip]):
    """The entries a walk left out, in the order it met them, kept on disk."""


@dataclass
class Counts:
    """What is counted as results arrive: files per status, findings per restriction, internal errors."""

    files: int = 0
    flagged: int = 0
    clean: int = 0
    errors: int = 0
    internal: int = 0
    noted: int = 0
    by_restriction: dict[str, int] = field(default_factory=lambda: {"restricted": 0, "caution": 0, "permitted": 0})

    def add(self, result: FileResult) -> None:
        self.files += 1
        if result.status == "flagged":
            self.flagged += 1
        elif result.status == "clean":
            self.clean += 1
        else:
            self.errors += 1
        self.internal += result.internal
        self.noted += bool(result.note)
        for finding in result.findings:
            self.by_restriction[str(finding.restriction)] += 1


Order = Literal["arrival", "path"]


class Results(_Spilled[FileResult]):
    """A scan's file results in arrival order, kept on disk; a :class:`~collections.abc.Sequence`.

    Iterating gives them in arrival order; :meth:`by_path` and the filtered
    reads give them sorted by path (stably, as ``sorted(key=path)`` would).
    :attr:`counts` is kept as they arrive, so counting reads nothing back.
    """

    # status and whether there are findings or a note, to filter on; key: folder and base stem of a file that
    # can be grouped with its WordPress copies (None for an error); derived: its name marks it as a copy.
    _columns = ("path", "status", "findings", "noted", "key", "derived")

    def __init__(self, results: Iterable[FileResult] = ()) -> None:
        super().__init__()
        self._db.execute("create index by_path on spilled (path, seq)")
        self._db.execute("create index by_key on spilled (key, path)")
        self.counts = Counts()
        self._first_internal: FileResult | None = None
        self._first_error: FileResult | None = None
        self._worst: FileResult | None = None
        self._originals = False
        self.extend(results)

    def _row(self, result: FileResult) -> tuple:
        key, derived = None, 0
        if result.status != "error":
            folder, stem, _ext, is_copy = split_name(result.path)
            key, derived = f"{folder}\0{stem}", int(is_copy)
        return result.path, result.status, len(result.findings), int(bool(result.note)), key, derived

    def append(self, result: FileResult) -> None:
        """Keep ``result``, count it, and remember it if it decides the exit code."""
        super().append(result)
        self.counts.add(result)
        self._originals = False
        if result.internal and self._first_internal is None:
            self._first_internal = result
        if result.status == "error" and self._first_error is None:
            self._first_error = result
        if result.worst is not None and (self._worst is None or result.worst.rank > self._worst_rank()):
            self._worst = result

    def _worst_rank(self) -> int:
        worst = self._worst.worst if self._worst else None
        return worst.rank if worst else -1

    def deciding(self) -> tuple[FileResult, ...]:
        """The few results the exit code depends on (:func:`~emblemcheck.exitcodes.exit_code` gives the same
        answer for them as for all): the first internal error, the first error, a file with the most serious
        finding."""
        return tuple(r for r in (self._first_internal, self._first_error, self._worst) if r is not None)

    @property
    def worst(self) -> Restriction | None:
        """The most serious restriction found in any file."""
        return self._worst.worst if self._worst else None

    def by_path(self) -> Iterator[FileResult]:
        """Every result sorted by path (arrival order among equal paths)."""
        return self._values("select data from spilled order by path, seq")

    def where(self, *, status: str | None = None, findings: bool = False, noted: bool = False,
              order: Order = "path") -> Iterator[FileResult]:
        """The results with ``status``, with findings, with a note (each condition only when given)."""
        conditions = ["1"]
        parameters = []
        if status is not None:
            conditions.append("status = ?")
            parameters.append(status)
        if findings:
            conditions.append("findings > 0")
        if noted:
            conditions.append("noted")
        by = "path, seq" if order == "path" else "seq"
        return self._values(f"select data from spilled where {' and '.join(conditions)} order by {by}", parameters)

    # ----------------------------------------------------------------- WordPress groups, as group_results makes them

    def groups(self, *, only: Literal["flagged", "copies"] | None = None) -> Iterator[ResultGroup]:
        """The scanned files (not errors) grouped under their originals, in the order and with the members
        :func:`~emblemcheck.scan.wordpress.group_results` gives; ``only`` the flagged groups or the groups with
        copies. One folder's base stem is held at a time."""
        for found, rows in self._grouped(only):
            results = {path: pickle.loads(data) for _seq, path, data in rows}
            made = ResultGroup(found.original, found.present, tuple(results[p] for p in found.members))
            if only == "flagged" and made.status != "flagged" or only == "copies" and not made.copies:
                continue
            yield made

    def _grouped(self, only: str | None = None, *, data: bool = True) -> Iterator[tuple]:
        """Each :class:`~emblemcheck.scan.wordpress.Group` with its members' ``(seq, path, data)`` rows."""
        # group_results keeps the last result of a path, groups by folder and base stem, and orders the groups
        # by their first path; the same here, with only one stem's files read at a time.
        having = {"flagged": "having max(status = 'flagged')",
                  "copies": "having count(*) > 1 or max(derived)"}.get(only or "", "")
        sql = f"""
            with live as (select path, max(seq) as seq, key from spilled where key is not null group by path),
                 stems as (select key, min(path) as first from spilled where key is not null
                           group by key {having})
            select live.key, live.seq, live.path, {'spilled.data' if data else 'null'}
            from live join stems on stems.key = live.key join spilled on spilled.seq = live.seq
            order by stems.first, live.path"""
        for _key, rows in itertools.groupby(self._query(sql), key=lambda row: row[0]):
            members = [row[1:] for row in rows]
            by_path = {path: row for row in members for path in (row[1],)}
            for found in group(by_path):
                yield found, [by_path[p] for p in found.members]

    def with_originals(self) -> Iterator[tuple[FileResult, str]]:
        """Every result by path with the path of the original it is grouped under (its own path for an error
        or a file without copies)."""
        if not self._originals:
            self._db.execute("create table if not exists originals (path text primary key, original text)")
            self._db.execute("delete from originals")
            rows = ((path, found.original) for found, members in self._grouped(data=False)
                    for _seq, path, _data in members)
            for chunk in iter(lambda: list(itertools.islice(rows, BUFFER)), []):
                self._db.executemany("insert into originals values (?, ?)", chunk)
            self._originals = True
        # An error shares a path with a scanned file only when a path was given twice: group_results maps the
        # path, so the error row takes the same original, as here.
        sql = """select spilled.data, coalesce(originals.original, spilled.path) from spilled
                 left join originals on originals.path = spilled.path order by spilled.path, spilled.seq"""
        return ((pickle.loads(data), original) for data, original in self._query(sql))


def as_results(results: Iterable[FileResult]) -> Results:
    """``results`` themselves if they are :class:`Results` already, else a :class:`Results` holding them."""
    return results if isinstance(results, Results) else Results(results)


class Verdicts:
    """The verdict kept per distinct content (SHA-256) during a run, on disk: a dict of a million entries
    would hold a million results again."""

    def __init__(self) -> None:
        self._db = _connect()
        self._db.execute("create table verdicts (sha256 text primary key, data blob not null)")

    def __contains__(self, digest: object) -> bool:
        return self._db.execute("select 1 from verdicts where sha256 = ?", (digest,)).fetchone() is not None

    def get(self, digest: str) -> FileResult | None:
        """The verdict kept for ``digest``, if any."""
        row = self._db.execute("select data from verdicts where sha256 = ?", (digest,)).fetchone()
        return None if row is None else pickle.loads(row[0])

    def __setitem__(self, digest: str, result: FileResult) -> None:
        self._db.execute("insert or replace into verdicts values (?, ?)",
                         (digest, pickle.dumps(result, pickle.HIGHEST_PROTOCOL)))

    def setdefault(self, digest: str, result: FileResult) -> None:
        """Keep ``result`` for ``digest`` unless one is kept already."""
        self._db.execute("insert or ignore into verdicts values (?, ?)",
                         (digest, pickle.dumps(result, pickle.HIGHEST_PROTOCOL)))

    def close(self) -> None:
        self._db.close()
