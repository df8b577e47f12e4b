"""scans.db: the user's scan history, accepted findings and verdicts.

The only code that reads or writes scans.db (the browse plugin's queries
through Datasette aside). A catalogue rebuild never touches this file. The
schema only moves forward, through the migrations below.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sqlite3
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from .. import dbfaults
from ..dbfaults import is_damaged, translated
from ..errors import HomeNotWritable, Notice
from ..models import FileResult, Finding, Restriction

migrations = Migrations("emblemcheck.scans")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db.table("runs").create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "duration_s": float,
            "catalogue_version": str,
            "command": str,
            "files": int,
            "flagged": int,
            "clean": int,
            "errors": int,
            "skipped": int,
        },
        pk="id",
    )
    db.table("files").create(
        {
            "path": str,
            "size": int,
            "mtime_ns": int,
            "sha256": str,
            "catalogue_version": str,
            "status": str,
            "error": str,
            "width": int,
            "height": int,
            "findings": int,
            "worst_restriction": str,
            "best_score": float,
            "scanned_at": str,
            "run_id": int,
            "thumbnail": bytes,
        },
        pk="path",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("findings").create(
        {
            "id": int,
            "path": str,
            "sha256": str,
            "run_id": int,
            "emblem_id": str,
            "rendering_id": str,
            "rule": str,
            "name": str,
            "restriction": str,
            "score": float,
            "method": str,
            "box_x": int,
            "box_y": int,
            "box_w": int,
            "box_h": int,
            "outline": str,
            "inliers": int,
            "distance": float,
            "threshold": float,
        },
        pk="id",
        foreign_keys=[("path", "files", "path"), ("run_id", "runs", "id")],
    )
    db.table("findings").create_index(["path"])
    db.table("findings").create_index(["emblem_id"])
    db.table("files").create_index(["sha256"])
    db.table("files").create_index(["status"])
    # The allowlist: a finding accepted by image content and emblem, never by path.
    db.table("accepted").create(
        {"sha256": str, "emblem_id": str, "reason": str, "accepted_at": str, "source": str},
        pk=("sha256", "emblem_id"),
    )


def open_scans(path: Path) -> sqlite_utils.Database:
    """Open (creating and migrating as needed) the scans database at ``path``.

    A file that is not a database (overwritten, truncated) is moved aside,
    never deleted, and a new one started; a :class:`Notice` names both.
    """
    with translated(path):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HomeNotWritable(f"cannot create the home folder {path.parent} ({exc.strerror or exc}): "
                                  "choose another with --home") from None
        try:
            return _open(path)
        except sqlite3.DatabaseError as exc:
            if not is_damaged(exc):
                raise
            aside = _move_aside(path)
            warnings.warn(Notice(f"{path} was damaged ({exc}); it was moved to {aside} and a new scan "
                                 "history started"), stacklevel=2)
            return _open(path)


def _open(path: Path) -> sqlite_utils.Database:
    # Our own connection for the busy timeout: a second scan waits for the
    # first one's short write transaction instead of failing at once.
    db = sqlite_utils.Database(sqlite3.connect(str(path), timeout=dbfaults.BUSY_TIMEOUT))
    try:
        db.enable_wal()
        with writing(db):
            migrations.apply(db)
    except BaseException:
        db.close()
        raise
    return db


def _move_aside(path: Path) -> Path:
    """Rename a damaged ``path`` (and its -wal and -shm files) to a free ``.damaged-N`` name beside it."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    os.replace(path, aside)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.replace(companion, aside.with_name(aside.name + suffix))
    return aside


