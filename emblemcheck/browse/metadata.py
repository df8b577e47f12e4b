"""The Datasette metadata of ``emblemcheck browse``: titles, descriptions, columns, facets, queries.

Generated from the catalogue and the rules on every start, so it never goes
stale; the views and the full-text index live in the databases themselves
(``catalogue.store.create_browse_views`` and scans.db migration m002), and the
canned queries' SQL in :mod:`emblemcheck.browse.queries`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape
from pathlib import Path

from ..catalogue import store
from ..catalogue.coverage import coverage
from ..rules import rules
from ..scan import history
from .queries import CATALOGUE_QUERIES, SCANS_QUERIES

#: How every scan view says it is filled: scans.db exists, empty, before the first scan.
FILL_SCANS = ("Filled by every `emblemcheck scan FOLDER` (or FILE): empty until the first scan; "
              "reload the page after one.")

#: The rule quoted on the front page, then the ones that back it.
_FRONT_RULES = ("web2-item-7", "legal-protection", "heraldic-register", "trade-marks-9-1-n")


def metadata(catalogue_db: Path, scans_db: Path | None = None) -> dict:
    """Datasette metadata: titles, the rule and its source, artwork sources, columns, facets, queries."""
    return {
        "title": "emblemcheck",
        "description_html": _front_page_html(catalogue_db),
        "databases": {
            "catalogue": {
                "title": "Emblem catalogue",
                "description_html": _catalogue_html(catalogue_db),
                "tables": _described(CATALOGUE_TABLES, store.columns, catalogue_db),
                "queries": CATALOGUE_QUERIES,
            },
            "scans": {
                "title": "Scan history",
                "description": (
                    "Every file emblemcheck scanned on this computer, what it found and where. "
                    "Open flagged_files first; accepted findings carry the baseline's reason. " + FILL_SCANS
                ),
                "tables": _with_fill_hint(_described(SCANS_TABLES, history.columns, scans_db)),
                "queries": SCANS_QUERIES,
            },
        },
    }


def _described(tables: dict, columns: Callable[[Path, Iterable[str]], dict[str, set[str]]],
               path: Path | None) -> dict:
    """``tables`` with each column description kept only where that column exists in the file at ``path``.

    Datasette lists every described column above the table, present or not.
    """
    if path is None or not Path(path).is_file():
        return tables
    present = columns(path, tables)
    return {
        name: {**spec, "columns": {c: d for c, d in spec.get("columns", {}).items() if c in present[name]}}
        for name, spec in tables.items()
    }


def _with_fill_hint(tables: dict) -> dict:
    """Each visible scans table, its description ending with how to fill it."""
    return {
        name: spec if spec.get("hidden") else
        {**spec, "description": " ".join(x for x in (spec.get("description"), FILL_SCANS) if x)}
        for name, spec in tables.items()
    }


def _front_page_html(catalogue_db: Path) -> str:
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
            f"“{escape(rule.quote)}” <em>({escape(rule.source)})</em> {escape(rule.status)}</p>"
        )
    parts.append(_gaps_html(catalogue_db))
    parts.append(
        "<p>Start with <a href=\"scans/flagged_files\">flagged files</a> or the "
        "<a href=\"catalogue/emblem_gallery\">emblems</a>.</p>"
    )
    return "\n".join(parts)


def _gaps_html(catalogue_db: Path) -> str:
    """The catalogue entries no scan can find yet, with why and the fix; empty when there are none."""
    known = coverage(catalogue_db)
    if not known.gaps:
        return ""
    items = "".join(f"<li><strong>{escape(g.name)}</strong> (<code>{escape(g.emblem_id)}</code>): "
                    f"{escape(g.reason)}</li>" for g in known.gaps)
    return f"<p>With this catalogue, a scan {escape(known.headline())}:</p><ul>{items}</ul>"


def _catalogue_html(catalogue_db: Path) -> str:
    facts = store.build_facts(catalogue_db)
    rows = "".join(
        "<li><strong>{}</strong> ({}): artwork {}. Source: {}. Licence: {}.</li>".format(
            *(escape(value or "not recorded") for value in (
                e.emblem.name, e.emblem.agency, e.artwork, e.emblem.source, e.emblem.licence))
        )
        for e in store.listings(catalogue_db)
    )
    version = escape(facts.get("version", "unknown"))
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
