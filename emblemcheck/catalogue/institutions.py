"""Federal institutions as data: their applied titles become signature entries of the catalogue.

``data/institutions.toml`` lists the institutions whose Federal Identity
Program signature emblemcheck names (English and French applied titles, the
symbol, the source); the user adds more (a province's or a city's list, a new
department) in the same format in ``<home>/institutions.toml``. Each one
becomes the catalogue entry ``fip-signature-<id>`` (the Government of Canada
itself maps to the existing ``gc-signature-en`` / ``gc-signature-fr``), and
``fip-signature`` stands for a signature whose title cannot be read or is not
listed. These entries carry no artwork of their own: they are found by their
structure, the flag symbol plus a title beside it (engine/symbols.py,
engine/signatures.py). The flag symbol is not indexed as artwork: as a
reference of the local-feature index it took the "Canada" wordmark's flag for
itself (tests/test_tiles.py), and as a whole-image fingerprint it would call
the National Flag alone a signature. :func:`flag_symbol_svg` cuts it out of
the official GC signature file for the tests and the benchmark.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ManifestError
from ..models import Emblem, Restriction
from ..resources import data_dir
from .manifest import Entry, Manifest, tomllib

# The engine's value is imported where it is made: `catalogue list` and the CLI's start-up read this
# module's constants (through coverage.py) without loading the engine.
if TYPE_CHECKING:
    from ..engine.titles import Institution

#: The catalogue entry of a signature whose title is unread or unlisted.
GENERIC_ID = "fip-signature"
#: The ``artwork`` column of the title entries: they need no attached artwork.
STRUCTURE_STATE = "found by structure: flag symbol plus title"
#: The official file the flag symbol is cut out of (the GC signature, English first).
SYMBOL_SOURCE_EMBLEM = "gc-signature-en"
BASIS = ("Federal Identity Program corporate signature (the flag symbol or the Arms of Canada with the "
         "institution's applied titles); TBS Guideline for External Use of Web 2.0 (2011), personal use item 7")
_FIELDS = {"id", "abbr", "abbr_fr", "en", "fr", "symbol", "source", "legal_title", "notes", "entries"}
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SYMBOLS = ("flag", "arms", "unknown")


def user_file(home_root: Path) -> Path:
    """Where a user lists their own institutions: ``<home>/institutions.toml``."""
    return home_root / "institutions.toml"


def load_institutions(user: Path | None = None) -> tuple[Institution, ...]:
    """The shipped institutions, then the user's (``user``, if it exists); raises :class:`ManifestError`."""
    shipped = _read(data_dir() / "institutions.toml")
    mine = _read(user) if user is not None and user.exists() else []
    known = {i.id for i in shipped}
    for institution in mine:
        if institution.id in known:
            raise ManifestError(f"{user}: institution {institution.id!r} is already listed; give it another id")
        known.add(institution.id)
    return tuple(shipped + mine)


def _read(path: Path) -> list[Institution]:
    try:
        tables = tomllib.loads(path.read_text("utf-8")).get("institutions", [])
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read the institutions ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: not valid TOML ({exc})") from None
    out, seen = [], set()
    for table in tables:
        institution = _parse(table, path)
        if institution.id in seen:
            raise ManifestError(f"{path}: institution {institution.id!r} appears twice")
        seen.add(institution.id)
        out.append(institution)
    return out


def _parse(table: dict, path: Path) -> Institution:
    from ..engine.titles import Institution
    where = f"{path}: institution {table.get('id', '?')!r}"
    unknown = set(table) - _FIELDS
    if unknown:
        raise ManifestError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for required in ("id", "abbr", "en", "fr"):
        if not str(table.get(required, "")).strip():
            raise ManifestError(f"{where}: missing required field {required!r}")
    if not _SLUG.match(table["id"]):
        raise ManifestError(f"{where}: id must be a lowercase slug like 'cbsa'")
    symbol = table.get("symbol", "unknown")
    if symbol not in _SYMBOLS:
        raise ManifestError(f"{where}: symbol must be one of {', '.join(_SYMBOLS)}")
    entries = tuple(table.get("entries", [f"{GENERIC_ID}-{table['id']}"] * 2))
    if len(entries) != 2:
        raise ManifestError(f"{where}: entries must name two ids (English first, French first)")
    return Institution(id=table["id"], abbr=table["abbr"], en=table["en"], fr=table["fr"],
                       abbr_fr=table.get("abbr_fr", ""), symbol=symbol, source=table.get("source", ""),
                       notes=table.get("notes", ""), entries=(entries[0], entries[1]))


