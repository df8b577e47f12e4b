"""The exit codes of every emblemcheck command, as the README's table documents them."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from .models import FileResult, Restriction


class ExitCode(enum.IntEnum):
    """What a command's exit status means."""

    #: Nothing found at or above ``--fail-on``.
    CLEAN = 0
    #: Something found at or above ``--fail-on``.
    FOUND = 1
    #: A usage error: a bad option, an unknown emblem, a missing catalogue.
    USAGE = 2
    #: An input could not be read; the others were still scanned. Wins over FOUND: the verdict is incomplete.
    UNREADABLE = 3
    #: An internal error: emblemcheck itself failed (a bug, or a fault it does not know). Never a verdict.
    INTERNAL = 4
    #: Ctrl-C or SIGTERM: the report covers what was scanned and the next run resumes.
    INTERRUPTED = 130
    #: The reader of the output went away (``emblemcheck scan DIR | head``): 128 + SIGPIPE, as a shell
    #: reports a program that signal stopped; never 1, which a CI job would read as "something found".
    OUTPUT_CLOSED = 141


def exit_code(results: Iterable[FileResult], fail_on: Restriction | None) -> ExitCode:
    """INTERNAL if emblemcheck failed on a file, else UNREADABLE if any input was unreadable, else FOUND
    if a finding is at or above ``fail_on``, else CLEAN.

    An unreadable input wins over findings: the verdict is incomplete. ``fail_on=None`` never fails on findings.
    """
    results = list(results)
    if any(r.internal for r in results):
        return ExitCode.INTERNAL
    if any(r.status == "error" for r in results):
        return ExitCode.UNREADABLE
    if fail_on is not None and any(f.restriction.rank >= fail_on.rank for r in results for f in r.findings):
        return ExitCode.FOUND
    return ExitCode.CLEAN
