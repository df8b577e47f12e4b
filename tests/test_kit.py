"""Brand kits: `catalogue import DIR` and `catalogue export DIR`, round trips, refusals, atomicity.

Artwork is drawn here (never official files): the badge of test_features, with
enough detail to be found inside a photo, and small variations of it.
"""

from __future__ import annotations

import json
import shutil

import pytest
from pictures import jpeg, photo_like
from PIL import Image, ImageOps
from test_features import badge
from typer.testing import CliRunner

from emblemcheck.catalogue import export_kit, import_kit, listings
from emblemcheck.catalogue import kit as kit_module
from emblemcheck.catalogue.manifest import load_user_manifest
from emblemcheck.cli import app
from emblemcheck.errors import CatalogueError, ManifestError, UsageError
from emblemcheck.home import Home

runner = CliRunner()

NEW_FACTS = {"name": "Program logo", "name_fr": "Logo du programme", "agency": "Canada Border Services Agency",
             "kind": "other", "restriction": "caution", "notes": "Drawn for the tests", "source": "the test kit",
             "licence": "none", "blazon": "A lozenge argent on a roundel azure"}
EVIL_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" '
            'height="10"><image xlink:href="file:///etc/passwd" width="10" height="10"/></svg>')


def cli(*args: str, home: Home):
    return runner.invoke(app, [*args, "--home", str(home.root)])


def drawn(size: int = 400, mirrored: bool = False) -> Image.Image:
    image = Image.fromarray(badge(size))
    return ImageOps.mirror(image) if mirrored else image


def write_kit(folder, files: dict, manifest: str | None = None, name: str = "emblems.csv"):
    """A kit folder: ``files`` maps a relative path to an image or to bytes; ``manifest`` is its text."""
    folder.mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Image.Image):
            content.save(folder / relative)
        else:
            (folder / relative).write_bytes(content)
    if manifest is not None:
        (folder / name).write_text(manifest, "utf-8")
    return folder


