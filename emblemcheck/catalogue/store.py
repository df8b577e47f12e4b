"""catalogue.db: emblems, their renderings and fingerprints, and detection features.

The file is reference data: ``catalogue build`` writes a new file beside the
old one and swaps it in atomically, so a failed build leaves the old one.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

migrations = Migrations("emblemcheck.catalogue")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db["emblems"].create(
        {
            "id": str,
            "name": str,
            "name_fr": str,
            "agency": str,
            "kind": str,
            "restriction": str,
            "basis": str,
            "blazon": str,
            "granted": str,
            "source": str,
            "licence": str,
            "notes": str,
            "origin": str,
            # "ready", "needs artwork", or "unavailable: <reason>"
            "artwork": str,
            "renderings": int,
        },
        pk="id",
    )
    db["renderings"].create(
        {
            "id": str,
            "emblem_id": str,
            "variant": str,
            "source_file": str,
            "source_sha256": str,
            "width": int,
            "height": int,
            # A PNG under 100 KB for people (Datasette, HTML reports).
            "thumbnail": bytes,
            # The flattened RGB reference as PNG, longest side <= REFERENCE_SIDE.
            "image": bytes,
            "phash": str,
            "dhash": str,
            "pdq": str,
            "pdq_quality": int,
            "pdq_dihedral": str,
            # Detectability: how many local features the reference yields.
            "keypoints": int,
            "detectable": int,
            "warning": str,
        },
        pk="id",
        foreign_keys=[("emblem_id", "emblems", "id")],
    )
    db["renderings"].create_index(["emblem_id"])
    db["meta"].create({"key": str, "value": str}, pk="key")


def open_catalogue_db(path) -> sqlite_utils.Database:
    """Open a catalogue database file, creating and migrating its schema."""
    db = sqlite_utils.Database(path)
    db.enable_wal()
    migrations.apply(db)
    return db


#: What ``emblemcheck browse`` opens first: one row an emblem, every rendering's
#: thumbnail (a JSON list of rendering ids the Datasette plugin draws as
#: images), its artwork state and the facts behind its restriction.
EMBLEM_GALLERY_SQL = """
select
  e.id,
  e.name,
  e.agency,
  e.kind,
  e.restriction,
  e.artwork,
  (select json_group_array(r.id)
     from (select id from renderings where emblem_id = e.id order by id) as r) as thumbnails,
  e.renderings,
  e.name_fr,
  e.basis,
  e.blazon,
  e.granted,
  e.source,
  e.licence,
  e.notes,
  e.origin
from emblems as e
order by case e.restriction when 'restricted' then 0 when 'caution' then 1 else 2 end, e.name
"""

#: Columns the full-text index covers (Datasette's search box on ``emblems``).
SEARCH_COLUMNS = ("name", "name_fr", "agency", "blazon", "basis", "notes")


def create_browse_views(db: sqlite_utils.Database) -> None:
    """Add the views and the full-text index ``emblemcheck browse`` shows; safe to call again.

    Call it once the emblems and renderings are written: the index is built
    without triggers because a catalogue file is written once and never edited.
    """
    db.create_view("emblem_gallery", EMBLEM_GALLERY_SQL, replace=True)
    db["emblems"].enable_fts(SEARCH_COLUMNS, create_triggers=False, replace=True)
