"""``emblemcheck scan``: check images for catalogued emblems."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..models import Restriction
from ..reports import render
from ..scanning import exit_code, run_scan
from . import app
from .options import HomeOption, home_of


class Format(str, enum.Enum):
    text = "text"
    json = "json"


class FailOn(str, enum.Enum):
    restricted = "restricted"
    caution = "caution"
    permitted = "permitted"
    never = "never"


@app.command()
def scan(
    images: Annotated[list[Path], typer.Argument(help="Image files to check.", show_default=False)],
    format: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
    fail_on: Annotated[FailOn, typer.Option(help="Exit 1 when a finding is at or above this restriction.")] = FailOn.restricted,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", dir_okay=False, help="Write the report to this file.")] = None,
    home: HomeOption = None,
) -> None:
    """Check images for catalogued emblems and say what, where and why.

    Exit codes: 0 nothing found at or above --fail-on (default: restricted);
    1 something found at or above it; 2 usage error; 3 an input could not be read
    (takes precedence: the verdict is incomplete).

    Example: emblemcheck scan banner.png --format json
    """
    run = run_scan(home_of(home), images)
    report = render(run.results, format.value, run.catalogue_version)
    if output is not None:
        output.write_text(report, "utf-8")
    else:
        typer.echo(report, nl=False)
    for result in run.results:
        if result.status == "error" and format is not Format.text:
            typer.echo(f"error: {result.error}", err=True)
    threshold = None if fail_on is FailOn.never else Restriction(fail_on.value)
    raise typer.Exit(exit_code(run.results, threshold))