@contextmanager
def writing(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One short write transaction that takes the write lock at its start (``BEGIN IMMEDIATE``).

    sqlite-utils' ``atomic()`` begins a deferred transaction, which in WAL
    mode fails at once ("database is locked") when it upgrades from reading
    to writing while another scan writes; an immediate one waits for the
    busy timeout instead. Blocks inside nest as savepoints.
    """
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()


def _guarded(function):
    """Run a write on scans.db with SQLite's errors turned into one-line errors naming the file."""

    @functools.wraps(function)
    def guarded(db: sqlite_utils.Database, *args, **kwargs):
        with translated(_path_of(db)):
            return function(db, *args, **kwargs)

    return guarded


def _path_of(db: sqlite_utils.Database) -> Path:
    return Path(next(row[2] for row in db.conn.execute("pragma database_list") if row[1] == "main"))


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


@_guarded
def start_run(db: sqlite_utils.Database, *, catalogue_version: str, command: str) -> int:
    """Insert a run row and return its id."""
    table = db.table("runs")
    with writing(db):
        table.insert({"started_at": _now(), "catalogue_version": catalogue_version, "command": command})
    run_id = table.last_pk
    assert isinstance(run_id, int), "sqlite-utils gives an inserted row's integer key"
    return run_id


@_guarded
def finish_run(db: sqlite_utils.Database, run_id: int, results: Iterable[FileResult] | Mapping[str, int], *,
               seconds: float, skipped: int = 0) -> None:
    """Close a run with its counts: of ``results``, or ``results`` is the count of files per status already
    (a folder scan counts as files finish instead of holding them)."""
    if isinstance(results, Mapping):
        counts = Counter(results)
    else:
        counts = Counter(r.status for r in results)
    with writing(db):
        db.table("runs").update(
            run_id,
            {
                "finished_at": _now(),
                "duration_s": round(seconds, 3),
                "files": counts["flagged"] + counts["clean"] + counts["error"],
                "flagged": counts["flagged"],
                "clean": counts["clean"],
                "errors": counts["error"],
                "skipped": skipped,
            },
        )


@_guarded
def record(db: sqlite_utils.Database, run_id: int, results: Iterable[FileResult], *,
           catalogue_version: str, stats: dict[str, tuple[int, int]] | None = None,
           thumbnails: dict[str, bytes] | None = None) -> None:
    """Write a batch of file results in one transaction.

    ``stats`` maps a path to its ``(size, mtime_ns)`` as seen when it was read;
    ``thumbnails`` maps a path to a small JPEG of it with the findings drawn.
    """
    stats = stats or {}
    thumbnails = thumbnails or {}
    results = list(results)
    # One statement per table for the whole batch: row by row, sqlite-utils reads the table's columns
    # again for each upsert, which made recording cost more than a worker's scan of a small file.
    with writing(db):
        paths = [r.path for r in results]
        for start in range(0, len(paths), 500):  # under SQLite's limit of bound parameters
            chunk = paths[start:start + 500]
            db.execute(f"delete from findings where path in ({', '.join('?' * len(chunk))})", chunk)
        db.table("files").upsert_all((_file_row(r, run_id, catalogue_version, stats, thumbnails) for r in results),
                                     pk="path")
        db.table("findings").insert_all(
            (_finding_row(result, run_id, f) for result in results for f in result.findings), pk="id"
        )


def _file_row(result: FileResult, run_id: int, catalogue_version: str, stats: dict[str, tuple[int, int]],
              thumbnails: dict[str, bytes]) -> dict:
    size, mtime_ns = stats.get(result.path, (None, None))
    best = max((f.score for f in result.findings), default=None)
    near = result.near_miss
    if best is None and near is not None:
        best = near.score
    return {
        "path": result.path,
        "size": size,
        "mtime_ns": mtime_ns,
        "sha256": result.sha256,
        "catalogue_version": catalogue_version,
        "status": result.status,
        "error": result.error,
        "width": result.width,
        "height": result.height,
        "findings": len(result.findings),
        "worst_restriction": str(result.worst) if result.worst else None,
        "best_score": best,
        "scanned_at": _now(),
        "run_id": run_id,
        "thumbnail": thumbnails.get(result.path),
        "near_emblem_id": near.emblem_id if near else None,
        "near_name": near.name if near else None,
        "near_rendering_id": near.rendering_id if near else None,
        "near_method": near.method if near else None,
        "note": result.note or None,
        "inherited_from": result.inherited_from or None,
        "inherited_as": result.inherited_as,
    }


@_guarded
def record_accepted(db: sqlite_utils.Database, accepted: Iterable, *, source: str) -> None:
    """Remember findings a baseline accepted (by image SHA-256 and emblem id) with their reasons."""
    rows = [{"sha256": a.sha256, "emblem_id": a.emblem_id, "reason": a.reason, "accepted_at": _now(),
             "source": source} for a in accepted]
    if rows:
        with writing(db):
            db.table("accepted").upsert_all(rows, pk=("sha256", "emblem_id"))


@dataclass(frozen=True)
class Recorded:
    """A file as scans.db last recorded it: its size, mtime and catalogue version then, and the verdict."""

    size: int | None
    mtime_ns: int | None
    catalogue_version: str | None
    result: FileResult


def recorded(db: sqlite_utils.Database, path: str) -> Recorded | None:
    """The record of the file at ``path`` (absolute, as printed), or ``None`` if it was never scanned.

    The result carries the findings but no error text and no near miss.
    """
    row = next(db.query("select * from files where path = ?", [path]), None)
    if row is None:
        return None
    findings = tuple(_finding(f) for f in db.query("select * from findings where path = ? order by id", [path]))
    result = FileResult(row["path"], row["status"], sha256=row["sha256"], width=row["width"] or 0,
                        height=row["height"] or 0, findings=findings, note=row["note"] or "",
                        inherited_from=row.get("inherited_from") or "", inherited_as=row.get("inherited_as"))
    return Recorded(row["size"], row["mtime_ns"], row["catalogue_version"], result)


def previews(db: sqlite_utils.Database, paths: Iterable[str]) -> dict[str, bytes]:
    """The recorded preview (a JPEG with the findings boxed) of each of ``paths`` that has one."""
    found = {}
    for path in paths:
        row = next(db.query("select thumbnail from files where path = ?", [path]), None)
        if row and row["thumbnail"]:
            found[path] = row["thumbnail"]
    return found


def columns(path: Path, names: Iterable[str]) -> dict[str, set[str]]:
    """The columns of each table or view in ``names`` (none for one that does not exist), read-only."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return {name: {row[1] for row in connection.execute(f"pragma table_info([{name}])")} for name in names}


# A finding's row and back: the box is four columns, the outline JSON.


def _finding_row(result: FileResult, run_id: int, finding: Finding) -> dict:
    row = asdict(finding)
    x, y, w, h = row.pop("box")
    row.update(box_x=x, box_y=y, box_w=w, box_h=h)
    row["restriction"] = str(finding.restriction)
    row["outline"] = json.dumps(row["outline"]) if row["outline"] else None
    row.update(path=result.path, sha256=result.sha256, run_id=run_id)
    return row


def _finding(row: dict) -> Finding:
    outline = json.loads(row["outline"]) if row["outline"] else None
    return Finding(
        emblem_id=row["emblem_id"], name=row["name"], restriction=Restriction(row["restriction"]),
        score=row["score"], method=row["method"],
        box=(row["box_x"], row["box_y"], row["box_w"], row["box_h"]),
        rendering_id=row["rendering_id"] or "", rule=row["rule"] or "",
        distance=row["distance"], threshold=row["threshold"],
        outline=tuple(tuple(p) for p in outline) if outline else None, inliers=row["inliers"], page=row["page"],
        seconds=row["seconds"], last_seconds=row["last_seconds"], member=row.get("member"),
        material=row.get("material") or "",
        **{column: row.get(column) or "" for column in _TITLE_COLUMNS},
    )


# Views for `emblemcheck browse`. scans.db cannot join catalogue.db (separate
# files), so flagged_files carries the rendering id as `emblem_thumbnail` and
# the Datasette plugin draws it from the catalogue (see browse/plugin.py).
FLAGGED_FILES_SQL = """
select
  f.path,
  f.thumbnail as file_thumbnail,
  fd.name as emblem_name,
  coalesce(nullif(fd.rendering_id, ''), fd.emblem_id) as emblem_thumbnail,
  fd.restriction,
  round(fd.score, 3) as score,
  fd.method,
  fd.page,
  fd.seconds,
  fd.last_seconds,
  fd.member,
  fd.title,
  fd.institution,
  fd.title_note,
  fd.emblem_id,
  fd.box_x, fd.box_y, fd.box_w, fd.box_h,
  a.reason as accepted_reason,
  fd.run_id,
  f.scanned_at,
  f.inherited_from,
  f.sha256
from findings as fd
join files as f on f.path = fd.path
left join accepted as a on a.sha256 = fd.sha256 and a.emblem_id = fd.emblem_id
where f.status = 'flagged'
"""

SCAN_ERRORS_SQL = """
select path, error, size, run_id, scanned_at
from files
where status = 'error'
"""

SCAN_RUNS_SQL = """
select
  id as run_id,
  started_at,
  duration_s,
  files,
  flagged,
  errors,
  clean,
  skipped,
  round(files / nullif(duration_s, 0), 1) as files_per_s,
  catalogue_version,
  command
from runs
"""


@migrations()
def m002_browse_views(db: sqlite_utils.Database) -> None:
    db.create_view("flagged_files", _flagged_files_sql(
        without=("page", "seconds", "last_seconds", "inherited_from", *_TITLE_COLUMNS, "member")))
    db.create_view("scan_errors", SCAN_ERRORS_SQL)
    db.create_view("scan_runs", SCAN_RUNS_SQL)


@migrations()
def m003_near_misses(db: sqlite_utils.Database) -> None:
    # A clean file's closest catalogue rendering (score below the flagging
    # threshold), so `browse` can list near misses.
    for column in ("near_emblem_id", "near_name", "near_rendering_id", "near_method"):
        db.table("files").add_column(column, str)


@migrations()
def m004_pages(db: sqlite_utils.Database) -> None:
    # A finding's page in a PDF or multi-page TIFF, and what a partly scanned
    # file left out (pages over the limit); flagged_files shows the page.
    db.table("findings").add_column("page", int)
    db.table("files").add_column("note", str)
    db.view("flagged_files").drop()
    db.create_view("flagged_files", _flagged_files_sql(
        without=("seconds", "last_seconds", "inherited_from", *_TITLE_COLUMNS, "member")))


@migrations()
def m005_video_times(db: sqlite_utils.Database) -> None:
    # A finding's first and last time in a video; flagged_files shows them.
    db.table("findings").add_column("seconds", float)
    db.table("findings").add_column("last_seconds", float)
    db.view("flagged_files").drop()
    db.create_view("flagged_files", _flagged_files_sql(without=("inherited_from", *_TITLE_COLUMNS, "member")))


@migrations()
def m006_inherited_verdicts(db: sqlite_utils.Database) -> None:
    # A file that took its verdict from another instead of being scanned: the
    # other file's path, and "derived" (a verified WordPress copy of it) or
    # "identical" (the same bytes). The flagged files view shows the path.
    for column in ("inherited_from", "inherited_as"):
        db.table("files").add_column(column, str)
    db.view("flagged_files").drop()
    db.create_view("flagged_files", _flagged_files_sql(without=(*_TITLE_COLUMNS, "member")))


#: A signature's evidence: the title read beside its flag symbol, the institution it names, and why
#: it was not named (engine/signatures.py).
_TITLE_COLUMNS = ("title", "institution", "title_note")


@migrations()
def m007_signature_titles(db: sqlite_utils.Database) -> None:
    # The title read beside a flag symbol and the institution it names; flagged_files shows them.
    for column in _TITLE_COLUMNS:
        db.table("findings").add_column(column, str)
    db.view("flagged_files").drop()
    db.create_view("flagged_files", _flagged_files_sql(without=("member",)))


@migrations()
def m008_finding_material(db: sqlite_utils.Database) -> None:
    # The material of the rendering a finding matched (issue 17): "flat"
    # artwork, or the object it was seen as ("embroidered", "metal", ...).
    db.table("findings").add_column("material", str)


@migrations()
def m009_document_members(db: sqlite_utils.Database) -> None:
    # A finding's embedded picture (zip member) in an office document; flagged_files shows it.
    db.table("findings").add_column("member", str)
    db.view("flagged_files").drop()
    db.create_view("flagged_files", FLAGGED_FILES_SQL)


def _flagged_files_sql(without: tuple[str, ...]) -> str:
    """The flagged_files view as an earlier migration made it, before the ``without`` columns existed
    (a view cannot name a missing column)."""
    return "".join(line for line in FLAGGED_FILES_SQL.splitlines(keepends=True)
                   if re.sub(r"^\w+\.", "", line.strip()).rstrip(",") not in without)
