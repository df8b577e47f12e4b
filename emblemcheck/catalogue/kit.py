"""Brand kits: a folder of an agency's artwork with a manifest, imported and exported in one step.

The manifest is ``emblems.csv`` (or ``emblems.toml``, a list of ``[[emblems]]``
tables) with one row per file: ``file`` (a path inside the kit), ``id``, and
for an id the catalogue does not have yet the facts of the new entry (``name``,
``agency``, ``kind``, ``restriction``; optionally ``name_fr``, ``notes``,
``source``, ``licence``, ``blazon`` and the other emblem fields). Without a
manifest, files named after an existing id (``cbsa-badge.png``) attach to it.

An import is one :func:`edit.editing` session: each file is added, added with a
warning, or refused with its reason, and the catalogue is replaced only once
every file has been tried. An export writes the user's additions as a kit that
an import reads back unchanged.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from ..errors import CatalogueError, EmblemcheckError, ManifestError, UsageError
from ..home import Home
from ..media.decode import read_file
from .edit import Session, attach, editing
from .manifest import EMBLEM_FIELDS, Artwork, load_user_manifest, tomllib
from .sources import user_file

MANIFESTS = ("emblems.csv", "emblems.toml")
#: A kit manifest's columns, in the order an export writes them.
COLUMNS = ("file", *EMBLEM_FIELDS)

Outcome = Literal["added", "warned", "refused", "not imported"]


@dataclass(frozen=True)
class KitLine:
    """What happened to one file of a kit."""

    file: str
    outcome: Outcome
    emblem_id: str = ""
    created: bool = False
    renderings: int = 0
    detail: str = ""

    def __str__(self) -> str:
        if self.outcome in ("refused", "not imported"):
            return f"{self.outcome}: {self.file}: {self.detail}"
        what = f"{'new entry ' if self.created else ''}{self.emblem_id}, {self.renderings} rendering(s)"
        return f"{self.outcome}: {self.file} -> {what}" + (f": {self.detail}" if self.detail else "")


@dataclass(frozen=True)
class KitImport:
    """Every file of an imported kit with its outcome, and the manifest read (``None``: there was none)."""

    lines: tuple[KitLine, ...]
    manifest: str | None

    @property
    def complete(self) -> bool:
        """Whether every file of the kit was imported (some perhaps with a warning)."""
        return all(line.outcome in ("added", "warned") for line in self.lines)


@dataclass(frozen=True)
class KitExport:
    """Where a kit was written, with how many files and entries."""

    folder: Path
    files: int
    emblems: int


# --- reading a kit ---------------------------------------------------------------


def _manifest_rows(folder: Path) -> tuple[str | None, list[dict]]:
    """The manifest's name and its rows (values stripped, empty cells dropped); ``(None, [])`` without one."""
    found = [name for name in MANIFESTS if (folder / name).is_file()]
    if len(found) > 1:
        raise ManifestError(f"{folder}: both emblems.csv and emblems.toml; keep one")
    if not found:
        return None, []
    name = found[0]
    try:
        text = (folder / name).read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{folder / name}: cannot read the manifest ({exc})") from None
    rows = _csv_rows(text, name) if name.endswith(".csv") else _toml_rows(text, name)
    cleaned = [{k: str(v).strip() for k, v in row.items() if v is not None and str(v).strip()} for row in rows]
    for number, row in enumerate(cleaned, start=2 if name.endswith(".csv") else 1):
        unknown = set(row) - set(COLUMNS)
        if unknown:
            raise ManifestError(f"{name}: row {number}: unknown column(s) {', '.join(sorted(unknown))}; "
                                f"the columns are {', '.join(COLUMNS)}")
        for required in ("file", "id"):
            if required not in row:
                raise ManifestError(f"{name}: row {number}: missing {required!r}")
    return name, cleaned


def _csv_rows(text: str, name: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("file", "id") if c not in (reader.fieldnames or ())]
    if missing:
        raise ManifestError(f"{name}: the header needs the column(s) {', '.join(missing)}")
    return list(reader)


def _toml_rows(text: str, name: str) -> list[dict]:
    try:
        rows = tomllib.loads(text).get("emblems", [])
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{name}: not valid TOML ({exc})") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ManifestError(f"{name}: expected a list of [[emblems]] tables")
    return rows


def _kit_files(folder: Path) -> list[str]:
    """Every file in the kit except its manifest, as POSIX paths relative to ``folder``, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.relative_to(folder).as_posix() not in MANIFESTS)


def _inside(folder: Path, relative: str) -> Path | None:
    """``folder / relative`` if it stays inside ``folder`` (symbolic links included), else ``None``."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or ".." in pure.parts:
        return None
    path = folder / pure
    return path if path.resolve().is_relative_to(folder.resolve()) else None


