"""Changing the catalogue: attach the user's artwork, add or remove an entry.

Every change is recorded in ``<home>/user-catalogue.json`` (so a rebuild
replays it) and applied to a copy of catalogue.db swapped in atomically.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import CatalogueError, ImageError, ManifestError, UnknownEmblem
from ..home import Home
from ..media.decode import is_svg, read_file
from . import store
from .build import rendering_rows, rewrite
from .manifest import Artwork, load_manifest, load_user_manifest, parse_emblem, save_user_manifest
from .sources import sha256

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "SVG")


@dataclass(frozen=True)
class Added:
    """The outcome of ``catalogue add``: the entry, its new renderings, any warnings."""

    emblem_id: str
    created: bool
    renderings: tuple[str, ...]
    warnings: tuple[str, ...] = ()


def _sniff_format(data: bytes, name: str) -> str:
    if is_svg(data):
        return "SVG"
    from ..media.decode import open_image

    fmt = open_image(data, name).format or ""
    if fmt not in ACCEPTED_FORMATS:
        raise ImageError(f"{name}: {fmt or 'unknown'} artwork is not accepted; use PNG, JPEG, WebP, GIF or SVG")
    return fmt


def add_artwork(home: Home, file: Path, *, emblem_id: str | None = None, fields: dict | None = None) -> Added:
    """Attach ``file`` to emblem ``emblem_id``, or create a new emblem from ``fields`` (which include ``id``)."""
    data = read_file(file)
    fmt = _sniff_format(data, str(file))
    user = load_user_manifest(home.user_manifest)
    manifest = load_manifest()
    existing = {e.emblem.id for e in manifest.entries} | {e["id"] for e in user["emblems"]}
    created = False
    if fields:
        emblem = parse_emblem(fields, origin="user")
        if emblem.id in existing:
            raise ManifestError(f"emblem {emblem.id!r} already exists; use `--id {emblem.id}` to add a rendering")
        emblem_id, created = emblem.id, True
    elif emblem_id not in existing:
        raise UnknownEmblem(f"no emblem {emblem_id!r}; give --name, --agency, --kind and --restriction to create it")
    digest = sha256(data)
    if any(a["sha256"] == digest and a["emblem_id"] == emblem_id for a in user["artwork"]):
        raise CatalogueError(f"{file} is already attached to {emblem_id}")
    stored = f"{emblem_id}/{digest[:16]}.{fmt.lower()}"
    artwork = Artwork(source="user", file=stored, sha256=digest)
    rows = rendering_rows(emblem_id, artwork, data, manifest, name=str(file))
    with rewrite(home) as db:
        if created:
            store.insert_emblem(db, emblem, artwork="ready", renderings=0)
        store.insert_renderings(db, rows)
        store.recount(db, emblem_id, artwork="ready")
        target = home.artwork / stored
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if created:
            user["emblems"].append({k: v for k, v in fields.items() if v not in (None, "")})
        user["artwork"].append({"emblem_id": emblem_id, "file": stored, "sha256": digest, "original": file.name})
        save_user_manifest(home.user_manifest, user)
    return Added(emblem_id, created, tuple(r["id"] for r in rows),
                 tuple(r["warning"] for r in rows if r.get("warning")))


def remove(home: Home, emblem_id: str) -> str:
    """Remove a user-created emblem, or the user's artwork of a shipped one. Returns what was done."""
    user = load_user_manifest(home.user_manifest)
    shipped = load_manifest().entry(emblem_id) is not None
    mine = [e for e in user["emblems"] if e["id"] == emblem_id]
    attached = [a for a in user["artwork"] if a["emblem_id"] == emblem_id]
    if not shipped and not mine:
        raise UnknownEmblem(f"no emblem {emblem_id!r} was added by you; see `emblemcheck catalogue list`")
    if shipped and not attached:
        raise CatalogueError(f"{emblem_id} is a shipped entry with no artwork of yours; "
                             "edit assets/catalogue.toml to change it")
    with rewrite(home) as db:
        for art in attached:
            store.delete_renderings(db, f"{emblem_id}/{art['sha256'][:8]}/")
        if mine:
            store.delete_emblem(db, emblem_id)
        else:
            store.recount(db, emblem_id)
        user["emblems"] = [e for e in user["emblems"] if e["id"] != emblem_id]
        user["artwork"] = [a for a in user["artwork"] if a["emblem_id"] != emblem_id]
        save_user_manifest(home.user_manifest, user)
    shutil.rmtree(home.artwork / emblem_id, ignore_errors=True)
    if mine:
        return f"removed {emblem_id} and its {len(attached)} artwork file(s)"
    return f"removed your {len(attached)} artwork file(s) from {emblem_id}; the shipped entry stays"
