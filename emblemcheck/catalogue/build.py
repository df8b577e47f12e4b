"""Build catalogue.db from the manifest: fetch, render, fingerprint, store.

The build writes a new file beside the existing one and swaps it in with an
atomic rename, so a failed or interrupted build leaves the old catalogue. A
problem with one entry's artwork (npm offline, a bad SHA-256, an unsafe SVG)
is recorded against that entry and the rest still builds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine.features import ReferenceFeatures, detectability_warning, is_detectable, prepare_reference
from ..engine.fingerprints import fingerprint
from ..engine.ocr import missing_engine
from ..errors import ArtworkSourceError, CatalogueMissing, EmblemcheckError
from ..home import Home
from ..media.thumbnails import png_thumbnail
from . import institutions, materials, sources, store
from .artwork import flatten_artwork, rendering_id
from .manifest import Artwork, Entry, Manifest, load_manifest, load_user_manifest, merge_user

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass(frozen=True)
class BuildReport:
    """What a build produced and what went wrong, one line per problem."""

    path: Path
    emblems: int
    renderings: int
    version: str
    problems: tuple[str, ...] = ()


def build_catalogue(home: Home, *, from_dir: Path | None = None, manifest: Manifest | None = None) -> BuildReport:
    """Build ``home.catalogue_db`` from the shipped manifest and the user's additions."""
    home.ensure_writable()
    manifest = merge_user(manifest or load_manifest(), load_user_manifest(home.user_manifest))
    fetched, problems = _fetch_all(manifest, home, from_dir)
    listed = institutions.load_institutions(institutions.user_file(home.root))
    manifest = institutions.with_signatures(manifest, listed, home.root)
    if missing := missing_engine():
        problems.append(missing)
    with _new_file(home) as db:
        count = 0
        for entry in manifest.entries:
            rows, entry_problems, reasons = _entry_renderings(entry, manifest, fetched)
            problems.extend(entry_problems)
            _write_entry(db, entry, rows, _artwork_state(entry, rows, entry_problems + reasons))
            count += len(rows)
        store.store_institutions(db, institutions.to_json(listed))
    version = store.version_of(home.catalogue_db)
    return BuildReport(home.catalogue_db, len(manifest.entries), count, version, tuple(problems))


def _fetch_all(manifest: Manifest, home: Home, from_dir: Path | None) -> tuple[dict, list[str]]:
    """Artwork bytes by (source, file); failures become an error string in place of bytes."""
    fetched: dict[tuple[str, str], bytes | str] = {}
    problems: list[str] = []
    for source in manifest.sources.values():
        wanted = [a for e in manifest.entries for a in e.artwork if a.source == source.id]
        if not wanted:
            continue
        for artwork, result in _fetch_source(source, wanted, home, from_dir):
            fetched[(source.id, artwork.file)] = result
            if isinstance(result, str) and result not in problems:
                problems.append(result)
    return fetched, problems


def _fetch_source(source, wanted: list[Artwork], home: Home,
                  from_dir: Path | None) -> list[tuple[Artwork, bytes | str]]:
    if source.kind == "npm" and from_dir is None:
        try:
            found = sources.fetch_npm(source, wanted, home.cache)
            return [(a, found[a.file]) for a in wanted]
        except ArtworkSourceError as exc:
            return [(a, str(exc)) for a in wanted]

    def from_folder(artwork: Artwork) -> bytes:
        assert from_dir is not None, "an npm source without --from is fetched above"
        return sources.from_folder(from_dir, artwork)

    loaders: dict[str, Callable[[Artwork], bytes]] = {
        "npm": from_folder,
        "drawn": sources.drawn,
        "user": lambda a: sources.user_file(home.artwork, a),
    }
    out: list[tuple[Artwork, bytes | str]] = []
    for artwork in wanted:
        try:
            out.append((artwork, loaders[source.kind](artwork)))
        except ArtworkSourceError as exc:
            out.append((artwork, str(exc)))
    return out


def _entry_renderings(entry: Entry, manifest: Manifest, fetched: dict) -> tuple[list[dict], list[str], list[str]]:
    """Rendering rows, new problems to report, and every reason artwork is missing."""
    rows, problems, reasons = [], [], []
    for artwork in entry.artwork:
        data = fetched[(artwork.source, artwork.file)]
        if isinstance(data, str):
            reasons.append(data)  # a fetch failure, already reported once per source
            continue
        try:
            rows.extend(rendering_rows(entry.emblem.id, artwork, data, manifest, kind=entry.emblem.kind))
        except EmblemcheckError as exc:
            problems.append(f"{entry.emblem.id}: {exc}")
    return rows, problems, reasons


