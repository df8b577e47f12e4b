"""catalogue.db: emblems, their renderings and fingerprints, and detection features.

The only code that reads or writes catalogue.db (the browse plugin's
read-only queries through Datasette aside). The file is reference data:
``catalogue build`` writes a new file beside the old one and swaps it in
atomically (:func:`replacing`), so a failed build leaves the old one.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, cast

from .. import __version__
from ..dbfaults import translated
from ..errors import CatalogueDamaged, CatalogueMissing, UnknownEmblem
from ..models import Emblem, Kind, Origin, Rendering, Restriction

# sqlite_utils (which imports numpy), numpy, Pillow and the engine are
# imported inside the functions that use them: `catalogue list` and
# `catalogue show` read with sqlite3 alone and start in a fraction of the time.
if TYPE_CHECKING:
    import numpy as np
    import sqlite_utils
    from sqlite_utils import Migrations

    from ..engine.features import ReferenceFeatures

#: What a damaged catalogue.db (not a database, or corrupt) needs.
REBUILD = "run `emblemcheck catalogue build` to build a new one"


def _faults(function):
    """Read catalogue.db (the first argument) with SQLite's errors turned into one line naming it."""

    @functools.wraps(function)
    def guarded(path, *args, **kwargs):
        with translated(Path(path), damaged=CatalogueDamaged, fix=REBUILD):
            return function(path, *args, **kwargs)

    return guarded


