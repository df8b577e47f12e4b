"""``emblemcheck scan``: check images or whole folders for catalogued emblems."""

from __future__ import annotations

import enum
import signal
import sys
from collections.abc import Iterable
from contextlib import ExitStack, nullcontext
from pathlib import Path
from typing import Annotated

import typer

from ..exitcodes import ExitCode, exit_code
from ..i18n import _
from ..models import Restriction
from ..reports import FORMATS, ReportFormat, pieces
from ..scan.limits import DEFAULT_TIMEOUT
from ..text import printable
from .app import app
from .options import HomeOption, home_of, open_output, write

#: ``--format``'s choices: every report format, in :data:`FORMATS` order.
# Built from the registry, so mypy cannot list its members (hence the ignore and Format["text"]).
Format = enum.Enum("Format", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]


class FailOn(str, enum.Enum):
    restricted = "restricted"
    caution = "caution"
    permitted = "permitted"
    never = "never"


@app.command()
def scan(
    images: Annotated[list[Path], typer.Argument(help="Files (pictures, PDFs, videos) or folders to check.",
                                                 show_default=False)],
    format: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format["text"],
    fail_on: Annotated[FailOn, typer.Option(
        help="Exit 1 when a finding is at or above this restriction.")] = FailOn.restricted,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", dir_okay=False, help="Write the report to this file.")] = None,
    workers: Annotated[int, typer.Option(min=0, help="Worker processes for folders; 0 means one per core.")] = 0,
    timeout: Annotated[float, typer.Option(
        min=1, help="Seconds one file may take before it is reported as an error.")] = DEFAULT_TIMEOUT,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    rescan: Annotated[bool, typer.Option(
        help="Scan every file again, even those unchanged since the last scan.")] = False,
    exclude: Annotated[list[str] | None, typer.Option(
        help="Leave out paths matching this glob (repeatable), e.g. 'cache/*'.")] = None,
    no_gitignore: Annotated[bool, typer.Option("--no-gitignore", help="Scan files .gitignore excludes too.")] = False,
    follow_symlinks: Annotated[bool, typer.Option(
        "--follow-symlinks", help="Follow symbolic links that lead outside the scanned folder too.")] = False,
    baseline: Annotated[Path | None, typer.Option(
        dir_okay=False, help="Accepted findings (see `emblemcheck baseline`).")] = None,
    report_unused_baseline: Annotated[bool, typer.Option(help="List baseline entries that matched nothing.")] = False,
    exit_zero: Annotated[bool, typer.Option(help="Exit 0 even when something is found or unreadable.")] = False,
    cluster: Annotated[str | None, typer.Option(
        help="Scan on a Dask cluster: a scheduler's address (tcp://HOST:8786), or local[:N] to start one here.",
        show_default=False)] = None,
    ship: Annotated[bool, typer.Option(
        help="With --cluster: send each file's bytes to the workers (for workers without the shared folder).")
    ] = False,
    home: HomeOption = None,
) -> None:
    """Check images or folders for catalogued emblems and say what, where and why.

    A folder is walked recursively; pictures, PDF pages and video frames are
    recognised by content, copies
    WordPress made (photo-300x200.jpg) are grouped under their original, and
    files unchanged since the last scan are not read again (--rescan forces).

    Exit codes: 0 nothing found at or above --fail-on (default: restricted);
    1 something found at or above it; 2 usage error; 3 an input could not be read
    (takes precedence: the verdict is incomplete); 4 internal error (a bug in
    emblemcheck, never a verdict: run again with --debug for the traceback);
    130 interrupted (the report covers what was scanned; the next run resumes);
    141 the output was closed before it was all written (scan DIR | head). --exit-zero turns 1 and 3 into 0.

    Examples: emblemcheck scan banner.png;
    emblemcheck scan wp-content/uploads --format html -o report.html;
    emblemcheck scan /share/archive --cluster tcp://scheduler:8786
    """
    threshold = None if fail_on is FailOn.never else Restriction(fail_on.value)
    code = _scan(images, FORMATS[format.value], output, home, threshold, quiet=quiet, baseline=baseline,
                 report_unused_baseline=report_unused_baseline,
                 bulk=dict(workers=workers, timeout=timeout, rescan=rescan, excludes=tuple(exclude or ()),
                           gitignore=not no_gitignore, follow_symlinks=follow_symlinks, cluster=cluster,
                           ship=ship))
    raise typer.Exit(ExitCode.CLEAN if exit_zero and code in (ExitCode.FOUND, ExitCode.UNREADABLE) else code)


