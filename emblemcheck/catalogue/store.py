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
