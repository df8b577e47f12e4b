"""Report formats: each turns a scan's :class:`FileResult` values into text.

:data:`FORMATS` is the one list of them: ``scan --format`` offers its names,
in its order, and asks each format how it is written. Each renderer reads
the results as :class:`~emblemcheck.scan.results.Results` (kept on disk, read
back in streams) and gives its text in pieces, so a report of a million
files is written as it is made instead of held (:func:`pieces`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..models import FileResult

if TYPE_CHECKING:
    from ..scan.results import Results
    from .context import ScanContext, ScanSummary, context_summary, summarise

__all__ = ["FORMATS", "Renderer", "ReportFormat", "ScanContext", "ScanSummary", "Streaming", "context_summary",
           "pieces", "render", "summarise"]

#: A format's writer: the results, the catalogue version and the context in, the report's text in pieces out.
Renderer = Callable[["Results", str, "ScanContext"], Iterator[str]]

# The formats' modules, and the context they read, are imported on first use: `scan --help` lists
# the formats' names without paying for the HTML, SARIF and CSV writers (benchmarks/startup.py).
_CONTEXT = ("ScanContext", "ScanSummary", "context_summary", "summarise")


def __getattr__(name: str):
    if name not in _CONTEXT:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(".context", __name__), name)


def _later(module: str, function: str) -> Callable:
    """``module.function`` of this package, imported when first called."""
    def call(*args, **kwargs):
        return getattr(importlib.import_module(f".{module}", __name__), function)(*args, **kwargs)
    call.__qualname__ = call.__name__ = f"{module}.{function}"
    return call


@dataclass(frozen=True)
class Streaming:
    """A format written while the scan runs: one piece per file as it finishes, then the rest at the end."""

    file: Callable[[FileResult], str]
    tail: Renderer


@dataclass(frozen=True)
class ReportFormat:
    """One ``scan --format``: its renderer and what the CLI does around it."""

    name: str
    render: Renderer
    #: A program reads it: no progress bar while it goes to stdout.
    machine_readable: bool = False
    #: It shows the flagged files' previews and the emblems' thumbnails, which the scan then gathers.
    pictures: bool = False
    #: Unreadable files are also said on stderr; the text report is read where it lists them itself.
    errors_to_stderr: bool = True
    #: Written file by file as the scan goes, instead of rendered once at the end.
    streaming: Streaming | None = None


#: Every report format ``scan --format`` takes, by name, in the order ``--help`` lists them.
FORMATS: dict[str, ReportFormat] = {f.name: f for f in (
    ReportFormat("text", _later("text", "render"), errors_to_stderr=False),
    ReportFormat("json", _later("json", "render"), machine_readable=True),
    ReportFormat("jsonl", _later("jsonl", "render"), machine_readable=True,
                 streaming=Streaming(file=_later("jsonl", "file_line"), tail=_later("jsonl", "tail_lines"))),
    ReportFormat("csv", _later("csv", "render"), machine_readable=True),
    ReportFormat("sarif", _later("sarif", "render"), machine_readable=True),
    ReportFormat("html", _later("html", "render"), pictures=True),
)}


def pieces(results: Iterable[FileResult], fmt: str, catalogue_version: str = "",
           context: ScanContext | None = None) -> Iterator[str]:
    """A scan's ``results`` in ``fmt`` (a name in :data:`FORMATS`), files sorted by path, in pieces to write
    one after the other."""
    from ..scan.results import as_results
    from .context import ScanContext

    return FORMATS[fmt].render(as_results(results), catalogue_version, context or ScanContext())


def render(results: Iterable[FileResult], fmt: str, catalogue_version: str = "",
           context: ScanContext | None = None) -> str:
    """Render a scan's ``results`` in ``fmt`` (a name in :data:`FORMATS`), sorted by path, as one text."""
    return "".join(pieces(results, fmt, catalogue_version, context))
