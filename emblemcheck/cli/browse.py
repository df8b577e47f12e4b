"""``emblemcheck browse``: the catalogue and scan results in a local Datasette."""

from __future__ import annotations

from typing import Annotated

import typer

from ..browse import DEFAULT_PORT
from ..i18n import _
from .app import app
from .options import HomeOption, home_of


@app.command()
def browse(
    port: Annotated[int, typer.Option(
        "--port", "-p", help="Port on 127.0.0.1; 0 picks a free one.")] = DEFAULT_PORT,
    open_: Annotated[bool, typer.Option("--open", help="Open the flagged files page in your web browser.")] = False,
    home: HomeOption = None,
) -> None:
    """Browse the emblem catalogue and your scan results in Datasette, on this computer only.

    Serves catalogue.db (read-only) and scans.db on 127.0.0.1 until Ctrl-C, with
    the page to check pictures (/-/check). Needs the browse extra: pip install 'emblemcheck[browse]'.

    Example: emblemcheck browse --port 0 --open
    """
    # Imported here: the browse app reads scans.db through sqlite_utils (and numpy), which --help need not load.
    from ..browse import app as browsing

    browser = browsing.open_browser(home_of(home), port)
    typer.echo(_("emblemcheck browse: serving on {url} (Ctrl-C to stop)").format(url=browser.url))
    for title, url in browser.pages.items():
        typer.echo(f"  {_(title)}: {url}")
    browsing.serve(browser, open_in_browser=open_)
