"""Options shared by every command."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Annotated, TextIO

import typer

from ..errors import OutputError
from ..home import Home, resolve_home
from ..i18n import _

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", envvar="EMBLEMCHECK_HOME", file_okay=False,
                 help="Folder for catalogue.db and scans.db [default: the user data folder]."),
]


def home_of(path: Path | None) -> Home:
    return resolve_home(path)


def check_output(path: Path) -> None:
    """Raise :class:`OutputError` now, before any work, if ``path`` cannot be written."""
    folder = path.parent
    if path.is_dir():
        raise OutputError(_("cannot write {path}: it is a folder; give a file name").format(path=path))
    if not folder.is_dir():
        raise OutputError(_("cannot write {path}: the folder {folder} does not exist; create it or choose another "
                            "path").format(path=path, folder=folder))
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise OutputError(_("cannot write {path}: permission denied; choose another path").format(path=path))


@contextmanager
def open_output(path: Path) -> Iterator[TextIO]:
    """``path`` opened for the report, after :func:`check_output`; an OS error becomes :class:`OutputError`.

    Closing flushes what is left: on a full disk that fails too, and must not hide the first error.
    """
    check_output(path)
    try:
        handle = open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise OutputError(_("cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)) from None
    try:
        yield handle
    except BaseException:
        with suppress(OSError):
            handle.close()
        raise
    try:
        handle.close()
    except OSError as exc:
        raise OutputError(_("cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)) from None


def write(stream: TextIO, text: str, path: Path | None) -> None:
    """Write and flush report text; a full disk or a closed pipe becomes one :class:`OutputError` line."""
    try:
        stream.write(text)
        stream.flush()
    except OSError as exc:
        raise OutputError(_("cannot write {path}: {reason}").format(
            path=path or _("the report to standard output"), reason=exc.strerror or exc)) from None
