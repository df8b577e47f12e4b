"""Report formats: each turns a sequence of :class:`FileResult` into text."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..baseline import Accepted, BaselineEntry
from ..models import FileResult
from ..walk import Skip
from . import json as json_report
from . import text as text_report


@dataclass(frozen=True)
class ScanSummary:
    """Counts over a scan."""

    files: int
    flagged: int
    clean: int
    errors: int
    by_restriction: dict[str, int]


def summarise(results: Sequence[FileResult]) -> ScanSummary:
    """Count files by status and findings by restriction."""
    by_restriction: dict[str, int] = {"restricted": 0, "caution": 0, "permitted": 0}
    for result in results:
        for finding in result.findings:
            by_restriction[str(finding.restriction)] += 1
    return ScanSummary(
        files=len(results),
        flagged=sum(r.status == "flagged" for r in results),
        clean=sum(r.status == "clean" for r in results),
        errors=sum(r.status == "error" for r in results),
        by_restriction=by_restriction,
    )


Renderer = Callable[[Sequence[FileResult], ScanSummary, str], str]

#: Format name -> renderer(results, summary, catalogue_version) -> str.
FORMATS: dict[str, Renderer] = {
    "text": text_report.render,
    "json": json_report.render,
}


def render(results: Sequence[FileResult], fmt: str, catalogue_version: str = "") -> str:
    """Render ``results`` in format ``fmt`` (one of :data:`FORMATS`)."""
    return FORMATS[fmt](results, summarise(results), catalogue_version)


# --- folder scans: the extra facts a report of many files carries -------------


@dataclass(frozen=True)
class ScanContext:
    """What a folder scan adds to its results: skips, reuse, baseline decisions, pictures.

    ``previews`` maps a result's path to a JPEG of it with the match drawn;
    ``emblem_thumbnails`` maps an emblem id to a PNG from the catalogue.
    ``base`` is the folder paths are shown relative to.
    """

    skipped: tuple[Skip, ...] = ()
    unchanged: int = 0
    accepted: tuple[Accepted, ...] = ()
    unused_baseline: tuple[BaselineEntry, ...] | None = None
    previews: dict[str, bytes] = field(default_factory=dict)
    emblem_thumbnails: dict[str, bytes] = field(default_factory=dict)
    base: str = ""
    interrupted: bool = False

    def shown(self, path: str) -> str:
        """``path`` relative to :attr:`base` when inside it."""
        base = self.base.rstrip(os.sep) + os.sep if self.base else ""
        return path[len(base):] if base and path.startswith(base) else path


def context_summary(results: Sequence[FileResult], context: ScanContext) -> dict:
    """The counts every folder-scan format reports, in one place."""
    summary = summarise(results)
    return {
        "files": summary.files, "flagged": summary.flagged, "clean": summary.clean, "errors": summary.errors,
        "findings_by_restriction": summary.by_restriction, "skipped": len(context.skipped),
        "unchanged": context.unchanged, "accepted": len(context.accepted),
        "unused_baseline": None if context.unused_baseline is None else len(context.unused_baseline),
        "interrupted": context.interrupted,
    }


FolderRenderer = Callable[[Sequence[FileResult], str, ScanContext], str]


def _folder_formats() -> dict[str, FolderRenderer]:
    from . import csv as csv_report
    from . import grouped, html, jsonl, sarif

    return {
        "text": grouped.render,
        "json": grouped.render_json,
        "jsonl": jsonl.render,
        "csv": csv_report.render,
        "sarif": sarif.render,
        "html": html.render,
    }


#: Formats of a folder scan (``scan`` with a folder, or any of these formats).
FOLDER_FORMATS = ("text", "json", "jsonl", "csv", "sarif", "html")


def render_folder(results: Sequence[FileResult], fmt: str, catalogue_version: str = "",
                  context: ScanContext | None = None) -> str:
    """Render a folder scan's ``results`` in ``fmt`` (one of :data:`FOLDER_FORMATS`)."""
    return _folder_formats()[fmt](sorted(results, key=lambda r: r.path), catalogue_version, context or ScanContext())
