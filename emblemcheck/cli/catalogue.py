"""``emblemcheck catalogue``: build, list, show, add, remove, import, export."""

from __future__ import annotations

import enum
import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from ..errors import UnknownEmblem, UsageError
from ..exitcodes import ExitCode
from ..i18n import N_, _
from ..models import KINDS, Restriction
from .app import make_typer
from .options import HomeOption, home_of


class Format(str, enum.Enum):
    text = "text"
    json = "json"


class Material(str, enum.Enum):
    """What a photo attached with ``catalogue add --material`` shows (engine/materials.py's names)."""

    embroidered = "embroidered"
    woven = "woven"
    metal = "metal"
    enamel = "enamel"


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]

app = make_typer(help="Build, inspect and extend the catalogue of emblems.")


@app.command()
def build(
    from_dir: Annotated[Path | None, typer.Option(
        "--from", exists=True, file_okay=False,
        help="Take the official SVG files from this folder instead of running `npm pack`.")] = None,
    home: HomeOption = None,
) -> None:
    """Build catalogue.db: fetch the official artwork, render its variants, fingerprint everything.

    The Government of Canada's own artwork is obtained with `npm pack @gcds-core/components@1.3.1`,
    checked against the SHA-256 in the manifest and cached in the home folder. Without npm, use
    --from DIR with the SVG files you downloaded. The old catalogue stays if the build fails.

    Example: emblemcheck catalogue build
    """
    # Imported here, as in add and remove: a build runs the engine (OpenCV, numpy); list and show need only the store.
    from ..catalogue.build import build_catalogue

    report = build_catalogue(home_of(home), from_dir=from_dir)
    for problem in report.problems:
        typer.echo(_("warning: {message}").format(message=problem), err=True)
    typer.echo(_("built {path}: {emblems} emblems, {renderings} renderings, version {version}").format(
        path=report.path, emblems=report.emblems, renderings=report.renderings, version=report.version))


def _listing_dict(listing) -> dict:
    out = asdict(listing.emblem)
    out["restriction"] = str(listing.emblem.restriction)
    out.update(artwork=listing.artwork, renderings=listing.renderings)
    return out


@app.command("list")
def list_(format: FormatOption = Format.text, home: HomeOption = None) -> None:
    """List every emblem with its restriction and artwork state.

    Example: emblemcheck catalogue list --format json
    """
    from ..catalogue.store import listings  # here: --help need not open the store's modules

    rows = listings(home_of(home).catalogue_db)
    if format is Format.json:
        typer.echo(json.dumps([_listing_dict(r) for r in rows], indent=2, ensure_ascii=False))
        return
    width = max(len(r.emblem.id) for r in rows)
    for r in rows:
        state = ({"needs artwork": _("needs artwork")}.get(r.artwork, r.artwork) if r.artwork != "ready"
                 else _("ready ({count} renderings)").format(count=r.renderings))
        typer.echo(f"{r.emblem.id:<{width}}  {str(r.emblem.restriction):<10}  {r.emblem.kind:<12}  {state}")


@app.command()
def show(emblem_id: Annotated[str, typer.Argument(metavar="ID")], format: FormatOption = Format.text,
         home: HomeOption = None) -> None:
    """Show one emblem's facts, provenance and artwork state.

    Example: emblemcheck catalogue show cbsa-badge
    """
    from ..catalogue.store import listings

    match = [r for r in listings(home_of(home).catalogue_db) if r.emblem.id == emblem_id]
    if not match:
        raise UnknownEmblem(_("no emblem {id!r}; see `emblemcheck catalogue list`").format(id=emblem_id))
    row = _listing_dict(match[0])
    if format is Format.json:
        typer.echo(json.dumps(row, indent=2, ensure_ascii=False))
        return
    for key, value in row.items():
        if value not in ("", None):
            typer.echo(f"{key:>12}: {value}")


