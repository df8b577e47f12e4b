"""The catalogue build: npm path, --from, no npm, bad artwork, atomic swap; add and remove."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from pictures import official_svg
from PIL import Image, ImageDraw
from typer.testing import CliRunner

from emblemcheck import catalogue as catalogue_pkg
from emblemcheck.catalogue import Catalogue, add_artwork, build_catalogue, listings, remove
from emblemcheck.catalogue.manifest import load_manifest, parse_manifest
from emblemcheck.catalogue.materials import SYNTHESISED
from emblemcheck.catalogue.sources import cache_path, sha256
from emblemcheck.cli import app
from emblemcheck.errors import CatalogueError, ManifestError, UnknownEmblem, UnsafeSvg

runner = CliRunner()

EXPECTED = {
    "gc-signature-en": ("restricted", "ready"),
    "gc-signature-fr": ("restricted", "ready"),
    "canada-wordmark": ("restricted", "ready"),
    "canada-flag": ("permitted", "ready"),
    "arms-of-canada": ("restricted", "needs artwork"),
    "cbsa-coat-of-arms": ("restricted", "needs artwork"),
    "cbsa-badge": ("restricted", "needs artwork"),
    "cbsa-heraldic-flash": ("restricted", "needs artwork"),
    "cbsa-heraldic-shield": ("restricted", "needs artwork"),
}


def cli(*args: str, home) -> Result:  # noqa: F821
    return runner.invoke(app, [*args, "--home", str(home.root)])


def test_list_json_shows_every_shipped_id_with_restriction_and_artwork_state(home):
    result = cli("catalogue", "list", "--format", "json", home=home)
    assert result.exit_code == 0, result.output
    rows = {row["id"]: (row["restriction"], row["artwork"]) for row in json.loads(result.output)}
    # The institutions' signatures (data/institutions.toml) are tested in test_signatures.py.
    assert {k: v for k, v in rows.items() if not k.startswith("fip-signature")} == EXPECTED
    assert rows["fip-signature"] == ("restricted", "found by structure: flag symbol plus title")


def test_npm_build_caches_the_pinned_files_with_their_recorded_digests(built_home):
    manifest = load_manifest()
    for entry in manifest.entries:
        for artwork in entry.artwork:
            if artwork.source == "gcds":
                cached = cache_path(built_home.cache, manifest.sources["gcds"], artwork)
                assert sha256(cached.read_bytes()) == artwork.sha256


def test_each_official_svg_gives_four_colour_variants_on_their_backgrounds(built_home):
    catalogue = Catalogue.open(built_home.catalogue_db)
    variants = {r.variant for r in catalogue.renderings if r.emblem_id == "gc-signature-en"}
    assert variants == {"black-on-white", "black-on-grey", "colour-on-white", "colour-on-grey",
                        "reversed-on-black", "reversed-on-grey", "white-on-black", "white-on-grey"}


def test_thumbnails_are_small_pngs(built_home):
    with sqlite3.connect(built_home.catalogue_db) as conn:
        for (thumbnail,) in conn.execute("select thumbnail from renderings"):
            assert thumbnail[:8] == b"\x89PNG\r\n\x1a\n" and len(thumbnail) < 100_000


def test_from_dir_takes_the_same_files_without_npm(built_home, empty_home, tmp_path, monkeypatch):
    folder = tmp_path / "downloaded"
    folder.mkdir()
    for emblem_id in ("gc-signature-en", "gc-signature-fr", "canada-wordmark"):
        artwork = load_manifest().entry(emblem_id).artwork[0]
        (folder / Path(artwork.file).name).write_bytes(official_svg(built_home, emblem_id))
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm reachable: --from must not need it
    result = cli("catalogue", "build", "--from", str(folder), home=empty_home)
    assert result.exit_code == 0, result.output
    assert {lst.emblem.id: lst.artwork for lst in listings(empty_home.catalogue_db)}["gc-signature-fr"] == "ready"


def test_without_npm_the_build_says_so_in_one_line_and_builds_the_rest(empty_home, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = cli("catalogue", "build", home=empty_home)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "npm is not installed" in warnings[0] and "--from DIR" in warnings[0]
    states = {lst.emblem.id: lst.artwork for lst in listings(empty_home.catalogue_db)}
    assert states["canada-flag"] == "ready"
    assert states["gc-signature-en"].startswith("unavailable: npm is not installed")


def test_a_file_with_the_wrong_digest_fails_only_its_entry(built_home, empty_home, tmp_path):
    folder = tmp_path / "downloaded"
    folder.mkdir()
    for emblem_id in ("gc-signature-en", "gc-signature-fr", "canada-wordmark"):
        artwork = load_manifest().entry(emblem_id).artwork[0]
        data = official_svg(built_home, emblem_id)
        if emblem_id == "gc-signature-fr":
            data = data.replace(b"Gouvernement", b"Gouvernment")
        (folder / Path(artwork.file).name).write_bytes(data)
    result = cli("catalogue", "build", "--from", str(folder), home=empty_home)
    assert result.exit_code == 0, result.output
    assert "does not match the manifest" in result.output
    states = {lst.emblem.id: lst.artwork for lst in listings(empty_home.catalogue_db)}
    assert states["gc-signature-fr"].startswith("unavailable:") and states["gc-signature-en"] == "ready"


@pytest.mark.parametrize("field, value, message", [
    ("kind", "crest", "kind must be one of"),
    ("restriction", "forbidden", "restriction must be"),
    ("id", "Not A Slug", "lowercase slug"),
    ("colour", "red", "unknown field"),
])
def test_a_corrupt_manifest_entry_is_named_with_its_fault(field, value, message):
    entry = {"id": "x-emblem", "name": "X", "agency": "A", "kind": "badge", "restriction": "restricted"}
    entry[field] = value
    with pytest.raises(ManifestError, match=message):
        parse_manifest({"emblems": [entry]})


def test_an_interrupted_build_leaves_the_existing_catalogue_intact(home, monkeypatch):
    before = home.catalogue_db.read_bytes()

    def interrupted(*args, **kwargs):  # the outermost event: the user presses Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(catalogue_pkg.build, "rendering_rows", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_catalogue(home)
    assert home.catalogue_db.read_bytes() == before
    assert not list(home.root.glob(".catalogue.db.*"))


def _badge_png(path: Path, colour=(20, 60, 160)) -> Path:
    image = Image.new("RGBA", (300, 360), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon([(20, 20), (280, 20), (280, 200), (150, 340), (20, 200)], fill=colour + (255,))
    draw.ellipse([90, 70, 210, 190], fill=(230, 190, 40, 255))
    draw.rectangle([135, 110, 165, 260], fill=(250, 250, 250, 255))
    image.save(path)
    return path


def test_add_attaches_artwork_to_a_shipped_entry_and_remove_detaches_it(home, tmp_path):
    result = cli("catalogue", "add", str(_badge_png(tmp_path / "badge.png")), "--id", "cbsa-badge", home=home)
    assert result.exit_code == 0, result.output
    count = 3 + len(SYNTHESISED)  # white, black, grey and the materials
    assert f"updated cbsa-badge: {count} rendering(s) added" in result.output
    states = {lst.emblem.id: (lst.artwork, lst.renderings) for lst in listings(home.catalogue_db)}
    assert states["cbsa-badge"] == ("ready", count)
    build_catalogue(home)  # a rebuild replays the user's additions
    assert {lst.emblem.id: lst.renderings for lst in listings(home.catalogue_db)}["cbsa-badge"] == count
    result = cli("catalogue", "remove", "cbsa-badge", home=home)
    assert result.exit_code == 0, result.output
    assert {lst.emblem.id: lst.artwork for lst in listings(home.catalogue_db)}["cbsa-badge"] == "needs artwork"


def test_add_creates_a_new_emblem_that_scan_then_finds(home, tmp_path):
    badge = _badge_png(tmp_path / "crest.png", colour=(150, 20, 20))
    result = cli("catalogue", "add", str(badge), "--id", "my-crest", "--name", "My crest", "--agency",
                 "Example agency", "--kind", "badge", "--restriction", "caution", home=home)
    assert result.exit_code == 0, result.output
    copy = tmp_path / "copy.jpg"
    flat = Image.new("RGB", (300, 360), "white")
    flat.paste(Image.open(badge), mask=Image.open(badge))
    flat.resize((150, 180)).save(copy, quality=85)
    result = cli("scan", str(copy), "--fail-on", "caution", home=home)
    assert result.exit_code == 1, result.output
    assert "my-crest: My crest [caution]" in result.output
    assert remove(home, "my-crest").startswith("removed my-crest")
    with pytest.raises(UnknownEmblem):
        Catalogue.open(home.catalogue_db).emblem("my-crest")


def test_add_refuses_missing_fields_unknown_ids_and_duplicates(home, tmp_path):
    badge = _badge_png(tmp_path / "b.png")
    result = cli("catalogue", "add", str(badge), "--id", "new-one", "--name", "Only a name", home=home)
    assert result.exit_code == 2 and "needs --agency, --kind, --restriction" in result.output
    result = cli("catalogue", "add", str(badge), "--id", "no-such-emblem", home=home)
    assert result.exit_code == 2 and "no emblem 'no-such-emblem'" in result.output
    add_artwork(home, badge, emblem_id="cbsa-badge")
    with pytest.raises(CatalogueError, match="already attached"):
        add_artwork(home, badge, emblem_id="cbsa-badge")


def test_add_refuses_an_svg_that_reaches_outside(home, tmp_path):
    svg = tmp_path / "evil.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
                   'width="10" height="10"><image xlink:href="file:///etc/passwd" width="10" height="10"/></svg>')
    before = home.catalogue_db.read_bytes()
    with pytest.raises(UnsafeSvg, match="outside resource"):
        add_artwork(home, svg, emblem_id="cbsa-badge")
    assert home.catalogue_db.read_bytes() == before


def test_add_refuses_formats_outside_the_list(home, tmp_path):
    bmp = tmp_path / "badge.bmp"
    Image.new("RGB", (50, 50), "red").save(bmp)
    result = cli("catalogue", "add", str(bmp), "--id", "cbsa-badge", home=home)
    assert result.exit_code == 3 and "BMP artwork is not accepted" in result.output


def test_remove_refuses_a_shipped_entry_without_user_artwork(home):
    result = cli("catalogue", "remove", "gc-signature-en", home=home)
    assert result.exit_code == 2 and "shipped entry" in result.output


def test_show_and_missing_catalogue_messages(home, empty_home):
    result = cli("catalogue", "show", "cbsa-coat-of-arms", "--format", "json", home=home)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["granted"] == "2010-06-15" and "Vol. V, p. 521" in shown["basis"]
    result = cli("catalogue", "list", home=empty_home)
    assert result.exit_code == 2 and "run `emblemcheck catalogue build`" in result.output


def test_home_comes_from_the_environment(home, monkeypatch):
    monkeypatch.setenv("EMBLEMCHECK_HOME", os.fspath(home.root))
    result = runner.invoke(app, ["catalogue", "list"])
    assert result.exit_code == 0 and "canada-flag" in result.output