def _scan(images: list[Path], report: ReportFormat, output: Path | None, home: Path | None,
          threshold: Restriction | None, *, quiet: bool, baseline: Path | None,
          report_unused_baseline: bool, bulk: dict) -> ExitCode:
    """Run the scan with ``bulk`` (the :class:`BulkOptions` fields), write the report, return the exit code."""
    # Imported here, not at the top: the scan pulls in OpenCV, numpy and rich, which --help need not wait for.
    from ..engine.ocr import missing_engine
    from ..scan.folder import BulkOptions, count_entries, scan_folder
    from .progress import ScanProgress, wanted

    if missing := missing_engine():
        typer.echo(f"warning: {missing}", err=True)
    options = BulkOptions(**bulk)
    show = wanted(quiet=quiet, report=report, to_stdout=output is None)
    with ExitStack() as stack:
        stream = stack.enter_context(open_output(output)) if output else sys.stdout
        with ExitStack() as scanning:  # the bar is gone before the report is written
            bar = scanning.enter_context(ScanProgress(count_entries(images, options))) if show else None
            scanning.enter_context(_sigterm_as_interrupt())

            def on_result(result, reused):
                if report.streaming:
                    write(stream, report.streaming.file(result), output)
                if bar:
                    bar.advance(result)

            folder = scan_folder(home_of(home), images, options, baseline=baseline,
                                 report_unused_baseline=report_unused_baseline, pictures=report.pictures,
                                 on_result=on_result, on_skip=(lambda skip: bar.advance()) if bar else None)
        if report.streaming:
            text = report.streaming.tail(folder.results, folder.catalogue_version, folder.context)
        else:
            text = pieces(folder.results, report.name, folder.catalogue_version, folder.context)
        _write_pieces(stream, text, output)
    if report.errors_to_stderr:
        for result in folder.results.where(status="error", order="arrival"):
            typer.echo(_("error: {path}: {reason}").format(path=result.path, reason=printable(result.error)),
                       err=True)
    if folder.context.interrupted:
        typer.echo(_("interrupted: the report covers what was scanned; run again to resume"), err=True)
        return ExitCode.INTERRUPTED
    return exit_code(folder.results.deciding(), threshold)


#: Characters of report gathered before one write: a million pieces are not a million writes and flushes.
WRITE_CHARS = 1 << 16


def _write_pieces(stream, text: Iterable[str], output: Path | None) -> None:
    """Write a report given in pieces, a few tens of KB at a time."""
    gathered: list[str] = []
    size = 0
    for piece in text:
        gathered.append(piece)
        size += len(piece)
        if size >= WRITE_CHARS:
            write(stream, "".join(gathered), output)
            gathered, size = [], 0
    write(stream, "".join(gathered), output)


def _sigterm_as_interrupt():
    """While scanning, SIGTERM stops the scan like Ctrl-C, so the open batch is written first."""
    if sys.platform == "win32":
        return nullcontext()

    class _Handler:
        def __enter__(self):
            self.previous = signal.signal(signal.SIGTERM, self._raise)

        def __exit__(self, *exc):
            signal.signal(signal.SIGTERM, self.previous)

        @staticmethod
        def _raise(signum, frame):
            raise KeyboardInterrupt

    return _Handler()