def csv_manifest(*rows: dict) -> str:
    columns = ["file", "id", *NEW_FACTS]
    lines = [",".join(columns)] + [",".join(str(row.get(c, "")) for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


def states(home: Home) -> dict[str, tuple[str, int]]:
    return {lst.emblem.id: (lst.artwork, lst.renderings) for lst in listings(home.catalogue_db)}


def fresh_home(built_home, path) -> Home:
    shutil.copytree(built_home.root, path, ignore=shutil.ignore_patterns("scans.db*"))
    return Home(path)


# --- import ----------------------------------------------------------------------


def test_a_row_with_an_existing_id_attaches_the_file_and_the_badge_is_then_found(home, tmp_path):
    kit = write_kit(tmp_path / "kit", {"badge.png": drawn()}, csv_manifest({"file": "badge.png", "id": "cbsa-badge"}))
    result = cli("catalogue", "import", str(kit), home=home)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("added: badge.png -> cbsa-badge, ") and lines[0].endswith(" rendering(s)")
    assert lines[-1] == "1 added, 0 warned, 0 refused, 0 not imported"
    assert states(home)["cbsa-badge"][0] == "ready"
    poster = photo_like(900, 600, seed=4)
    poster.paste(drawn(260), (420, 150))
    result = cli("scan", str(jpeg(poster, tmp_path / "poster.jpg")), home=home)
    assert result.exit_code == 1, result.output
    assert "cbsa-badge: Canada Border Services Agency badge [restricted]" in result.output
    assert "This scan cannot find 4 catalogue entries:" in result.output


def test_a_row_with_a_new_id_creates_the_entry_with_its_facts(home, tmp_path):
    rows = [{"file": "logo/front.png", "id": "cbsa-program", **NEW_FACTS},
            {"file": "logo/mirrored.png", "id": "cbsa-program"}]
    kit = write_kit(tmp_path / "kit", {"logo/front.png": drawn(), "logo/mirrored.png": drawn(mirrored=True)},
                    csv_manifest(*rows))
    result = import_kit(home, kit)
    assert [(line.file, line.outcome, line.created) for line in result.lines] == [
        ("logo/front.png", "added", True), ("logo/mirrored.png", "added", False)]
    assert result.complete
    (entry,) = [lst for lst in listings(home.catalogue_db) if lst.emblem.id == "cbsa-program"]
    assert (entry.emblem.name_fr, entry.emblem.blazon, entry.emblem.origin) == (
        NEW_FACTS["name_fr"], NEW_FACTS["blazon"], "user")
    assert entry.renderings == sum(line.renderings for line in result.lines) > 0


def test_a_toml_manifest_reads_like_the_csv(home, tmp_path):
    manifest = '[[emblems]]\nfile = "b.png"\nid = "cbsa-badge"\n'
    kit = write_kit(tmp_path / "kit", {"b.png": drawn()}, manifest, name="emblems.toml")
    result = import_kit(home, kit)
    assert result.manifest == "emblems.toml" and [line.outcome for line in result.lines] == ["added"]


def test_without_a_manifest_files_named_after_an_id_attach_and_the_others_are_listed(home, tmp_path):
    kit = write_kit(tmp_path / "kit", {"cbsa-badge.png": drawn(), "team-photo.png": photo_like(200, 150)})
    result = cli("catalogue", "import", str(kit), home=home)
    assert result.exit_code == 3, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"no emblems.csv or emblems.toml in {kit}: attaching files named after a catalogue id"
    assert lines[1].startswith("added: cbsa-badge.png -> cbsa-badge, ")
    assert lines[2] == ("not imported: team-photo.png: no manifest and no catalogue entry 'team-photo': list the "
                        "file in emblems.csv with its id (and the facts of a new entry)")
    assert states(home)["cbsa-badge"][0] == "ready"


def test_a_refused_svg_and_a_file_that_is_not_an_image_are_lines_the_rest_is_imported(home, tmp_path):
    files = {"badge.png": drawn(), "evil.svg": EVIL_SVG.encode(), "readme.png": b"not a picture at all",
             "unlisted.png": drawn(200)}
    rows = [{"file": "badge.png", "id": "cbsa-badge"}, {"file": "evil.svg", "id": "cbsa-badge"},
            {"file": "readme.png", "id": "cbsa-badge"}, {"file": "../outside.png", "id": "cbsa-badge"},
            {"file": "badge.png", "id": "no-such-entry"}]
    kit = write_kit(tmp_path / "kit", files, csv_manifest(*rows, {"file": "link.png", "id": "cbsa-badge"}))
    drawn(300).save(tmp_path / "elsewhere.png")
    (kit / "link.png").symlink_to(tmp_path / "elsewhere.png")
    result = cli("catalogue", "import", str(kit), home=home)
    assert result.exit_code == 3, result.output
    lines = result.output.splitlines()
    assert lines.pop(5) == "refused: link.png: the file must be inside the kit's folder"
    assert lines[0].startswith("added: badge.png -> cbsa-badge")
    assert lines[1] == "refused: evil.svg: SVG refers to an outside resource ('file:///etc/passwd'); refused"
    assert lines[2] == "refused: readme.png: not an image Pillow can read"
    assert lines[3] == "refused: ../outside.png: the file must be inside the kit's folder"
    assert lines[4] == ("refused: badge.png: no catalogue entry 'no-such-entry': give name, agency, kind and "
                        "restriction to create it")
    assert lines[5] == "not imported: unlisted.png: not listed in emblems.csv"
    assert lines[6] == "1 added, 0 warned, 5 refused, 1 not imported"
    assert states(home)["cbsa-badge"][0] == "ready"


def test_weak_artwork_is_imported_with_a_warning(home, tmp_path):
    kit = write_kit(tmp_path / "kit", {"tiny.png": drawn(90)}, csv_manifest({"file": "tiny.png", "id": "cbsa-badge"}))
    (line,) = import_kit(home, kit).lines
    assert line.outcome == "warned" and "too small (90x90 px" in line.detail
    assert str(line).startswith("warned: tiny.png -> cbsa-badge, ")


def test_facts_on_a_row_of_an_existing_entry_are_not_applied_and_say_so(home, tmp_path):
    kit = write_kit(tmp_path / "kit", {"b.png": drawn()},
                    csv_manifest({"file": "b.png", "id": "cbsa-badge", "name": "Another name"}))
    (line,) = import_kit(home, kit).lines
    assert line.outcome == "warned" and line.detail.endswith("(name ignored)")
    assert states(home)["cbsa-badge"][0] == "ready"
    assert [lst.emblem.name for lst in listings(home.catalogue_db) if lst.emblem.id == "cbsa-badge"] == [
        "Canada Border Services Agency badge"]


def test_a_malformed_manifest_changes_nothing(home, tmp_path):
    kit = write_kit(tmp_path / "kit", {"b.png": drawn()}, "file,id,colour\nb.png,cbsa-badge,blue\n")
    before = home.catalogue_db.read_bytes()
    with pytest.raises(ManifestError, match=r"row 2: unknown column\(s\) colour"):
        import_kit(home, kit)
    assert home.catalogue_db.read_bytes() == before


def test_an_import_stopped_half_way_leaves_the_catalogue_and_the_home_as_they_were(home, tmp_path, monkeypatch):
    kit = write_kit(tmp_path / "kit", {"a.png": drawn(), "b.png": drawn(mirrored=True)},
                    csv_manifest({"file": "a.png", "id": "cbsa-badge"}, {"file": "b.png", "id": "cbsa-badge"}))
    before = home.catalogue_db.read_bytes()
    real_read = kit_module.read_file

    def interrupted_on_b(path):  # the outermost effect: reading the kit's second file
        if path.name == "b.png":
            raise KeyboardInterrupt
        return real_read(path)

    monkeypatch.setattr(kit_module, "read_file", interrupted_on_b)
    with pytest.raises(KeyboardInterrupt):
        import_kit(home, kit)
    assert home.catalogue_db.read_bytes() == before
    assert not home.user_manifest.exists()
    assert not home.artwork.exists() or not any(p.is_file() for p in home.artwork.rglob("*"))
    assert [p.name for p in home.root.iterdir() if p.name.startswith(".catalogue.db.new")] == []


def test_import_needs_a_folder(home, tmp_path):
    with pytest.raises(UsageError, match="not a folder"):
        import_kit(home, tmp_path / "missing")


# --- export ----------------------------------------------------------------------


def test_export_then_import_into_a_fresh_home_gives_the_same_catalogue(built_home, home, tmp_path):
    rows = [{"file": "badge.png", "id": "cbsa-badge"}, {"file": "logo/front.png", "id": "cbsa-program", **NEW_FACTS}]
    kit = write_kit(tmp_path / "kit", {"badge.png": drawn(), "logo/front.png": drawn(mirrored=True)},
                    csv_manifest(*rows))
    assert import_kit(home, kit).complete
    result = cli("catalogue", "add", str(write_kit(tmp_path / "more", {"x.png": drawn(300)}) / "x.png"),
                 "--id", "cbsa-heraldic-flash", home=home)
    assert result.exit_code == 0, result.output

    result = cli("catalogue", "export", str(tmp_path / "shared"), home=home)
    assert result.exit_code == 0, result.output
    assert result.output == f"exported 3 file(s) of 3 emblem(s) to {tmp_path / 'shared'}\n"

    colleague = fresh_home(built_home, tmp_path / "colleague")
    result = cli("catalogue", "import", str(tmp_path / "shared"), home=colleague)
    assert result.exit_code == 0, result.output
    mine, theirs = (cli("catalogue", "list", "--format", "json", home=h) for h in (home, colleague))
    assert json.loads(mine.output) == json.loads(theirs.output)
    assert load_user_manifest(colleague.user_manifest) == load_user_manifest(home.user_manifest)

    again = export_kit(colleague, tmp_path / "shared-again")
    assert (again.folder / "emblems.csv").read_text() == (tmp_path / "shared" / "emblems.csv").read_text()


def test_export_refuses_a_folder_with_files_and_a_home_with_nothing_added(home, tmp_path):
    with pytest.raises(CatalogueError, match="nothing to export"):
        export_kit(home, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    kit = write_kit(tmp_path / "kit", {"cbsa-badge.png": drawn()})
    import_kit(home, kit)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    result = cli("catalogue", "export", str(tmp_path / "busy"), home=home)
    assert result.exit_code == 2 and "is not an empty folder" in result.output
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["keep.txt"]
