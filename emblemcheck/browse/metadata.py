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
from ..i18n import N_, _, french
from ..rules import rules
from ..scan import history
from .queries import CATALOGUE_QUERIES, SCANS_QUERIES

#: How every scan view says it is filled: scans.db exists, empty, before the first scan.
FILL_SCANS = N_("Filled by every `emblemcheck scan FOLDER` (or FILE): empty until the first scan; "
                 "reload the page after one.")

#: The rule quoted on the front page, then the ones that back it.
_FRONT_RULES = ("web2-item-7", "legal-protection", "heraldic-register", "trade-marks-9-1-n")


def metadata(catalogue_db: Path, scans_db: Path | None = None) -> dict:
    """Datasette metadata: titles, the rule and its source, artwork sources, columns, facets, queries.

    In the language in force: the texts below are translated here, when the metadata is built.
    """
    return {
        "title": "emblemcheck",
        "description_html": _front_page_html(catalogue_db),
        "databases": {
            "catalogue": {
                "title": _("Emblem catalogue"),
                "description_html": _catalogue_html(catalogue_db),
                "tables": _translated(_described(CATALOGUE_TABLES, store.columns, catalogue_db)),
                "queries": _translated(CATALOGUE_QUERIES),
            },
            "scans": {
                "title": _("Scan history"),
                "description": (
                    _("Every file emblemcheck scanned on this computer, what it found and where. "
                      "Open flagged_files first; accepted findings carry the baseline's reason.") + " " + _(FILL_SCANS)
                ),
                "tables": _with_fill_hint(_translated(_described(SCANS_TABLES, history.columns, scans_db))),
                "queries": _translated(SCANS_QUERIES),
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


def _translated(specs: dict) -> dict:
    """Tables' or queries' specs with their titles, descriptions and column notes in the language in force."""
    def one(spec: dict) -> dict:
        out = {k: _(v) if k in ("title", "description") else v for k, v in spec.items()}
        if "columns" in spec:
            out["columns"] = {c: _(d) for c, d in spec["columns"].items()}
        return out

    return {name: one(spec) for name, spec in specs.items()}


def _with_fill_hint(tables: dict) -> dict:
    """Each visible scans table, its description ending with how to fill it."""
    return {
        name: spec if spec.get("hidden") else
        {**spec, "description": " ".join(x for x in (spec.get("description"), _(FILL_SCANS)) if x)}
        for name, spec in tables.items()
    }


def _front_page_html(catalogue_db: Path) -> str:
    known = rules()
    parts = [
        "<p>" + escape(_("emblemcheck looks for Government of Canada corporate symbols (the GC signature, the "
                         "Canada wordmark, the Arms of Canada) and agency heraldic emblems in images before a "
                         "public servant posts them on a personal or professional networking account.")) + "</p>",
        '<p class="emblemcheck-check-link"><a href="-/check"><strong>{}</strong></a>: {}</p>'.format(
            escape(_("Check pictures")), escape(_("choose or drop pictures, PDFs or videos and read, for each, "
                                                  "whether it may be posted on a personal account and why."))),
    ]
    for rule_id in _FRONT_RULES:
        rule = known.get(rule_id)
        if rule is None:
            continue
        rule = rule.localised()
        dates = ", ".join(
            x for x in (rule.published and _("published {date}").format(date=rule.published),
                        rule.rescinded and _("rescinded {date}").format(date=rule.rescinded)) if x
        )
        source = "; ".join(x for x in (rule.publisher, rule.document, dates) if x)
        english = (" " + _("(quoted in English: emblemcheck knows no sourced French text of it)")
                   if french() and not rule.quote_fr else "")
        parts.append(
            f"<p><strong>{escape(rule.title)}</strong> ({escape(source)}): "
            f"“{escape(rule.quote)}”{escape(english)} <em>({escape(rule.source)})</em> {escape(rule.status)}</p>"
        )
    parts.append(_gaps_html(catalogue_db))
    parts.append(
        "<p>{} <a href=\"scans/flagged_files\">{}</a> {} <a href=\"catalogue/emblem_gallery\">{}</a>.</p>".format(
            escape(_("Start with")), escape(_("flagged files")), escape(_("or the")), escape(_("emblems")))
    )
    return "\n".join(parts)


def _gaps_html(catalogue_db: Path) -> str:
    """The catalogue entries no scan can find yet, with why and the fix; empty when there are none."""
    known = coverage(catalogue_db)
    if not known.gaps:
        return ""
    names = store.french_names(catalogue_db) if french() else {}
    items = "".join(f"<li><strong>{escape(names.get(g.emblem_id) or g.name)}</strong> "
                    f"(<code>{escape(g.emblem_id)}</code>): {escape(g.reason)}</li>" for g in known.gaps)
    return "<p>{}</p><ul>{}</ul>".format(
        escape(_("With this catalogue, a scan {headline}:").format(headline=known.headline())), items)


def _catalogue_html(catalogue_db: Path) -> str:
    facts = store.build_facts(catalogue_db)
    rows = "".join(
        "<li><strong>{}</strong> ({}): {}</li>".format(
            escape((french() and e.emblem.name_fr) or e.emblem.name), escape(e.emblem.agency),
            escape(_("artwork {artwork}. Source: {source}. Licence: {licence}.").format(
                artwork=e.artwork, source=e.emblem.source or _("not recorded"),
                licence=e.emblem.licence or _("not recorded"))))
        for e in store.listings(catalogue_db)
    )
    version = facts.get("version", _("unknown"))
    return (
        "<p>" + escape(_("Reference data built by `emblemcheck catalogue build` (version {version}). Official "
                         "artwork is fetched into your own cache at build time and is never redistributed."
                         ).format(version=version)) + "</p>"
        "<p>" + escape(_("Artwork of each emblem, with its source and licence:")) + f"</p><ul>{rows}</ul>"
    )


_EMBLEM_COLUMNS = {
    "id": N_("Stable identifier used in scan results and --allow lists"),
    "name": N_("English name"),
    "name_fr": N_("French name"),
    "agency": N_("The institution the emblem belongs to"),
    "kind": N_("signature, wordmark, coat-of-arms, shield, badge, flash, flag or other"),
    "restriction": N_("restricted: must not be posted; caution: check first; permitted: information only"),
    "rule": N_("The rule or guideline that sets the restriction"),
    "basis": N_("Why the emblem is restricted, in a sentence"),
    "blazon": N_("The formal heraldic description, where one is published"),
    "granted": N_("Date of the grant or public notice"),
    "source": N_("Where the artwork and facts come from"),
    "licence": N_("Terms of the artwork"),
    "notes": N_("What is unconfirmed or special about this entry"),
    "origin": N_("manifest: shipped with emblemcheck; user: added with `catalogue add`"),
    "artwork": N_("ready, needs artwork, or unavailable with the reason"),
    "renderings": N_("How many artwork variants are fingerprinted"),
    "thumbnails": N_("Every rendering of the emblem"),
}

_FINDING_COLUMNS = {
    "path": N_("The scanned file"),
    "file_thumbnail": N_("The file, with the matched region boxed in magenta"),
    "emblem_name": N_("The catalogued emblem found"),
    "emblem_thumbnail": N_("The rendering it matched, from the catalogue"),
    "emblem_id": N_("Catalogue id of the emblem"),
    "name": N_("The catalogued emblem found"),
    "restriction": N_("restricted, caution or permitted (information only)"),
    "score": N_("Match confidence from 0 to 1"),
    "method": N_("How it was matched: whole-image fingerprint or local features"),
    "box_x": N_("Left of the matched box, in the file's own pixels"),
    "box_y": N_("Top of the matched box, in the file's own pixels"),
    "box_w": N_("Width of the matched box"),
    "box_h": N_("Height of the matched box"),
    "accepted_reason": N_("Set when the baseline accepts this finding for this image content"),
    "run_id": N_("The scan run that produced the row"),
    "scanned_at": N_("When the file was last scanned"),
    "sha256": N_("SHA-256 of the file's bytes: how accepted findings are matched"),
}

CATALOGUE_TABLES = {
    "emblem_gallery": {
        "title": N_("Emblems"),
        "description": N_("Every catalogued emblem with a thumbnail of each rendering, its artwork state "
                       "and why it is restricted. Search the emblems table for names, agencies, blazons and notes."),
        "columns": _EMBLEM_COLUMNS,
        "facets": ["agency", "kind", "restriction", "artwork"],
        "size": 50,
    },
    "emblems": {
        "title": N_("Emblems (all fields, searchable)"),
        "description": N_("Full-text search covers names in both languages, agencies, blazons, basis and notes."),
        "columns": _EMBLEM_COLUMNS,
        "facets": ["agency", "kind", "restriction"],
        "sort": "name",
        "label_column": "name",
    },
    "renderings": {
        "title": N_("Renderings"),
        "description": N_("Each artwork variant of an emblem, flattened to RGB, with its fingerprints. "
                       "Use hamming(a, b) in SQL to compare hashes."),
        "columns": {
            "emblem_id": N_("The emblem this is a rendering of"),
            "variant": N_("Language, colour or layout of this version"),
            "source_file": N_("The artwork file it was rendered from"),
            "source_sha256": N_("SHA-256 of that file, checked on every build"),
            "thumbnail": N_("What it looks like"),
            "image": N_("The reference picture matching uses"),
            "phash": N_("64-bit perceptual hash (DCT), hex"),
            "dhash": N_("64-bit difference hash, hex"),
            "pdq": N_("256-bit PDQ hash, hex"),
            "pdq_quality": N_("PDQ's own quality score, 0 to 100"),
            "keypoints": N_("Local features found in the reference"),
            "detectable": N_("1 if there are enough features to find it inside a larger image"),
            "warning": N_("Why detection inside larger images may be weak"),
        },
        "facets": ["emblem_id", "detectable"],
        "sort": "id",
        "label_column": "variant",
    },
    "meta": {"title": N_("Catalogue build facts"), "description": N_("Version and build details of this catalogue.")},
    "_sqlite_migrations": {"hidden": True},
}

SCANS_TABLES = {
    "flagged_files": {
        "title": N_("Flagged files"),
        "description": N_("One row per emblem found in a file: the file with the match boxed, the "
                       "catalogue rendering it matched, and how sure the match is."),
        "columns": _FINDING_COLUMNS,
        "facets": ["restriction", "emblem_name", "run_id"],
        "sort_desc": "score",
        "size": 50,
    },
    "scan_errors": {
        "title": N_("Files that could not be read"),
        "description": N_("Unreadable, truncated, too large or unsafe files, and why."),
        "columns": {"path": N_("The file"), "error": N_("Why it could not be checked"),
                    "size": N_("Size in bytes"), "run_id": N_("The scan run"), "scanned_at": N_("When")},
        "facets": ["run_id"],
        "sort_desc": "scanned_at",
    },
    "scan_runs": {
        "title": N_("Scan runs"),
        "description": N_("When each scan ran, how many files it checked, flagged and could not read."),
        "columns": {"run_id": N_("Run number"), "started_at": N_("When it started"),
                    "duration_s": N_("Seconds it took"), "files": N_("Files checked"), "flagged": N_("Files flagged"),
                    "errors": N_("Files that could not be read"), "clean": N_("Files with nothing found"),
                    "skipped": N_("Files unchanged since the last scan"), "files_per_s": N_("Throughput"),
                    "catalogue_version": N_("The catalogue it used"), "command": N_("The command line")},
        "sort_desc": "run_id",
    },
    "files": {
        "title": N_("All scanned files"),
        "columns": {**_FINDING_COLUMNS, "status": N_("flagged, clean or error"),
                    "thumbnail": N_("The file with matches boxed (flagged files only)"),
                    "worst_restriction": N_("The most serious restriction found"),
                    "best_score": N_("The highest score of any finding"),
                    "findings": N_("How many emblems were found"), "error": N_("Why it could not be read")},
        "facets": ["status", "worst_restriction", "run_id"],
        "sort_desc": "scanned_at",
        "label_column": "path",
    },
    "findings": {
        "title": N_("All findings"),
        "columns": _FINDING_COLUMNS,
        "facets": ["restriction", "name", "run_id"],
        "sort_desc": "score",
    },
    "runs": {"title": N_("Runs (raw)"), "sort_desc": "id", "label_column": "started_at"},
    "_sqlite_migrations": {"hidden": True},
    "accepted": {
        "title": N_("Accepted findings (baseline)"),
        "description": N_("Findings accepted by image content (SHA-256) and emblem, with the reason."),
        "facets": ["emblem_id", "source"],
    },
}
