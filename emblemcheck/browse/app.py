"""``emblemcheck browse``: the catalogue and the scan history in a local Datasette.

catalogue.db is opened immutable (a build replaces the file, never edits it);
scans.db is opened live because a scan may be writing to it. The server binds
127.0.0.1 only. Datasette is the optional ``browse`` extra, imported here and
nowhere else.

The metadata (titles, descriptions, facets, sort orders, canned queries) is
generated from the catalogue and the rules on every start, so it never goes
stale; the views and the full-text index live in the databases themselves
(``catalogue.store.create_browse_views`` and scans.db migration m002).
"""

from __future__ import annotations

import errno
import socket
import sqlite3
import webbrowser
from dataclasses import dataclass
from html import escape
from pathlib import Path

import sqlite_utils

from ..errors import BrowseExtraMissing, CatalogueMissing, PortInUse, ScansMissing, UsageError
from ..home import Home
from ..rules import rules
from ..scan import history

HOST = "127.0.0.1"
DEFAULT_PORT = 8001
#: Settings beyond Datasette's defaults. hamming() over every pair of
#: renderings takes longer than the default 1 s on a large catalogue.
#: No "download database" link: catalogue.db holds renders of official
#: artwork fetched into this user's cache, which emblemcheck never hands on.
SETTINGS = {"sql_time_limit_ms": 5000, "facet_time_limit_ms": 500, "allow_download": False}
#: The rule quoted on the front page, then the ones that back it.
_FRONT_RULES = ("web2-item-7", "legal-protection", "heraldic-register", "trade-marks-9-1-n")


@dataclass(frozen=True)
class Browser:
    """A Datasette ready to serve: the app, the bound socket and its URL."""

    datasette: object
    sock: socket.socket
    url: str

    @property
    def pages(self) -> dict[str, str]:
        """The pages a person opens first, by title."""
        return {title: self.url.rstrip("/") + path for title, path in FIRST_PAGES.items()}


FIRST_PAGES = {
    "Flagged files": "/scans/flagged_files",
    "Emblems": "/catalogue/emblem_gallery",
    "Files that could not be read": "/scans/scan_errors",
    "Scan runs": "/scans/scan_runs",
}


def require_databases(home: Home) -> None:
    """Raise, naming the command that creates it, if either database is missing."""
    if not home.catalogue_db.is_file():
        raise CatalogueMissing(
            f"no catalogue at {home.catalogue_db}: run `emblemcheck catalogue build` first"
        )
    if not home.scans_db.is_file():
        raise ScansMissing(
            f"no scan results at {home.scans_db}: run `emblemcheck scan FOLDER` first"
        )


