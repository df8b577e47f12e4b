"""``emblemcheck baseline``: record today's findings as accepted, by image content."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from ..exitcodes import ExitCode
from ..i18n import _
from .app import app
from .options import HomeOption, check_output, home_of


@app.command()
def baseline(
    paths: Annotated[list[Path], typer.Argument(
        help="Images or folders whose current findings to accept.", show_default=False)],
    output: Annotated[Path, typer.Option(
        "--output", "-o", dir_okay=False,
        help="Baseline file to write (merged if it exists).")] = Path(".emblemcheck-baseline.json"),
    reason: Annotated[str, typer.Option(help="Why these findings are accepted; recorded with each entry.")] = "",
    workers: Annotated[int, typer.Option(min=0, help="Worker processes; 0 means one per core.")] = 0,
    home: HomeOption = None,
) -> None:
    """Accept every current finding under PATHS, by image SHA-256 and emblem id (never by path).

    Renaming a file keeps its entry; changing its bytes makes it a new image
    that is checked again. Entries already in the file keep their reason.

    Example: emblemcheck baseline wp-content/uploads -o .emblemcheck-baseline.json --reason "official account"
    """
    check_output(output)
    # Imported here, not at the top: the scan pulls in OpenCV and numpy, which --help need not wait for.
    from ..scan.baseline import dump_baseline, entries_for, load_baseline, write_atomically
    from ..scan.folder import BulkOptions, scan_folder

    keep = load_baseline(output) if output.exists() else ()
    folder = scan_folder(home_of(home), paths, BulkOptions(workers=workers, command="baseline"))
    if folder.context.interrupted:
        # A baseline written from part of the tree would silently stop accepting the rest: write nothing.
        typer.echo(_("interrupted: {output} left as it was; run again to resume (finished files are recorded)")
                   .format(output=output), err=True)
        raise typer.Exit(ExitCode.INTERRUPTED)
    found = folder.results.where(findings=True, order="arrival")
    shown = (replace(r, path=folder.context.shown(r.path)) for r in found)
    entries = entries_for(shown, reason, keep=keep)
    write_atomically(output, dump_baseline(entries))
    typer.echo(_("wrote {output}: {count} accepted finding(s) ({new} new)").format(
        output=output, count=len(entries), new=len(entries) - len(keep)))
