"""The catalogue manifest: assets/catalogue.toml plus the user's additions.

Parsing only: no network, no rendering. Every malformed entry raises
:class:`ManifestError` naming the entry and the field.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ManifestError
from ..models import KINDS, Emblem, Origin, Restriction
from ..resources import assets_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: An emblem's facts, in the order a brand kit's manifest lists them.
EMBLEM_FIELDS = ("id", "name", "name_fr", "agency", "kind", "restriction", "rule", "basis",
                 "blazon", "granted", "source", "licence", "notes")
_EMBLEM_FIELDS = set(EMBLEM_FIELDS)


@dataclass(frozen=True)
class Source:
    """Where artwork comes from: an npm package, the project's own drawings, or the user."""

    id: str
    kind: str  # "npm" | "drawn" | "user"
    package: str = ""
    version: str = ""
    description: str = ""
    licence: str = ""

    @property
    def spec(self) -> str:
        """``package@version`` for npm."""
        return f"{self.package}@{self.version}"


@dataclass(frozen=True)
class Variant:
    """A colour treatment of SVG artwork and the backgrounds it is flattened on."""

    name: str
    style: str = ""
    backgrounds: tuple[str, ...] = ("white", "black", "grey")


@dataclass(frozen=True)
class Artwork:
    """One artwork file of an emblem."""

    source: str
    file: str
    sha256: str = ""
    variants: tuple[str, ...] = ("original",)
    #: What the file shows: "flat" artwork, or a photo of the object in a material (catalogue/materials.py).
    material: str = "flat"
    #: For a photo: the user's box around the object, ``(x, y, width, height)``; empty to find it.
    box: tuple[int, ...] = ()


@dataclass(frozen=True)
class Entry:
    """An emblem with the artwork it should be built from."""

    emblem: Emblem
    artwork: tuple[Artwork, ...] = ()


@dataclass(frozen=True)
class Manifest:
    """Sources, variants and entries, in manifest order."""

    sources: dict[str, Source]
    variants: dict[str, Variant]
    entries: tuple[Entry, ...] = field(default_factory=tuple)

    def entry(self, emblem_id: str) -> Entry | None:
        return next((e for e in self.entries if e.emblem.id == emblem_id), None)


ORIGINAL = Variant("original")


def parse_emblem(raw: dict, origin: Origin = "manifest") -> Emblem:
    """Validate one emblem table and return the value."""
    where = f"emblem {raw.get('id', '?')!r}"
    unknown = set(raw) - _EMBLEM_FIELDS - {"artwork"}
    if unknown:
        raise ManifestError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for required in ("id", "name", "agency", "kind", "restriction"):
        if not str(raw.get(required, "")).strip():
            raise ManifestError(f"{where}: missing required field {required!r}")
    if not _SLUG.match(raw["id"]):
        raise ManifestError(f"{where}: id must be a lowercase slug like 'cbsa-badge'")
    if raw["kind"] not in KINDS:
        raise ManifestError(f"{where}: kind must be one of {', '.join(KINDS)}")
    try:
        restriction = Restriction(raw["restriction"])
    except ValueError:
        raise ManifestError(f"{where}: restriction must be restricted, caution or permitted") from None
    values = {k: str(v) for k, v in raw.items() if k in _EMBLEM_FIELDS and k not in ("restriction", "kind")}
    return Emblem(restriction=restriction, kind=raw["kind"], origin=origin, **values)


def _parse_artwork(raw: dict, emblem_id: str, sources: dict, variants: dict) -> Artwork:
    where = f"emblem {emblem_id!r} artwork {raw.get('file', '?')!r}"
    if raw.get("source") not in sources:
        raise ManifestError(f"{where}: source must be one of {', '.join(sources)}")
    if not raw.get("file"):
        raise ManifestError(f"{where}: missing 'file'")
    sha = raw.get("sha256", "")
    if sources[raw["source"]].kind == "npm" and not _SHA256.match(sha):
        raise ManifestError(f"{where}: npm artwork needs a 64-digit lowercase sha256")
    names = tuple(raw.get("variants", ["original"]))
    for name in names:
        if name != "original" and name not in variants:
            raise ManifestError(f"{where}: unknown variant {name!r}")
    return Artwork(source=raw["source"], file=raw["file"], sha256=sha, variants=names)


def parse_manifest(raw: dict) -> Manifest:
    """Validate a parsed TOML manifest."""
    sources = {sid: Source(id=sid, **fields) for sid, fields in raw.get("sources", {}).items()}
    sources.setdefault("user", Source(id="user", kind="user", description="Artwork attached by the user"))
    variants = {
        name: Variant(name, fields.get("style", ""), tuple(fields.get("backgrounds", ORIGINAL.backgrounds)))
        for name, fields in raw.get("variants", {}).items()
    }
    entries, seen = [], set()
    for table in raw.get("emblems", []):
        emblem = parse_emblem(table)
        if emblem.id in seen:
            raise ManifestError(f"emblem {emblem.id!r} appears twice in the manifest")
        seen.add(emblem.id)
        artwork = tuple(_parse_artwork(a, emblem.id, sources, variants) for a in table.get("artwork", []))
        entries.append(Entry(emblem, artwork))
    return Manifest(sources, variants, tuple(entries))


def load_manifest(path: Path | None = None) -> Manifest:
    """Load and validate the shipped manifest (or ``path``)."""
    path = path or assets_dir() / "catalogue.toml"
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read the manifest ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: not valid TOML ({exc})") from None
    return parse_manifest(raw)


# --- the user's additions: <home>/user-catalogue.json -------------------------

def load_user_manifest(path: Path) -> dict:
    """The user's added emblems and artwork (empty when none were added)."""
    if not path.exists():
        return {"emblems": [], "artwork": []}
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{path}: unreadable user catalogue ({exc})") from None
    data.setdefault("emblems", [])
    data.setdefault("artwork", [])
    return data


def save_user_manifest(path: Path, data: dict) -> None:
    """Write the user's additions atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
    tmp.replace(path)


def merge_user(manifest: Manifest, user: dict) -> Manifest:
    """The shipped manifest with the user's emblems and artwork added."""
    entries = {e.emblem.id: e for e in manifest.entries}
    for raw in user["emblems"]:
        emblem = parse_emblem(raw, origin="user")
        if emblem.id in entries:
            raise ManifestError(f"user emblem {emblem.id!r} clashes with a shipped emblem")
        entries[emblem.id] = Entry(emblem)
    for raw in user["artwork"]:
        entry = entries.get(raw["emblem_id"])
        if entry is None:
            raise ManifestError(f"user artwork {raw['file']!r} names unknown emblem {raw['emblem_id']!r}")
        art = Artwork(source="user", file=raw["file"], sha256=raw["sha256"], material=raw.get("material", "flat"),
                      box=tuple(raw.get("box", ())))
        entries[entry.emblem.id] = Entry(entry.emblem, entry.artwork + (art,))
    return Manifest(manifest.sources, manifest.variants, tuple(entries.values()))