def build_datasette(home: Home):
    """A Datasette over ``home``'s databases, with emblemcheck's metadata and plugin.

    Migrates scans.db first so an older file gains the browse views.
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
        raise UsageError(f"port must be between 0 and 65535 (0 picks a free one), not {port}")
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
                f"port {port} on {HOST} is in use or not allowed: choose another with --port N, "
                "or --port 0 for a free one"
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
    config = uvicorn.Config(browser.datasette.app(), lifespan="on", log_level="warning")
    uvicorn.Server(config).run(sockets=[browser.sock])


def _import_datasette():
    try:
        from datasette.app import Datasette
        from datasette.plugins import pm
    except ImportError:
        raise BrowseExtraMissing(
            "Datasette is not installed: install the 'browse' extra with "
            "pip install 'emblemcheck[browse]'"
        ) from None
    from . import plugin as datasette_plugin

    # The entry point registers the plugin in an installed emblemcheck; a
    # source checkout on PYTHONPATH has no entry point, so register it here.
    if not pm.is_registered(datasette_plugin):
        pm.register(datasette_plugin, name="emblemcheck")
    return Datasette


# --- metadata ---------------------------------------------------------------


def metadata(catalogue_db: Path, scans_db: Path | None = None) -> dict:
    """Datasette metadata: titles, the rule and its source, artwork sources, columns, facets, queries."""
    return {
        "title": "emblemcheck",
        "description_html": _front_page_html(),
        "databases": {
            "catalogue": {
                "title": "Emblem catalogue",
                "description_html": _catalogue_html(catalogue_db),
                "tables": _described(CATALOGUE_TABLES, catalogue_db),
                "queries": CATALOGUE_QUERIES,
            },
            "scans": {
                "title": "Scan history",
                "description": (
                    "Every file emblemcheck scanned on this computer, what it found and where. "
                    "Open flagged_files first; accepted findings carry the baseline's reason."
                ),
                "tables": _described(SCANS_TABLES, scans_db),
                "queries": SCANS_QUERIES,
            },
        },
    }


def _described(tables: dict, path: Path | None) -> dict:
    """``tables`` with each column description kept only where that column exists.

    Datasette lists every described column above the table, present or not.
    """
    if path is None or not Path(path).is_file():
        return tables
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        present = {
            name: {row[1] for row in connection.execute(f"pragma table_info([{name}])")}
            for name in tables
        }
    finally:
        connection.close()
    return {
        name: {**spec, "columns": {c: d for c, d in spec.get("columns", {}).items() if c in present[name]}}
        for name, spec in tables.items()
    }


def _front_page_html() -> str:
    known = rules()
    parts = [
        "<p>emblemcheck looks for Government of Canada corporate symbols (the GC signature, the "
        "Canada wordmark, the Arms of Canada) and agency heraldic emblems in images before a "
        "public servant posts them on a personal or professional networking account.</p>"
    ]
    for rule_id in _FRONT_RULES:
        rule = known.get(rule_id)
        if rule is None:
            continue
        dates = ", ".join(
            x for x in (rule.published and f"published {rule.published}",
                        rule.rescinded and f"rescinded {rule.rescinded}") if x
        )
        source = "; ".join(x for x in (rule.publisher, rule.document, dates) if x)
        parts.append(
            f"<p><strong>{escape(rule.title)}</strong> ({escape(source)}): "
            f"“{escape(rule.quote)}” <em>({escape(rule.quoted_from)})</em> {escape(rule.status)}</p>"
        )
    parts.append(
        "<p>Start with <a href=\"scans/flagged_files\">flagged files</a> or the "
        "<a href=\"catalogue/emblem_gallery\">emblems</a>.</p>"
    )
    return "\n".join(parts)


def _catalogue_html(catalogue_db: Path) -> str:
    db = sqlite_utils.Database(sqlite3.connect(f"file:{catalogue_db}?mode=ro", uri=True))
    try:
        meta = {row["key"]: row["value"] for row in db["meta"].rows} if db["meta"].exists() else {}
        emblems = list(db.query("select name, agency, artwork, source, licence from emblems order by rowid"))
    finally:
        db.close()
    rows = "".join(
        "<li><strong>{}</strong> ({}): artwork {}. Source: {}. Licence: {}.</li>".format(
            *(escape(e[k] or "not recorded") for k in ("name", "agency", "artwork", "source", "licence"))
        )
        for e in emblems
    )
    version = escape(meta.get("version", "unknown"))
    return (
        f"<p>Reference data built by <code>emblemcheck catalogue build</code> (version {version}). "
        "Official artwork is fetched into your own cache at build time and is never redistributed.</p>"
        f"<p>Artwork of each emblem, with its source and licence:</p><ul>{rows}</ul>"
    )


_EMBLEM_COLUMNS = {
    "id": "Stable identifier used in scan results and --allow lists",
    "name": "English name",
    "name_fr": "French name",
    "agency": "The institution the emblem belongs to",
    "kind": "signature, wordmark, coat-of-arms, shield, badge, flash, flag or other",
    "restriction": "restricted: must not be posted; caution: check first; permitted: information only",
    "rule": "The rule or guideline that sets the restriction",
    "basis": "Why the emblem is restricted, in a sentence",
    "blazon": "The formal heraldic description, where one is published",
    "granted": "Date of the grant or public notice",
    "source": "Where the artwork and facts come from",
    "licence": "Terms of the artwork",
    "notes": "What is unconfirmed or special about this entry",
    "origin": "manifest: shipped with emblemcheck; user: added with `catalogue add`",
    "artwork": "ready, needs artwork, or unavailable with the reason",
    "renderings": "How many artwork variants are fingerprinted",
    "thumbnails": "Every rendering of the emblem",
}

_FINDING_COLUMNS = {
    "path": "The scanned file",
    "file_thumbnail": "The file, with the matched region boxed in magenta",
    "emblem_name": "The catalogued emblem found",
    "emblem_thumbnail": "The rendering it matched, from the catalogue",
    "emblem_id": "Catalogue id of the emblem",
    "name": "The catalogued emblem found",
    "restriction": "restricted, caution or permitted (information only)",
    "score": "Match confidence from 0 to 1",
    "method": "How it was matched: whole-image fingerprint or local features",
    "box_x": "Left of the matched box, in the file's own pixels",
    "box_y": "Top of the matched box, in the file's own pixels",
    "box_w": "Width of the matched box",
    "box_h": "Height of the matched box",
    "accepted_reason": "Set when the baseline accepts this finding for this image content",
    "run_id": "The scan run that produced the row",
    "scanned_at": "When the file was last scanned",
    "sha256": "SHA-256 of the file's bytes: how accepted findings are matched",
}

CATALOGUE_TABLES = {
    "emblem_gallery": {
        "title": "Emblems",
        "description": "Every catalogued emblem with a thumbnail of each rendering, its artwork state "
                       "and why it is restricted. Search the emblems table for names, agencies, blazons and notes.",
        "columns": _EMBLEM_COLUMNS,
        "facets": ["agency", "kind", "restriction", "artwork"],
        "size": 50,
    },
    "emblems": {
        "title": "Emblems (all fields, searchable)",
        "description": "Full-text search covers names in both languages, agencies, blazons, basis and notes.",
        "columns": _EMBLEM_COLUMNS,
        "facets": ["agency", "kind", "restriction"],
        "sort": "name",
        "label_column": "name",
    },
    "renderings": {
        "title": "Renderings",
        "description": "Each artwork variant of an emblem, flattened to RGB, with its fingerprints. "
                       "Use hamming(a, b) in SQL to compare hashes.",
        "columns": {
            "emblem_id": "The emblem this is a rendering of",
            "variant": "Language, colour or layout of this version",
            "source_file": "The artwork file it was rendered from",
            "source_sha256": "SHA-256 of that file, checked on every build",
            "thumbnail": "What it looks like",
            "image": "The reference picture matching uses",
            "phash": "64-bit perceptual hash (DCT), hex",
            "dhash": "64-bit difference hash, hex",
            "pdq": "256-bit PDQ hash, hex",
            "pdq_quality": "PDQ's own quality score, 0 to 100",
            "keypoints": "Local features found in the reference",
            "detectable": "1 if there are enough features to find it inside a larger image",
            "warning": "Why detection inside larger images may be weak",
        },
        "facets": ["emblem_id", "detectable"],
        "sort": "id",
        "label_column": "variant",
    },
    "meta": {"title": "Catalogue build facts", "description": "Version and build details of this catalogue."},
    "_sqlite_migrations": {"hidden": True},
}

SCANS_TABLES = {
    "flagged_files": {
        "title": "Flagged files",
        "description": "One row per emblem found in a file: the file with the match boxed, the "
                       "catalogue rendering it matched, and how sure the match is.",
        "columns": _FINDING_COLUMNS,
        "facets": ["restriction", "emblem_name", "run_id"],
        "sort_desc": "score",
        "size": 50,
    },
    "scan_errors": {
        "title": "Files that could not be read",
        "description": "Unreadable, truncated, too large or unsafe files, and why.",
        "columns": {"path": "The file", "error": "Why it could not be checked",
                    "size": "Size in bytes", "run_id": "The scan run", "scanned_at": "When"},
        "facets": ["run_id"],
        "sort_desc": "scanned_at",
    },
    "scan_runs": {
        "title": "Scan runs",
        "description": "When each scan ran, how many files it checked, flagged and could not read.",
        "columns": {"run_id": "Run number", "started_at": "When it started",
                    "duration_s": "Seconds it took", "files": "Files checked", "flagged": "Files flagged",
                    "errors": "Files that could not be read", "clean": "Files with nothing found",
                    "skipped": "Files unchanged since the last scan", "files_per_s": "Throughput",
                    "catalogue_version": "The catalogue it used", "command": "The command line"},
        "sort_desc": "run_id",
    },
    "files": {
        "title": "All scanned files",
        "columns": {**_FINDING_COLUMNS, "status": "flagged, clean or error",
                    "thumbnail": "The file with matches boxed (flagged files only)",
                    "worst_restriction": "The most serious restriction found",
                    "best_score": "The highest score of any finding",
                    "findings": "How many emblems were found", "error": "Why it could not be read"},
        "facets": ["status", "worst_restriction", "run_id"],
        "sort_desc": "scanned_at",
        "label_column": "path",
    },
    "findings": {
        "title": "All findings",
        "columns": _FINDING_COLUMNS,
        "facets": ["restriction", "name", "run_id"],
        "sort_desc": "score",
    },
    "runs": {"title": "Runs (raw)", "sort_desc": "id", "label_column": "started_at"},
    "_sqlite_migrations": {"hidden": True},
    "accepted": {
        "title": "Accepted findings (baseline)",
        "description": "Findings accepted by image content (SHA-256) and emblem, with the reason.",
        "facets": ["emblem_id", "source"],
    },
}

CATALOGUE_QUERIES = {
    "search_emblems": {
        "title": "Search emblems",
        "description": "Names, agencies, blazons and notes, e.g. portcullis, wordmark, CBSA.",
        "sql": "select g.thumbnails, g.name, g.agency, g.kind, g.restriction, g.blazon, g.notes, g.id\n"
               "from emblems_fts join emblems as e on e.rowid = emblems_fts.rowid\n"
               "join emblem_gallery as g on g.id = e.id\n"
               "where emblems_fts match escape_fts(:words) order by rank",
    },
    "similar_renderings": {
        "title": "Renderings with near-identical fingerprints",
        "description": "Pairs whose perceptual hashes differ by at most max_bits of 64: emblems a "
                       "whole-image match could confuse.",
        "sql": "select a.thumbnail as a_thumbnail, b.thumbnail as b_thumbnail, a.id as a_id, b.id as b_id,\n"
               "  hamming(a.phash, b.phash) as phash_bits, hamming(a.pdq, b.pdq) as pdq_bits\n"
               "from renderings as a join renderings as b on a.id < b.id and a.emblem_id != b.emblem_id\n"
               "where hamming(a.phash, b.phash) <= cast(coalesce(nullif(:max_bits, ''), 10) as integer)\n"
               "order by phash_bits",
    },
}

_FLAGGED_COLUMNS = "path, file_thumbnail, emblem_name, emblem_thumbnail, restriction, score, method, run_id"

SCANS_QUERIES = {
    "findings_of_emblem": {
        "title": "Findings of one emblem",
        "description": "Every file where this emblem was found; emblem is its catalogue id "
                       "(see the emblem_id facet of flagged_files).",
        "sql": f"select {_FLAGGED_COLUMNS}, accepted_reason from flagged_files\n"
               "where emblem_id = :emblem order by score desc",
    },
    "flagged_since_run": {
        "title": "Files flagged since a given run",
        "description": "Findings recorded by run number `run` or any later run.",
        "sql": f"select {_FLAGGED_COLUMNS}, scanned_at from flagged_files\n"
               "where run_id >= cast(:run as integer) order by run_id desc, score desc",
    },
    "near_misses": {
        "title": "Near misses",
        "description": "Files that were not flagged although their closest catalogue rendering scored above "
                       "min_score (0.5 is the flagging threshold): worth a look when a known logo was missed.",
        "sql": "select f.path, f.thumbnail as file_thumbnail, f.near_name as emblem_name,\n"
               "  coalesce(nullif(f.near_rendering_id, ''), f.near_emblem_id) as emblem_thumbnail,\n"
               "  f.best_score, f.near_method as method, f.run_id, f.scanned_at\n"
               "from files as f\n"
               "where f.status = 'clean' and f.best_score is not null\n"
               "  and f.best_score >= cast(coalesce(nullif(:min_score, ''), 0) as real)\n"
               "order by f.best_score desc",
    },
    "accepted_files": {
        "title": "Files accepted by the baseline",
        "description": "Scanned files whose findings the baseline accepts, with the reasons.",
        "sql": "select f.path, f.thumbnail as file_thumbnail, a.emblem_id, a.reason, a.accepted_at,\n"
               "  a.source, f.status, f.scanned_at\n"
               "from accepted as a join files as f on f.sha256 = a.sha256\n"
               "order by a.accepted_at desc",
    },
}
