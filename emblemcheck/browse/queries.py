"""The SQL ``emblemcheck browse`` runs: the canned queries its pages offer, and the plugin's lookups.

The views these read (``emblem_gallery``, ``flagged_files``, ...) are part of
the databases' schemas, in ``catalogue.store`` and ``scan.history``.
"""

from __future__ import annotations

from ..i18n import N_

CATALOGUE_QUERIES = {
    "search_emblems": {
        "title": N_("Search emblems"),
        "description": N_("Names, agencies, blazons and notes, e.g. portcullis, wordmark, CBSA."),
        "sql": "select g.thumbnails, g.name, g.agency, g.kind, g.restriction, g.blazon, g.notes, g.id\n"
               "from emblems_fts join emblems as e on e.rowid = emblems_fts.rowid\n"
               "join emblem_gallery as g on g.id = e.id\n"
               "where emblems_fts match escape_fts(:words) order by rank",
    },
    "similar_renderings": {
        "title": N_("Renderings with near-identical fingerprints"),
        "description": N_("Pairs whose perceptual hashes differ by at most max_bits of 64: emblems a "
                       "whole-image match could confuse."),
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
        "title": N_("Findings of one emblem"),
        "description": N_("Every file where this emblem was found; emblem is its catalogue id "
                       "(see the emblem_id facet of flagged_files)."),
        "sql": f"select {_FLAGGED_COLUMNS}, accepted_reason from flagged_files\n"
               "where emblem_id = :emblem order by score desc",
    },
    "flagged_since_run": {
        "title": N_("Files flagged since a given run"),
        "description": N_("Findings recorded by run number `run` or any later run."),
        "sql": f"select {_FLAGGED_COLUMNS}, scanned_at from flagged_files\n"
               "where run_id >= cast(:run as integer) order by run_id desc, score desc",
    },
    "near_misses": {
        "title": N_("Near misses"),
        "description": N_("Files that were not flagged although their closest catalogue rendering scored above "
                       "min_score (0.5 is the flagging threshold): worth a look when a known logo was missed."),
        "sql": "select f.path, f.thumbnail as file_thumbnail, f.near_name as emblem_name,\n"
               "  coalesce(nullif(f.near_rendering_id, ''), f.near_emblem_id) as emblem_thumbnail,\n"
               "  f.best_score, f.near_method as method, f.run_id, f.scanned_at\n"
               "from files as f\n"
               "where f.status = 'clean' and f.best_score is not null\n"
               "  and f.best_score >= cast(coalesce(nullif(:min_score, ''), 0) as real)\n"
               "order by f.best_score desc",
    },
    "accepted_files": {
        "title": N_("Files accepted by the baseline"),
        "description": N_("Scanned files whose findings the baseline accepts, with the reasons."),
        "sql": "select f.path, f.thumbnail as file_thumbnail, a.emblem_id, a.reason, a.accepted_at,\n"
               "  a.source, f.status, f.scanned_at\n"
               "from accepted as a join files as f on f.sha256 = a.sha256\n"
               "order by a.accepted_at desc",
    },
}


#: The thumbnails of renderings named by id, or by the id of their emblem
#: (``:keys`` is a JSON list), for the rendering-id columns of the browse views.
RENDERINGS_OF_KEYS_SQL = (
    "select id, emblem_id, thumbnail from renderings"
    " where id in (select value from json_each(:keys))"
    " or emblem_id in (select value from json_each(:keys)) order by id"
)

#: One rendering's thumbnail by its id, or an emblem's first rendering's by the emblem id.
THUMBNAIL_OF_KEY_SQL = (
    "select thumbnail from renderings where id = :key or emblem_id = :key"
    " order by id = :key desc, id limit 1"
)