def rendering_rows(emblem_id: str, artwork: Artwork, data: bytes, manifest: Manifest, *,
                   name: str | None = None, kind: str = "") -> list[dict]:
    """Flatten, fingerprint, thumbnail and prepare detection features for every variant of one artwork file.

    ``name`` is how errors name the file (default: the emblem and the stored file); an emblem of a worn
    ``kind`` also gets its material renderings (catalogue/materials.py).
    """
    name = name or f"{emblem_id}: {artwork.file}"
    flats = flatten_artwork(data, artwork, manifest.variants, name)
    rows: list[dict] = []
    made = [(variant, material, rgb, problem, fingerprint(rgb), prepare_reference(rgb))
            for variant, material, rgb, problem in materials.renderings(flats, artwork.material, artwork.box, kind,
                                                                        name)]
    warning = artwork_warning([(features, prints.pdq_quality) for variant, _m, _r, _p, prints, features in made
                               if "@" not in variant])
    for variant, material, rgb, problem, prints, features in made:
        height, width = rgb.shape[:2]
        checks = detectability(features, prints.pdq_quality)
        # A synthesised rendering ("<variant>@<material>") warns about nothing and counts as detectable only
        # when the artwork is: coverage reports say what the artwork itself allows (catalogue/coverage.py).
        if "@" in variant:
            checks.update(warning="", detectable=min(checks["detectable"], rows[0]["detectable"]))
        else:
            checks["warning"] = "; ".join(w for w in (warning if not rows else "", problem) if w)
        rows.append({
            "id": rendering_id(emblem_id, artwork, variant),
            "emblem_id": emblem_id,
            "variant": variant,
            "source_file": artwork.file,
            "source_sha256": sources.sha256(data),
            "width": width,
            "height": height,
            "thumbnail": png_thumbnail(rgb),
            "image": png_thumbnail(rgb, side=max(width, height)),
            "phash": str(prints.phash),
            "dhash": str(prints.dhash),
            "pdq": str(prints.pdq),
            "pdq_quality": prints.pdq_quality,
            "pdq_dihedral": json.dumps([str(h) for h in prints.pdq_dihedral]),
            **checks,
            "material": material,
            "features": features,
        })
    return rows


def artwork_warning(variants: list[tuple[ReferenceFeatures, int]]) -> str:
    """What makes one artwork file hard to find, said once for its flat variants: by the best of them.

    A variant blank on its own ground (black ink flattened on black) says
    nothing of the artwork: the others locate it. Warning per variant told a
    user adding black lettering that only whole-image copies would be found.
    """
    if not variants:
        return ""
    features = max((f for f, _q in variants), key=lambda f: f.keypoint_count)
    return detectability_warning(features, max(q for _f, q in variants))


def detectability(features, pdq_quality: int) -> dict:
    """keypoints / detectable / warning columns, so ``catalogue add`` can warn about weak artwork."""
    return {"keypoints": features.keypoint_count, "detectable": int(is_detectable(features)),
            "warning": detectability_warning(features, pdq_quality)}


def _artwork_state(entry: Entry, rows: list[dict], reasons: list[str]) -> str:
    if institutions.by_structure(entry):
        return institutions.STRUCTURE_STATE
    if rows:
        return "ready"
    if entry.artwork:
        return f"unavailable: {reasons[0] if reasons else 'artwork could not be obtained'}"
    return "needs artwork"


def _write_entry(db: Database, entry: Entry, rows: list[dict], artwork_state: str) -> None:
    store.insert_emblem(db, entry.emblem, artwork=artwork_state, renderings=len(rows))
    store.insert_renderings(db, rows)


def _new_file(home: Home) -> AbstractContextManager[Database]:
    """An empty catalogue that replaces catalogue.db when the block succeeds."""
    return store.replacing(home.catalogue_db, copy_current=False)


def rewrite(home: Home) -> AbstractContextManager[Database]:
    """A copy of catalogue.db for the caller to change, swapped in when the block succeeds."""
    if not home.catalogue_db.exists():
        raise CatalogueMissing(f"{home.catalogue_db} does not exist: run `emblemcheck catalogue build`")
    return store.replacing(home.catalogue_db, copy_current=True)
