"""Options shared by every command."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, TextIO

import typer

from ..errors import OutputError
from ..home import Home, resolve_home

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
        raise OutputError(f"cannot write {path}: it is a folder; give a file name")
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: the folder {folder} does not exist; create it or choose another path")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise OutputError(f"cannot write {path}: permission denied; choose another path")


def open_output(path: Path) -> TextIO:
    """``path`` opened for the report, after :func:`check_output`; an OS error becomes :class:`OutputError`."""
    check_output(path)
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
