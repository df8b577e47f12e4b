"""Options shared by every command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..home import Home, resolve_home

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", envvar="EMBLEMCHECK_HOME", file_okay=False,
                 help="Folder for catalogue.db and scans.db [default: the user data folder]."),
]


def home_of(path: Path | None) -> Home:
    return resolve_home(path)
