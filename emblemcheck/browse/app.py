"""``emblemcheck browse``: the catalogue and the scan history in a local Datasette.

catalogue.db is opened immutable (a build replaces the file, never edits it);
scans.db is opened live because a scan may be writing to it, and is created
empty when no scan has run yet, so the catalogue can be browsed right after
``catalogue build``. The server binds
127.0.0.1 only. Datasette is the optional ``browse`` extra, imported here and
nowhere else.

The metadata (titles, descriptions, facets, sort orders, canned queries) is
generated on every start by :mod:`emblemcheck.browse.metadata`.
"""

from __future__ import annotations

import errno
import socket
import webbrowser
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import BrowseExtraMissing, CatalogueMissing, PortInUse, UsageError
from ..home import Home
from ..i18n import N_, _
from ..scan import history
from . import DEFAULT_PORT
from .metadata import metadata

if TYPE_CHECKING:  # Datasette is the optional browse extra, imported when a server is built
    from datasette.app import Datasette

HOST = "127.0.0.1"
#: Settings beyond Datasette's defaults. hamming() over every pair of
#: renderings takes longer than the default 1 s on a large catalogue.
#: No "download database" link: catalogue.db holds renders of official
#: artwork fetched into this user's cache, which emblemcheck never hands on.
SETTINGS = {"sql_time_limit_ms": 5000, "facet_time_limit_ms": 500, "allow_download": False}


@dataclass(frozen=True)
class Browser:
    """A Datasette ready to serve: the app, the bound socket and its URL."""

    datasette: Datasette
    sock: socket.socket
    url: str

    @property
    def host(self) -> str:
        """The one Host header the server answers: the loopback address and the port it is bound to."""
        return f"{HOST}:{self.sock.getsockname()[1]}"

    @property
    def pages(self) -> dict[str, str]:
        """The pages a person opens first, by title."""
        return {title: self.url.rstrip("/") + path for title, path in FIRST_PAGES.items()}


FIRST_PAGES = {
    N_("Check pictures"): "/-/check",
    N_("Flagged files"): "/scans/flagged_files",
    N_("Emblems"): "/catalogue/emblem_gallery",
    N_("Files that could not be read"): "/scans/scan_errors",
    N_("Scan runs"): "/scans/scan_runs",
}


def require_databases(home: Home) -> None:
    """Raise, naming the command that creates it, if the catalogue is missing (scans.db is created empty)."""
    if not home.catalogue_db.is_file():
        raise CatalogueMissing(
            _("no catalogue at {path}: run `emblemcheck catalogue build` first").format(path=home.catalogue_db)
        )


def build_datasette(home: Home):
    """A Datasette over ``home``'s databases, with emblemcheck's metadata and plugin.

    Creates scans.db empty if no scan has run, and migrates an older file,
    so the scan views are always there.
    """
    require_databases(home)
    Datasette = _import_datasette()
    history.open_scans(home.scans_db).close()
    return Datasette(
        files=[str(home.scans_db)],
        immutables=[str(home.catalogue_db)],
        metadata=metadata(home.catalogue_db, home.scans_db),
        settings=SETTINGS,
    )


def open_browser(home: Home, port: int = DEFAULT_PORT) -> Browser:
    """Check the databases, bind ``127.0.0.1:port`` (0: any free port) and build the app."""
    if not 0 <= port <= 65535:
        raise UsageError(_("port must be between 0 and 65535 (0 picks a free one), not {port}").format(port=port))
    datasette = build_datasette(home)
    sock = bind(port)
    return Browser(datasette, sock, f"http://{HOST}:{sock.getsockname()[1]}/")


def bind(port: int) -> socket.socket:
    """A listening socket on the loopback address; raises :class:`PortInUse`."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # As uvicorn does: lets a restart reuse a port still in TIME_WAIT, while
    # binding over a live listener still fails.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as error:
        sock.close()
        if error.errno in (errno.EADDRINUSE, errno.EACCES):
            raise PortInUse(
                _("port {port} on {host} is in use or not allowed: choose another with --port N, "
                  "or --port 0 for a free one").format(port=port, host=HOST)
            ) from None
        raise
    # Listening now, not when uvicorn starts, so a browser opened at once queues.
    sock.listen(128)
    return sock


def serve(browser: Browser, *, open_in_browser: bool = False) -> None:
    """Run the server until interrupted; optionally open the flagged files page."""
    import uvicorn

    if open_in_browser:
        webbrowser.open(browser.pages["Flagged files"])
    config = uvicorn.Config(loopback_only(browser.datasette.app(), browser.host), lifespan="on",
                            log_level="warning")
    uvicorn.Server(config).run(sockets=[browser.sock])


def loopback_only(app, host: str):
    """An ASGI wrapper that refuses (403) any HTTP request whose Host header is not ``host``.

    Binding 127.0.0.1 keeps other machines out, but not a web page in this
    computer's browser that points its own name at 127.0.0.1 (DNS rebinding)
    and then reads the scan history as a same-origin page: its requests carry
    that other name as the Host.
    """
    allowed = host.lower().encode("latin-1")

    async def guarded(scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            given = dict(scope.get("headers") or []).get(b"host", b"").lower()
            if given != allowed:
                await _refuse(send, _("emblemcheck browse answers only for http://{host}/").format(host=host) + "\n")
                return
        await app(scope, receive, send)

    return guarded


async def _refuse(send, text: str) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _import_datasette():
    try:
        from datasette.app import Datasette
        from datasette.plugins import pm
    except ImportError:
        raise BrowseExtraMissing(
            _("Datasette is not installed: install the 'browse' extra with pip install 'emblemcheck[browse]'")
        ) from None
    from . import plugin as datasette_plugin

    # The entry point registers the plugin in an installed emblemcheck; a
    # source checkout on PYTHONPATH has no entry point, so register it here.
    if not pm.is_registered(datasette_plugin):
        pm.register(datasette_plugin, name="emblemcheck")
    return Datasette