def _title_entry(institution: Institution, origin: str) -> Entry:
    symbol = {"flag": "the flag symbol", "arms": "the Arms of Canada"}.get(institution.symbol,
                                                                          "the flag symbol or the Arms of Canada")
    emblem = Emblem(
        id=institution.entries[0], name=f"{institution.en} signature", name_fr=f"Signature : {institution.fr}",
        agency=institution.en, kind="signature", restriction=Restriction.RESTRICTED, rule="web2-item-7",
        basis=BASIS, blazon=f"{symbol} beside the applied titles \u201c{institution.en}\u201d and "
                            f"\u201c{institution.fr}\u201d, in either order",
        source=f"applied titles from {institution.source or 'the user'}", licence="Protected official signature",
        notes=institution.notes, origin="user" if origin == "user" else "manifest")
    return Entry(emblem)


def generic_entry() -> Entry:
    """``fip-signature``: any signature whose title is unread or unlisted; its artwork is the flag symbol."""
    emblem = Emblem(
        id=GENERIC_ID, name="Federal Identity Program signature (title not recognised)",
        name_fr="Signature du Programme de coordination de l\u2019image de marque (titre non reconnu)",
        agency="Government of Canada", kind="signature", restriction=Restriction.RESTRICTED, rule="web2-item-7",
        basis=BASIS, blazon="The flag symbol with an institution's title beside it that was not read, or is "
                            "not among the listed institutions",
        source="found by its structure: the flag symbol (as in the fip_flag path of the GC signature file) "
               "with a title beside it",
        licence="Protected official symbol; not redistributed",
        notes="A flag symbol with an institution-like title is a signature whatever the title says.")
    return Entry(emblem)


def with_signatures(manifest: Manifest, institutions: tuple[Institution, ...], home_root: Path) -> Manifest:
    """The manifest with ``fip-signature`` and one entry per listed institution (the GC's own excepted)."""
    source = manifest.entry(SYMBOL_SOURCE_EMBLEM)
    if source is None or not source.artwork:
        return manifest
    path = user_file(home_root)
    mine = {i.id for i in _read(path)} if path.exists() else set()
    entries = [generic_entry()]
    for institution in institutions:
        if institution.entries[0].startswith(GENERIC_ID + "-"):
            entries.append(_title_entry(institution, "user" if institution.id in mine else "manifest"))
    known = {e.emblem.id for e in manifest.entries}
    clash = next((e.emblem.id for e in entries if e.emblem.id in known), None)
    if clash:
        raise ManifestError(f"emblem {clash!r} is both a catalogue entry and an institution's signature")
    return replace(manifest, entries=manifest.entries + tuple(entries))


def by_structure(entry: Entry) -> bool:
    """Whether an entry is found by its structure (a title beside the flag symbol), not by artwork."""
    return entry.emblem.id.startswith(GENERIC_ID) and entry.emblem.kind == "signature" and not entry.artwork


def flag_symbol_svg(signature_svg: bytes) -> bytes:
    """The flag symbol alone: the ``fip_flag`` path of an official signature SVG in an SVG of its own.

    The colour variants' style sheets (``.fip_flag{fill:...}``) apply to it as to the signature.
    """
    text = signature_svg.decode("utf-8")
    path = re.search(r"<path\b[^>]*class=\"fip_flag\"[^>]*/>", text, re.S)
    box = re.search(r"viewBox=\"([^\"]+)\"", text)
    if path is None or box is None:
        raise ManifestError("the signature file has no fip_flag path: the flag symbol cannot be cut out")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{box.group(1)}">{path.group(0)}</svg>').encode()


def to_json(institutions: tuple[Institution, ...]) -> str:
    """The institutions as stored in catalogue.db's ``meta`` table (key ``institutions``)."""
    return json.dumps([i.as_dict() for i in institutions], ensure_ascii=False)


def from_json(text: str) -> tuple[Institution, ...]:
    """The inverse of :func:`to_json`."""
    from ..engine.titles import Institution

    return tuple(Institution.from_dict(row) for row in json.loads(text or "[]"))