# --- importing -------------------------------------------------------------------


def import_kit(home: Home, folder: Path) -> KitImport:
    """Import every file of the kit at ``folder`` into ``home``'s catalogue, in one atomic change."""
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder; give the brand kit's folder")
    manifest, rows = _manifest_rows(folder)
    files = _kit_files(folder)
    with editing(home) as session:
        if manifest is None:
            lines = [_without_manifest(session, folder, name) for name in files]
        else:
            listed = {row["file"] for row in rows}
            lines = [_import_row(session, folder, row) for row in rows]
            lines += [KitLine(name, "not imported", detail=f"not listed in {manifest}")
                      for name in files if name not in listed]
    return KitImport(tuple(lines), manifest)


def _without_manifest(session: Session, folder: Path, name: str) -> KitLine:
    emblem_id = PurePosixPath(name).stem
    if emblem_id not in session.ids():
        return KitLine(name, "not imported", detail=f"no manifest and no catalogue entry {emblem_id!r}: list the "
                       "file in emblems.csv with its id (and the facts of a new entry)")
    return _import_row(session, folder, {"file": name, "id": emblem_id})


def _import_row(session: Session, folder: Path, row: dict) -> KitLine:
    name, emblem_id = row["file"], row["id"]
    path = _inside(folder, name)
    if path is None:
        return KitLine(name, "refused", emblem_id, detail="the file must be inside the kit's folder")
    facts = {k: v for k, v in row.items() if k != "file"}
    new = emblem_id not in session.ids()
    if new and len(facts) == 1:
        return KitLine(name, "refused", emblem_id, detail=f"no catalogue entry {emblem_id!r}: give name, agency, "
                       "kind and restriction to create it")
    try:
        added = attach(session, read_file(path), name=name, original=path.name, emblem_id=emblem_id,
                       fields=facts if new else None)
    except EmblemcheckError as exc:
        return KitLine(name, "refused", emblem_id, detail=_reason(exc, name))
    warnings = list(added.warnings)
    if not new:
        ignored = sorted(k for k, v in facts.items() if session.facts(emblem_id).get(k, "") != v)
        if ignored:
            warnings.append(f"the entry exists, so its facts stay as they are ({', '.join(ignored)} ignored)")
    return KitLine(name, "warned" if warnings else "added", emblem_id, added.created, len(added.renderings),
                   "; ".join(dict.fromkeys(warnings)))


def _reason(exc: EmblemcheckError, name: str) -> str:
    """The error's message without the file name the line already shows."""
    message = str(exc)
    return message[len(name) + 2:] if message.startswith(f"{name}: ") else message


# --- exporting -------------------------------------------------------------------


def export_kit(home: Home, folder: Path) -> KitExport:
    """Write the user's additions (artwork and facts) to the new or empty ``folder`` as a kit with emblems.csv.

    The kit is written beside ``folder`` and renamed into place, so a failed
    export leaves nothing half-written.
    """
    user = load_user_manifest(home.user_manifest)
    if not user["artwork"]:
        raise CatalogueError("nothing to export: you have not added any artwork "
                             "(see `emblemcheck catalogue add` and `emblemcheck catalogue import`)")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"{folder}: exists and is not an empty folder; export into a new or empty folder")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{folder.name}.export-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        rows = _write_files(home, user, tmp)
        _write_csv(tmp / MANIFESTS[0], rows)
        if folder.exists():
            folder.rmdir()
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return KitExport(folder, len(rows), len({row["id"] for row in rows}))


def _write_files(home: Home, user: dict, target: Path) -> list[dict]:
    """Copy each attached file to ``target/<id>/<its original name>``; one manifest row each."""
    mine = {e["id"]: e for e in user["emblems"]}
    rows, used = [], set()
    for art in user["artwork"]:
        data = user_file(home.artwork, Artwork(source="user", file=art["file"], sha256=art["sha256"]))
        base = Path(art.get("original") or art["file"]).name
        relative = f"{art['emblem_id']}/{base}"
        if relative in used:  # two files of one emblem had the same name
            relative = f"{art['emblem_id']}/{art['sha256'][:8]}-{base}"
        used.add(relative)
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        (target / relative).write_bytes(data)
        facts = mine.get(art["emblem_id"], {"id": art["emblem_id"]})
        rows.append({"file": relative, **{k: str(v) for k, v in facts.items()}})
    return rows


def _write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
