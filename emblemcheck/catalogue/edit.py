"""Changing the catalogue: attach the user's artwork, add or remove an entry.

Every change is recorded in ``<home>/user-catalogue.json`` (so a rebuild
replays it) and applied to a copy of catalogue.db swapped in atomically.
One :func:`editing` session may attach many files (``catalogue import``):
the catalogue, the user manifest and the copied artwork change together at
the end, or not at all.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CatalogueError, ImageError, ManifestError, UnknownEmblem
from ..home import Home
from ..media.decode import is_svg, read_file
from . import store
from .build import rendering_rows, rewrite
from .manifest import Artwork, Manifest, load_manifest, load_user_manifest, parse_emblem, save_user_manifest
from .sources import sha256

if TYPE_CHECKING:
    from sqlite_utils import Database

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "SVG")


@dataclass(frozen=True)
class Added:
    """The outcome of ``catalogue add``: the entry, its new renderings, any warnings."""

    emblem_id: str
    created: bool
    renderings: tuple[str, ...]
    warnings: tuple[str, ...] = ()


@dataclass
class Session:
    """A change to the catalogue in progress: the copy of catalogue.db, the user's additions, the files copied."""

    home: Home
    db: Database
    user: dict
    manifest: Manifest
    written: list[Path] = field(default_factory=list)

    def ids(self) -> set[str]:
        """Every emblem id: shipped, added earlier, or added in this session."""
        return {e.emblem.id for e in self.manifest.entries} | {e["id"] for e in self.user["emblems"]}

    def facts(self, emblem_id: str) -> dict[str, str]:
        """The recorded facts of an existing emblem, as strings by field name."""
        mine = next((e for e in self.user["emblems"] if e["id"] == emblem_id), None)
        if mine is not None:
            return {k: str(v) for k, v in mine.items()}
        entry = self.manifest.entry(emblem_id)
        if entry is None:
            raise UnknownEmblem(f"no emblem {emblem_id!r} in the catalogue; see `emblemcheck catalogue list`")
        return {k: str(v) for k, v in vars(entry.emblem).items() if k != "origin"}


@contextmanager
def editing(home: Home) -> Iterator[Session]:
    """A session whose changes replace catalogue.db and user-catalogue.json only if the block succeeds.

    On any exception the artwork files the session copied are deleted again.
    """
    user = load_user_manifest(home.user_manifest)
    manifest = load_manifest()
    with rewrite(home) as db:
        session = Session(home, db, user, manifest)
        try:
            yield session
            save_user_manifest(home.user_manifest, session.user)
        except BaseException:
            for path in session.written:
                path.unlink(missing_ok=True)
            raise


def _sniff_format(data: bytes, name: str) -> str:
    if is_svg(data):
        return "SVG"
    from ..media.decode import open_image

    fmt = open_image(data, name).format or ""
    if fmt not in ACCEPTED_FORMATS:
        raise ImageError(f"{name}: {fmt or 'unknown'} artwork is not accepted; use PNG, JPEG, WebP, GIF or SVG")
    return fmt


def add_artwork(home: Home, file: Path, *, emblem_id: str | None = None, fields: dict | None = None,
                material: str = "flat", box: tuple[int, ...] = ()) -> Added:
    """Attach ``file`` to emblem ``emblem_id``, or create a new emblem from ``fields`` (which include ``id``).

    ``material`` other than "flat" says the file is a photo of the object in that material, to be
    cropped to ``box`` ``(x, y, width, height)`` or to the object found in it (catalogue/materials.py).
    """
    data = read_file(file)
    with editing(home) as session:
        return attach(session, data, name=str(file), original=file.name, emblem_id=emblem_id, fields=fields,
                      material=material, box=box)


def attach(session: Session, data: bytes, *, name: str, original: str, emblem_id: str | None = None,
           fields: dict | None = None, material: str = "flat", box: tuple[int, ...] = ()) -> Added:
    """Attach artwork ``data`` in ``session``: to ``emblem_id``, or to a new emblem made from ``fields``.

    ``name`` is how messages name the file; ``original`` is the file name recorded; ``material`` and
    ``box`` as in :func:`add_artwork`. Raises before changing anything when the file or the facts are refused.
    """
    fmt = _sniff_format(data, name)
    user, created = session.user, False
    if fields:
        emblem = parse_emblem(fields, origin="user")
        if emblem.id in session.ids():
            raise ManifestError(f"emblem {emblem.id!r} already exists; use `--id {emblem.id}` to add a rendering")
        emblem_id, created = emblem.id, True
    elif emblem_id is None or emblem_id not in session.ids():
        raise UnknownEmblem(f"no emblem {emblem_id!r}; give --name, --agency, --kind and --restriction to create it")
    digest = sha256(data)
    if any(a["sha256"] == digest and a["emblem_id"] == emblem_id for a in user["artwork"]):
        raise CatalogueError(f"{name} is already attached to {emblem_id}")
    stored = f"{emblem_id}/{digest[:16]}.{fmt.lower()}"
    artwork = Artwork(source="user", file=stored, sha256=digest, material=material, box=tuple(box))
    kind = emblem.kind if created else session.facts(emblem_id).get("kind", "")
    rows = rendering_rows(emblem_id, artwork, data, session.manifest, name=name, kind=kind)
    if created:
        store.insert_emblem(session.db, emblem, artwork="ready", renderings=0)
    store.insert_renderings(session.db, rows)
    store.recount(session.db, emblem_id, artwork="ready")
    target = session.home.artwork / stored
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        session.written.append(target)
    target.write_bytes(data)
    if created:
        user["emblems"].append({k: v for k, v in (fields or {}).items() if v not in (None, "")})
    user["artwork"].append({"emblem_id": emblem_id, "file": stored, "sha256": digest, "original": original}
                           | ({"material": material, "box": list(box)} if material != "flat" else {}))
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