@app.command()
def add(
    file: Annotated[Path, typer.Argument(help="PNG, JPEG, WebP, GIF or SVG artwork.")],
    emblem_id: Annotated[str | None, typer.Option(
        "--id", help="Emblem to attach the artwork to, or the new emblem's id.")] = None,
    name: Annotated[str | None, typer.Option(help="Name of a new emblem.")] = None,
    agency: Annotated[str | None, typer.Option(help="Agency of a new emblem.")] = None,
    kind: Annotated[str | None, typer.Option(help=f"Kind of a new emblem: {', '.join(KINDS)}.")] = None,
    restriction: Annotated[Restriction | None, typer.Option(help="Restriction of a new emblem.")] = None,
    notes: Annotated[str | None, typer.Option(help="Notes on a new emblem.")] = None,
    material: Annotated[Material | None, typer.Option(
        help="The file is a photo of the object in this material, not flat artwork.")] = None,
    box: Annotated[str | None, typer.Option(
        help="With --material: the object's box in the photo, x,y,width,height in pixels (default: found).")] = None,
    home: HomeOption = None,
) -> None:
    """Add artwork: attach it to an existing emblem (--id), or create a new emblem.

    Flat artwork of a worn emblem (a badge, flash, shield or coat of arms) also
    gets renderings as an embroidered flash and a metal badge. A photo of the
    real object is attached with --material (and --box to crop it); it warns
    when the photo is too small, blurred or taken at a steep angle.

    \b
    Examples:
      emblemcheck catalogue add badge.png --id cbsa-badge
      emblemcheck catalogue add crest.svg --id my-crest --name "My crest" \\
        --agency "My agency" --kind badge --restriction restricted
      emblemcheck catalogue add photo.jpg --id cbsa-badge --material metal --box 120,80,400,400
    """
    from ..catalogue.edit import add_artwork  # here: adding renders and describes the artwork (the engine)
    from ..catalogue.materials import parse_box

    if box is not None and material is None:
        raise UsageError("--box crops a photo of the object: give --material too")
    what, where = (material.value if material else "flat"), parse_box(box) or ()

    new = any(v is not None for v in (name, agency, kind, restriction))
    if new:
        missing = [o for o, v in (("--id", emblem_id), ("--name", name), ("--agency", agency),
                                  ("--kind", kind), ("--restriction", restriction)) if not v]
        if missing:
            raise UsageError(_("a new emblem needs {options}").format(options=", ".join(missing)))
        fields = {"id": emblem_id, "name": name, "agency": agency, "kind": kind,
                  "restriction": restriction.value if restriction else "", "notes": notes or ""}
        added = add_artwork(home_of(home), file, fields=fields, material=what, box=where)
    elif emblem_id:
        added = add_artwork(home_of(home), file, emblem_id=emblem_id, material=what, box=where)
    else:
        raise UsageError(_("give --id of an existing emblem, or --id --name --agency --kind --restriction for a "
                           "new one"))
    done = _("created {id}: {count} rendering(s) added") if added.created else _(
        "updated {id}: {count} rendering(s) added")
    typer.echo(done.format(id=added.emblem_id, count=len(added.renderings)))
    for warning in added.warnings:
        typer.echo(_("warning: {message}").format(message=warning), err=True)


@app.command("remove")
def remove_(emblem_id: Annotated[str, typer.Argument(metavar="ID")], home: HomeOption = None) -> None:
    """Remove an emblem you added, or the artwork you attached to a shipped emblem.

    Example: emblemcheck catalogue remove cbsa-badge
    """
    from ..catalogue.edit import remove  # here: a removal rewrites the catalogue through the build code

    typer.echo(remove(home_of(home), emblem_id))


@app.command("import")
def import_(folder: Annotated[Path, typer.Argument(metavar="DIR", help="The brand kit's folder.")],
            home: HomeOption = None) -> None:
    """Import a brand kit: a folder of artwork with a manifest, emblems.csv (or emblems.toml).

    Each manifest row has `file` (a path inside DIR) and `id`; a row whose id
    exists attaches the file to that entry, a new id creates the entry from the
    row's name, agency, kind and restriction (optionally name_fr, notes, source,
    licence, blazon). Without a manifest, files named after an existing id
    (cbsa-badge.png) attach to it. One line per file: added, warned (weak
    artwork), refused or not imported, with the reason. The catalogue changes
    only once every file was tried. Exits 3 if any file was refused or not imported.

    \b
    Example emblems.csv:
      file,id,name,agency,kind,restriction
      badge.png,cbsa-badge,,,,
      program-logo.svg,cbsa-program,CBSA program logo,Canada Border Services Agency,other,restricted

    Example: emblemcheck catalogue import cbsa-brand-kit/
    """
    from ..catalogue.kit import import_kit  # here: an import renders and describes the artwork (the engine)

    kit = import_kit(home_of(home), folder)
    if kit.manifest is None:
        typer.echo(_("no emblems.csv or emblems.toml in {folder}: attaching files named after a catalogue id").format(
            folder=folder))
    for line in kit.lines:
        typer.echo(str(line))
    counts = {outcome: sum(line.outcome == outcome for line in kit.lines)
              for outcome in (N_("added"), N_("warned"), N_("refused"), N_("not imported"))}
    typer.echo(", ".join(f"{n} {_(outcome)}" for outcome, n in counts.items()))
    if not kit.complete:
        raise typer.Exit(ExitCode.UNREADABLE)


@app.command()
def export(folder: Annotated[Path, typer.Argument(metavar="DIR", help="A new or empty folder.")],
           home: HomeOption = None) -> None:
    """Export your additions (artwork and facts) as a brand kit that `catalogue import` reads back.

    Writes each file you attached under DIR/<id>/ and an emblems.csv with the
    facts of the entries you created, so a colleague can import the same catalogue.

    Example: emblemcheck catalogue export our-kit/ && emblemcheck catalogue import our-kit/
    """
    from ..catalogue.kit import export_kit

    kit = export_kit(home_of(home), folder)
    typer.echo(_("exported {files} file(s) of {emblems} emblem(s) to {folder}").format(
        files=kit.files, emblems=kit.emblems, folder=kit.folder))