def m001_initial(db: sqlite_utils.Database) -> None:
    db.table("emblems").create(
        {
            "id": str,
            "name": str,
            "name_fr": str,
            "agency": str,
            "kind": str,
            "restriction": str,
            "rule": str,
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
    db.table("renderings").create(
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
    db.table("renderings").create_index(["emblem_id"])
    db.table("meta").create({"key": str, "value": str}, pk="key")


def migrations() -> Migrations:
    """The schema's migrations, in order (built on first use: see the note on imports above)."""
    from sqlite_utils import Migrations

    steps = Migrations("emblemcheck.catalogue")
    for migration in (m001_initial, m002_features, m003_rendering_material, m004_small_scale_features):
        steps()(migration)
    return steps


def open_catalogue_db(path) -> sqlite_utils.Database:
    """Open a catalogue database file, creating and migrating its schema."""
    import sqlite_utils

    db = sqlite_utils.Database(path)
    # No WAL here, unlike scans.db: the file is replaced by rename on every
    # build, and a -wal file left beside it would belong to the old file.
    migrations().apply(db)
    return db


# --- reading: the catalogue a scan holds in memory -------------------------

_EMBLEM_COLUMNS = ("id", "name", "name_fr", "agency", "kind", "rule", "basis", "blazon",
                   "granted", "source", "licence", "notes", "origin")


@dataclass(frozen=True)
class Listing:
    """An emblem as ``catalogue list`` shows it: with its artwork state."""

    emblem: Emblem
    artwork: str
    renderings: int


@dataclass(frozen=True)
class Catalogue:
    """The catalogue loaded once per process: emblems and rendering fingerprints."""

    path: Path
    version: str
    emblems: dict[str, Emblem]
    renderings: tuple[Rendering, ...]
    #: The institutions whose signatures are named, as JSON (catalogue/institutions.py); "" in an older build.
    institutions: str = ""

    @classmethod
    def open(cls, path: Path) -> Catalogue:
        """Load ``catalogue.db``; raises :class:`CatalogueMissing` if it was never built."""
        if not Path(path).is_file():
            raise CatalogueMissing(f"{path} does not exist: run `emblemcheck catalogue build` first")
        with translated(Path(path), damaged=CatalogueDamaged, fix=REBUILD):
            return cls._load(Path(path))

    @classmethod
    def _load(cls, path: Path) -> Catalogue:
        import sqlite_utils

        db = sqlite_utils.Database(path)
        try:
            meta = _meta(db)
            emblems = {row["id"]: _emblem(row) for row in db["emblems"].rows}
            renderings = tuple(
                Rendering(
                    id=row["id"], emblem_id=row["emblem_id"], variant=row["variant"],
                    width=row["width"], height=row["height"], phash=row["phash"], dhash=row["dhash"],
                    pdq=row["pdq"], pdq_quality=row["pdq_quality"],
                    pdq_dihedral=tuple(json.loads(row["pdq_dihedral"] or "[]")),
                    material=row.get("material") or "flat",
                )
                for row in db.query(
                    "select id, emblem_id, variant, width, height, phash, dhash, pdq, pdq_quality, pdq_dihedral"
                    + (", material" if "material" in db["renderings"].columns_dict else "")
                    + " from renderings order by id"
                )
            )
        finally:
            db.close()
        return cls(Path(path), meta.get("version", ""), emblems, renderings, meta.get("institutions", ""))

    def emblem(self, emblem_id: str) -> Emblem:
        """The emblem with ``emblem_id``; raises :class:`UnknownEmblem`."""
        try:
            return self.emblems[emblem_id]
        except KeyError:
            raise UnknownEmblem(f"no emblem {emblem_id!r} in the catalogue; see `emblemcheck catalogue list`") from None

    @functools.cached_property
    def materials(self) -> dict[str, str]:
        """Each rendering's material ("flat", "embroidered", "metal", ...) by rendering id."""
        return {r.id: r.material for r in self.renderings}

    def rendering_image(self, rendering_id: str) -> np.ndarray:
        """The stored reference picture of a rendering, as an RGB array."""
        import numpy as np
        import sqlite_utils
        from PIL import Image

        db = sqlite_utils.Database(self.path)
        try:
            row = db.table("renderings").get(rendering_id)
        except sqlite_utils.db.NotFoundError:
            raise UnknownEmblem(f"no rendering {rendering_id!r} in the catalogue") from None
        finally:
            db.close()
        return np.asarray(Image.open(io.BytesIO(row["image"])).convert("RGB"))


def _emblem(row: dict) -> Emblem:
    facts = {k: row[k] or "" for k in _EMBLEM_COLUMNS if k not in ("kind", "origin")}
    # kind and origin were checked against their closed sets when the entry was written.
    return Emblem(restriction=Restriction(row["restriction"]), kind=cast(Kind, row["kind"]),
                  origin=cast(Origin, row["origin"] or "manifest"), **facts)


def _meta(db: sqlite_utils.Database) -> dict[str, str]:
    return {row["key"]: row["value"] for row in db["meta"].rows}


def _read_only(path) -> sqlite_utils.Database:
    """catalogue.db opened so that nothing can write to it, as ``browse`` reads it."""
    import sqlite_utils

    return sqlite_utils.Database(sqlite3.connect(f"file:{path}?mode=ro", uri=True))


@_faults
def build_facts(path) -> dict[str, str]:
    """The ``meta`` table of a built catalogue (version, built_at, emblemcheck); empty if it has none."""
    with closing(_read_only(path)) as db:
        return _meta(db) if db["meta"].exists() else {}


def version_of(path) -> str:
    """The version digest recorded in a built catalogue."""
    return build_facts(path)["version"]


@_faults
def columns(path, names: Iterable[str]) -> dict[str, set[str]]:
    """The columns of each table or view in ``names`` (none for one that does not exist)."""
    with closing(_read_only(path)) as db:
        return {name: {row[1] for row in db.execute(f"pragma table_info([{name}])")} for name in names}


@_faults
def thumbnails(path, keys: Iterable[str]) -> dict[str, bytes]:
    """One thumbnail for each rendering id or emblem id in ``keys``: an emblem's is its first rendering's."""
    wanted = set(keys)
    found: dict[str, bytes] = {}
    import sqlite_utils

    with closing(sqlite_utils.Database(path)) as db:
        for row in db.query("select id, emblem_id, thumbnail from renderings order by id"):
            for key in (row["id"], row["emblem_id"]):
                if key in wanted and key not in found and row["thumbnail"]:
                    found[key] = row["thumbnail"]
    return found


@_faults
def listings(path: Path) -> list[Listing]:
    """Every emblem with its artwork state, in manifest order."""
    if not Path(path).is_file():
        raise CatalogueMissing(f"{path} does not exist: run `emblemcheck catalogue build` first")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute("select * from emblems order by rowid").fetchall()
    return [Listing(_emblem(dict(row)), row["artwork"], row["renderings"]) for row in rows]


def french_names(path: Path) -> dict[str, str]:
    """Each emblem's French name by id, for messages in French (emblems without one are left out)."""
    return {e.emblem.id: e.emblem.name_fr for e in listings(path) if e.emblem.name_fr}


#: Each emblem with its artwork state, how many of its renderings can be found
#: inside a larger picture, and the first weak-artwork warning (catalogue.coverage).
DETECTABILITY_SQL = """
select e.id, e.name, e.artwork, e.renderings,
  coalesce(sum(r.detectable), 0) as detectable,
  coalesce(max(nullif(r.warning, '')), '') as warning
from emblems as e left join renderings as r on r.emblem_id = e.id
group by e.id order by e.rowid
"""


def detectability(path) -> list[dict]:
    """One row an emblem: id, name, artwork, renderings, detectable (a count) and warning."""
    if not Path(path).is_file():
        raise CatalogueMissing(f"{path} does not exist: run `emblemcheck catalogue build` first")
    with translated(Path(path), damaged=CatalogueDamaged, fix=REBUILD), closing(_read_only(path)) as db:
        return list(db.query(DETECTABILITY_SQL))


#: What ``emblemcheck browse`` opens first: one row an emblem, every rendering's
#: thumbnail (a JSON list of rendering ids the Datasette plugin draws as
#: images), its artwork state and the facts behind its restriction.
EMBLEM_GALLERY_SQL = """
select
  e.id,
  e.name,
  (select json_group_array(r.id)
     from (select id from renderings where emblem_id = e.id order by id) as r) as thumbnails,
  e.restriction,
  e.artwork,
  e.agency,
  e.kind,
  e.rule,
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
    db.table("emblems").enable_fts(SEARCH_COLUMNS, create_triggers=False, replace=True)


# --- detection features (issue 3) -------------------------------------------


def m002_features(db: sqlite_utils.Database) -> None:
    # One row per rendering: the SIFT keypoints, descriptors and verification
    # template the detection engine loads once per process (features.py).
    db.table("features").create(
        {"rendering_id": str, "emblem_id": str, "keypoints": int, "bytes": int, "blob": bytes},
        pk="rendering_id",
    )


def m003_rendering_material(db: sqlite_utils.Database) -> None:
    # What each rendering stands for (issue 17): "flat" artwork, or the object
    # it is made into: embroidered, woven, metal, enamel (engine/materials.py).
    db.table("renderings").add_column("material", str, not_null_default="flat")


def m004_small_scale_features(db: sqlite_utils.Database) -> None:
    # Features blob format 4 (catalogue/blobs.py) stores each rendering's
    # small-scale keypoints, which a scanner otherwise computes from the
    # template at every load (features.small_scale gives the same ones
    # either way). An older catalogue is upgraded when it is next written
    # (`catalogue add`, `import`, ...); until then it is read as it is.
    from ..engine.features import small_scale
    from . import blobs

    # Byte 5 of a blob is its format (after the 4-byte magic).
    older = [row[0] for row in db.execute("select rendering_id from features where substr(blob, 5, 1) < ?",
                                          [bytes([blobs.FORMAT])])]
    for rendering_id in older:  # one at a time: 10 000 renderings' blobs are 1.5 GB
        (blob,) = db.execute("select blob from features where rendering_id = ?", [rendering_id]).fetchone()
        features = blobs.decode(blob)
        upgraded = blobs.encode(replace(features, small=small_scale(features)))
        db.execute("update features set blob = ?, bytes = ? where rendering_id = ?",
                   [upgraded, len(upgraded), rendering_id])


def insert_renderings(db: sqlite_utils.Database, rows: list[dict]) -> None:
    """Write rendering rows; each row's ``features`` (a ReferenceFeatures) goes to the features table."""
    from . import blobs

    db.table("renderings").insert_all({k: v for k, v in row.items() if k != "features"} for row in rows)
    stored = [(row["id"], row["emblem_id"], row["features"].keypoint_count, blobs.encode(row["features"]))
              for row in rows]
    db.table("features").insert_all({"rendering_id": rid, "emblem_id": eid, "keypoints": count, "bytes": len(blob),
                               "blob": blob} for rid, eid, count, blob in stored)


def prune_features(db: sqlite_utils.Database) -> None:
    """Drop the features of renderings that were removed."""
    db.execute("delete from features where rendering_id not in (select id from renderings)")


@_faults
def load_features(path) -> list[tuple]:
    """``(rendering_id, emblem_id, ReferenceFeatures)`` of every rendering, for ``Detector.build``.

    A catalogue built before features were stored gets them computed here (slower, same result).
    """
    import numpy as np
    import sqlite_utils
    from PIL import Image

    from ..engine.features import prepare_reference
    from . import blobs

    if not Path(path).is_file():
        return []
    db = sqlite_utils.Database(path)
    try:
        if "features" not in db.table_names():
            return [(row["id"], row["emblem_id"],
                     prepare_reference(np.asarray(Image.open(io.BytesIO(row["image"])).convert("RGB"))))
                    for row in db.query("select id, emblem_id, image from renderings order by id")]
        return [(row["rendering_id"], row["emblem_id"], blobs.decode(row["blob"]))
                for row in db.query("select rendering_id, emblem_id, blob from features order by rendering_id")]
    finally:
        db.close()


class FeatureReader:
    """One rendering's stored features at a time, by rendering id: the detector's templates read back.

    The file is opened when the reader is made and kept open, so the
    features read back are those of the catalogue the index was built from,
    even after a new build was renamed over it. Safe to call from several
    threads (one connection, one lock: a read takes well under a millisecond).
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        with translated(self.path, damaged=CatalogueDamaged, fix=REBUILD):
            self._connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._connection.execute("select count(*) from features").fetchone()  # opens the file now
        self._lock = threading.Lock()

    def __call__(self, rendering_id: str) -> ReferenceFeatures:
        from . import blobs

        with self._lock, translated(self.path, damaged=CatalogueDamaged, fix=REBUILD):
            row = self._connection.execute("select blob from features where rendering_id = ?",
                                           [rendering_id]).fetchone()
        if row is None:
            raise UnknownEmblem(f"no rendering {rendering_id!r} in the catalogue")
        return blobs.decode(row[0])

    def every(self) -> list[tuple[str, str, ReferenceFeatures]]:
        """``(rendering_id, emblem_id, ReferenceFeatures)`` of every rendering, from the same file."""
        from . import blobs

        with self._lock, translated(self.path, damaged=CatalogueDamaged, fix=REBUILD):
            rows = self._connection.execute("select rendering_id, emblem_id, blob from features order by rendering_id")
            return [(rid, eid, blobs.decode(blob)) for rid, eid, blob in rows]

    def close(self) -> None:
        self._connection.close()


def feature_reader(path) -> FeatureReader | None:
    """A reader of ``path``'s stored features, or ``None`` for a catalogue that stores none (see load_features)."""
    if not Path(path).is_file() or not columns(path, ["features"])["features"]:
        return None
    return FeatureReader(path)


# --- writing: a build, or an edit of a copy ---------------------------------


def insert_emblem(db: sqlite_utils.Database, emblem: Emblem, *, artwork: str, renderings: int) -> None:
    """Write an emblem row with its artwork state and rendering count."""
    db.table("emblems").insert({
        **{k: getattr(emblem, k) for k in _EMBLEM_COLUMNS},
        "restriction": str(emblem.restriction),
        "artwork": artwork,
        "renderings": renderings,
    })


def store_institutions(db: sqlite_utils.Database, text: str) -> None:
    """Record the institutions (JSON) whose signatures a scan names, in the ``meta`` table."""
    db.table("meta").upsert({"key": "institutions", "value": text}, pk="key")


def delete_emblem(db: sqlite_utils.Database, emblem_id: str) -> None:
    """Delete an emblem row (its renderings are deleted by :func:`delete_renderings`)."""
    db.table("emblems").delete(emblem_id)


def delete_renderings(db: sqlite_utils.Database, id_prefix: str) -> None:
    """Delete the renderings whose id starts with ``id_prefix`` (``<emblem>/<stem>/``)."""
    db.execute("delete from renderings where id like ?", [f"{id_prefix}%"])


def recount(db: sqlite_utils.Database, emblem_id: str, *, artwork: str | None = None) -> int:
    """Store an emblem's rendering count and artwork state, by default "ready" if it has renderings."""
    count = db.execute("select count(*) from renderings where emblem_id = ?", [emblem_id]).fetchone()[0]
    state = artwork or ("ready" if count else "needs artwork")
    db.table("emblems").update(emblem_id, {"artwork": state, "renderings": count})
    return count


def stamp_version(db: sqlite_utils.Database) -> str:
    """Compute and store the catalogue version (a digest of every emblem and fingerprint)."""
    prune_features(db)
    digest = hashlib.sha256(__version__.encode())
    for row in db.query("select id, restriction, artwork from emblems order by id"):
        digest.update(json.dumps(row, sort_keys=True).encode())
    for row in db.query("select id, emblem_id, pdq, phash from renderings order by id"):
        digest.update(json.dumps(row, sort_keys=True).encode())
    version = digest.hexdigest()[:16]
    db.table("meta").upsert_all(
        [
            {"key": "version", "value": version},
            {"key": "built_at", "value": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
            {"key": "emblemcheck", "value": __version__},
        ],
        pk="key",
    )
    return version


@_faults
def copy_database(source: Path, target: Path) -> None:
    """Copy a catalogue file through SQLite's backup API (consistent even while it is read)."""
    with closing(sqlite3.connect(source)) as connection, closing(sqlite3.connect(target)) as copy:
        connection.backup(copy)


@contextmanager
def replacing(path: Path, *, copy_current: bool) -> Iterator[sqlite_utils.Database]:
    """A new catalogue file beside ``path`` (a copy of it, or empty), renamed over it only on success.

    The block writes in one transaction; then the version is stamped and the
    browse views built. On any exception the new file is deleted and ``path``
    is left as it was.
    """
    with translated(path, damaged=CatalogueDamaged, fix=REBUILD):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{path.name}.new-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        if copy_current:
            copy_database(path, tmp)
        db = open_catalogue_db(tmp)
    try:
        with db.atomic():
            yield db
            stamp_version(db)
        create_browse_views(db)  # after the transaction: building the FTS index commits
        db.close()
        os.replace(tmp, path)
    except BaseException:
        db.close()
        tmp.unlink(missing_ok=True)
        raise
