"""A progress bar for folder scans, on stderr, only when a person is watching.

Off when stderr is not a terminal (CI logs, pipes), with ``--quiet``, and
when a machine-readable format goes to stdout (a bar on stderr would still
be safe there, but a person piping JSON is not watching a bar).
"""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..i18n import _
from ..models import FileResult
from ..reports import ReportFormat


def wanted(*, quiet: bool, report: ReportFormat, to_stdout: bool, stream: TextIO | None = None) -> bool:
    """Whether to show the bar while ``report`` is written (to stdout, or to a file)."""
    stream = stream or sys.stderr
    if quiet or (to_stdout and report.machine_readable):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class ScanProgress:
    """Files done of total, files per second, time left, and how many are flagged so far."""

    def __init__(self, total: int | None, stream: TextIO | None = None) -> None:
        self.flagged = 0
        self._progress = Progress(
            TextColumn(_("scanning")), BarColumn(), MofNCompleteColumn(),
            TextColumn(_("{task.fields[rate]:>6} files/s")), TimeRemainingColumn(),
            TextColumn("[bold red]" + _("{task.fields[flagged]} flagged")),
            console=Console(file=stream or sys.stderr), transient=True,
        )
        self._task = self._progress.add_task("scan", total=total, rate="", flagged=0)

    def __enter__(self) -> ScanProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    def advance(self, result: FileResult | None = None) -> None:
        """Count one file (a skip passes ``None``)."""
        if result is not None and result.status == "flagged":
            self.flagged += 1
        self._progress.advance(self._task)
        task = self._progress.tasks[0]
        speed = task.speed
        self._progress.update(self._task, flagged=self.flagged, rate=f"{speed:.1f}" if speed else "")
