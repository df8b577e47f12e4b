"""Report formats: each turns a sequence of :class:`FileResult` into text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..models import FileResult
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
