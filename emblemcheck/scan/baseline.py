"""Accepted findings: a baseline file that records decisions by image content, never by path.

An entry says "this emblem in the image whose bytes hash to this SHA-256 is
accepted, because ...". Renaming or moving the file keeps the decision;
changing a single byte of it does not, so an edited image is checked again.
The ``example_path`` in each entry is for the people reading the file and
plays no part in matching.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import UsageError
from ..models import FileResult

#: Version of the baseline file's layout.
FORMAT = 1
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BaselineError(UsageError):
    """A baseline file is missing, not JSON, or has a malformed entry."""


@dataclass(frozen=True)
class BaselineEntry:
    """One accepted finding: an emblem in the image with this content."""

    sha256: str
    emblem_id: str
    reason: str
    example_path: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.sha256, self.emblem_id)


@dataclass(frozen=True)
class Accepted:
    """A finding the baseline accepted in this scan, with where it was seen."""

    path: str
    sha256: str
    emblem_id: str
    reason: str


@dataclass(frozen=True)
class Applied:
    """Results with accepted findings taken out, what was taken, and entries that matched nothing."""

    results: tuple[FileResult, ...]
    accepted: tuple[Accepted, ...]
    unused: tuple[BaselineEntry, ...]


def load_baseline(path: Path | str) -> tuple[BaselineEntry, ...]:
    """Read a baseline file; raises :class:`BaselineError` with the fix when it is malformed."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: no such baseline file; "
                            f"create one with `emblemcheck baseline PATH -o {path}`") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path}: not a readable JSON baseline ({exc})") from None
    if (not isinstance(raw, dict) or raw.get("emblemcheck_baseline") != FORMAT
            or not isinstance(raw.get("entries"), list)):
        raise BaselineError(f"{path}: not an emblemcheck baseline "
                            f"(expected \"emblemcheck_baseline\": {FORMAT} and \"entries\")")
    return tuple(_entry(item, path, n) for n, item in enumerate(raw["entries"], 1))


def _entry(item: object, path: Path, n: int) -> BaselineEntry:
    where = f"{path}: entry {n}"
    if not isinstance(item, dict):
        raise BaselineError(f"{where}: must be an object")
    sha, emblem_id, reason = item.get("sha256", ""), item.get("emblem_id", ""), item.get("reason", "")
    if not isinstance(sha, str) or not _SHA256.match(sha):
        raise BaselineError(f"{where}: sha256 must be 64 lowercase hex digits")
    if not isinstance(emblem_id, str) or not emblem_id:
        raise BaselineError(f"{where}: emblem_id is missing")
    if not isinstance(reason, str) or not reason.strip():
        raise BaselineError(f"{where}: give a reason why the finding is accepted")
    return BaselineEntry(sha, emblem_id, reason, str(item.get("example_path", "")))


def dump_baseline(entries: Iterable[BaselineEntry]) -> str:
    """The baseline file's text: entries sorted so diffs stay small."""
    rows = [{"sha256": e.sha256, "emblem_id": e.emblem_id, "reason": e.reason, "example_path": e.example_path}
            for e in sorted(entries, key=lambda e: (e.example_path, e.key))]
    return json.dumps({"emblemcheck_baseline": FORMAT, "entries": rows}, indent=2, ensure_ascii=False) + "\n"


def entries_for(results: Iterable[FileResult], reason: str = "",
                keep: Iterable[BaselineEntry] = ()) -> tuple[BaselineEntry, ...]:
    """An entry for every finding in ``results``; entries already in ``keep`` keep their reason."""
    reason = reason or f"accepted when the baseline was created on {time.strftime('%Y-%m-%d')}"
    entries = {e.key: e for e in keep}
    for result in results:
        for finding in result.findings:
            key = (result.sha256, finding.emblem_id)
            if key not in entries and result.sha256:
                entries[key] = BaselineEntry(result.sha256, finding.emblem_id, reason, result.path)
    return tuple(entries.values())


class Acceptance:
    """A baseline applied one result at a time, as a scan's results arrive.

    It keeps the findings it accepted and the entries they used, never the
    results themselves: a folder scan keeps those on disk (a million files'
    results do not fit in memory twice).
    """

    def __init__(self, entries: Iterable[BaselineEntry]) -> None:
        self._table = {e.key: e for e in entries}
        self._used: set[tuple[str, str]] = set()
        self._accepted: list[Accepted] = []

    def apply(self, result: FileResult) -> FileResult:
        """``result`` without its accepted findings; a flagged file whose findings are all accepted is clean."""
        if not self._table or not result.findings:
            return result
        kept = []
        for finding in result.findings:
            entry = self._table.get((result.sha256, finding.emblem_id))
            if entry is None:
                kept.append(finding)
                continue
            self._used.add(entry.key)
            self._accepted.append(Accepted(result.path, result.sha256, finding.emblem_id, entry.reason))
        if len(kept) != len(result.findings):
            result = replace(result, findings=tuple(kept), status="flagged" if kept else "clean")
        return result

    @property
    def accepted(self) -> tuple[Accepted, ...]:
        """The findings accepted so far, in the order they were met."""
        return tuple(self._accepted)

    def unused(self) -> tuple[BaselineEntry, ...]:
        """The entries no result so far used."""
        return tuple(e for key, e in self._table.items() if key not in self._used)


def apply_baseline(results: Iterable[FileResult], entries: Iterable[BaselineEntry]) -> Applied:
    """Remove accepted findings; a flagged file whose findings are all accepted becomes clean."""
    acceptance = Acceptance(entries)
    shown = tuple(acceptance.apply(result) for result in results)
    return Applied(shown, acceptance.accepted, acceptance.unused())


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a sibling temporary file and a rename, so that an
    interruption or a full disk leaves the previous baseline whole, never half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)

