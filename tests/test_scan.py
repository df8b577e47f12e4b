"""`emblemcheck scan`: findings, JSON schema, exit codes, bad inputs."""

from __future__ import annotations

import json
import struct
import zlib

import jsonschema
import pytest
from pictures import jpeg, photo_like, rendered
from PIL import Image
from typer.testing import CliRunner

from emblemcheck import scan_image
from emblemcheck.cli import app
from emblemcheck.exitcodes import exit_code
from emblemcheck.resources import data_dir

runner = CliRunner()
SCHEMA = json.loads((data_dir() / "scan-output.schema.json").read_text())


def scan(*args: str, home):
    return runner.invoke(app, ["scan", *args, "--home", str(home.root)])


@pytest.mark.parametrize("variant", ["black", "colour", "reversed", "white"])
def test_a_resized_jpeg_of_the_english_signature_is_flagged_in_every_variant(built_home, tmp_path, variant):
    picture = jpeg(rendered(built_home, "gc-signature-en", variant, width=700).resize((480, 46)),
                   tmp_path / f"sig-{variant}.jpg", quality=70)
    result = scan(str(picture), home=built_home)
    assert result.exit_code == 1, result.output
    assert "gc-signature-en: Government of Canada signature (English-first) [restricted]" in result.output
    assert "gc-signature-fr" not in result.output
    assert "Do not use any Government of Canada corporate symbols or signatures" in result.output
    assert "rescinded on 2014-06-09" in result.output
    assert "as quoted in a 2011 blog post by a Canada Border Services Agency officer about this guideline" \
        in result.output
    assert "The guideline itself is Treasury Board of Canada Secretariat policy document 24835" in result.output


def test_the_french_first_signature_is_not_reported_as_the_english_one(built_home, tmp_path):
    picture = jpeg(rendered(built_home, "gc-signature-fr", "black", width=800), tmp_path / "fr.jpg")
    result = scan(str(picture), home=built_home)
    assert result.exit_code == 1, result.output
    assert "gc-signature-fr:" in result.output and "gc-signature-en:" not in result.output


def test_a_photo_without_emblems_is_clean_and_exits_0(built_home, tmp_path):
    picture = jpeg(photo_like(), tmp_path / "photo.jpg")
    result = scan(str(picture), home=built_home)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"{picture}: clean"


def test_the_national_flag_is_information_only(built_home, tmp_path):
    flag = jpeg(Image.open(scan_flag_png(built_home, tmp_path)), tmp_path / "flag.jpg")
    result = scan(str(flag), home=built_home)
    assert result.exit_code == 0, result.output
    assert "canada-flag: National Flag of Canada [information only]" in result.output
    assert scan(str(flag), "--fail-on", "permitted", home=built_home).exit_code == 1


def scan_flag_png(home, tmp_path):
    from emblemcheck.catalogue import Catalogue

    rgb = Catalogue.open(home.catalogue_db).rendering_image("canada-flag/canada-flag/original")
    path = tmp_path / "flag.png"
    Image.fromarray(rgb).resize((360, 180)).save(path)
    return path


def test_json_output_follows_the_schema_and_names_the_box(built_home, tmp_path):
    picture = jpeg(rendered(built_home, "canada-wordmark", "colour", width=500), tmp_path / "wm.jpg")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image at all")
    result = scan(str(picture), str(broken), "--format", "json", home=built_home)
    assert result.exit_code == 3, result.output
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    error, flagged = document["files"]  # sorted by path: broken.png, wm.jpg
    assert flagged["status"] == "flagged" and flagged["findings"][0]["emblem_id"] == "canada-wordmark"
    assert flagged["findings"][0]["box"] == [0, 0, flagged["width"], flagged["height"]]
    assert error["status"] == "error" and "not an image" in error["error"] and error["findings"] == []
    assert document["summary"]["files"] == 2 and document["summary"]["errors"] == 1
    assert document["summary"]["findings_by_restriction"] == {"restricted": 1, "caution": 0, "permitted": 0}


def _truncated_png(tmp_path):
    good = tmp_path / "good.png"
    photo_like(200, 150).save(good)
    data = good.read_bytes()
    path = tmp_path / "truncated.png"
    path.write_bytes(data[: len(data) // 2])
    return path


def _bomb_png(tmp_path):
    # A valid PNG header claiming 20000 x 20000 pixels (400 MP, over the limit),
    # built by hand so the test never allocates it.
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)
    path = tmp_path / "bomb.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100))
                     + chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize("make, reason", [
    (lambda t: t / "missing.png", "no such file"),
    (lambda t: t / "no-such-folder" / "x.png", "no such file"),
    (_truncated_png, "unreadable image"),
    (lambda t: (t / "notes.jpg").write_text("hello") and t / "notes.jpg", "not an image"),
    (_bomb_png, "over the pixel limit of 100,000,000"),
    (lambda t: (t / "empty.png").write_bytes(b"") or t / "empty.png", "empty file"),
])
def test_bad_inputs_are_one_line_errors_exit_3_and_the_rest_is_still_scanned(built_home, tmp_path, make, reason):
    bad = make(tmp_path)
    good = jpeg(photo_like(), tmp_path / "fine.jpg")
    result = scan(str(bad), str(good), home=built_home)
    assert result.exit_code == 3, result.output
    lines = result.output.splitlines()
    errors = [line for line in lines if line.startswith(f"{bad}: ERROR ")]
    assert len(errors) == 1 and reason in errors[0], result.output
    assert f"{good}: clean" in lines
    assert lines[-1] == "2 file(s): 0 flagged, 1 clean, 1 error(s)"
    assert "Traceback" not in result.output


def test_fail_on_never_and_usage_errors(built_home, tmp_path):
    picture = jpeg(rendered(built_home, "gc-signature-en", "black"), tmp_path / "sig.jpg")
    assert scan(str(picture), "--fail-on", "never", home=built_home).exit_code == 0
    assert scan(str(picture), "--fail-on", "sometimes", home=built_home).exit_code == 2
    assert runner.invoke(app, ["scan"]).exit_code == 2


def test_output_file_and_python_api(built_home, tmp_path):
    picture = jpeg(rendered(built_home, "gc-signature-en", "colour"), tmp_path / "sig.jpg")
    report = tmp_path / "report.json"
    result = scan(str(picture), "-f", "json", "-o", str(report), home=built_home)
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(report.read_text())["summary"]["flagged"] == 1
    api = scan_image(picture, home=built_home)
    assert api.status == "flagged" and api.findings[0].emblem_id == "gc-signature-en"


def test_exit_code_precedence():
    from emblemcheck.models import FileResult, Finding, Restriction

    found = FileResult("a", "flagged", findings=(Finding("x", "X", Restriction.CAUTION, 0.9, "pdq", (0, 0, 1, 1)),))
    broken = FileResult("b", "error", error="bad")
    assert exit_code([found], Restriction.RESTRICTED) == 0
    assert exit_code([found], Restriction.CAUTION) == 1
    assert exit_code([found, broken], Restriction.CAUTION) == 3
    assert exit_code([found], None) == 0


def test_every_scan_is_recorded_in_scans_db(home, tmp_path):
    import sqlite_utils

    picture = jpeg(rendered(home, "gc-signature-en", "colour"), tmp_path / "sig.jpg")
    scan(str(picture), home=home)
    db = sqlite_utils.Database(home.scans_db)
    row = db["files"].get(str(picture))
    assert row["status"] == "flagged" and row["thumbnail"][:2] == b"\xff\xd8"
    assert [f["emblem_id"] for f in db["findings"].rows] == ["gc-signature-en"]
    assert db["runs"].count == 1


def test_a_clean_picture_close_to_an_emblem_records_its_near_miss(home, tmp_path):
    import sqlite_utils
    from PIL import ImageDraw

    picture = rendered(home, "gc-signature-en", "black", width=400)
    ImageDraw.Draw(picture).rectangle([0, 0, int(picture.width * 0.33), picture.height], fill="white")
    path = tmp_path / "words-only.png"
    picture.save(path)  # the words without the flag symbol: not the signature, but close to it
    result = scan(str(path), "--format", "json", home=home)
    assert result.exit_code == 0, result.output
    (file,) = json.loads(result.stdout)["files"]
    jsonschema.validate(json.loads(result.stdout), SCHEMA)
    assert file["status"] == "clean" and file["findings"] == []
    assert file["near_miss"]["emblem_id"] == "gc-signature-en" and 0 < file["near_miss"]["score"] < 0.5
    row = sqlite_utils.Database(home.scans_db)["files"].get(str(path))
    assert (row["near_emblem_id"], row["best_score"]) == ("gc-signature-en", file["near_miss"]["score"])


# --- what the catalogue cannot find ------------------------------------------

NO_ARTWORK = ["arms-of-canada", "cbsa-coat-of-arms", "cbsa-badge", "cbsa-heraldic-flash", "cbsa-heraldic-shield"]
BADGE_FIX = ("cbsa-badge (Canada Border Services Agency badge): no artwork attached: attach the official file "
             "with `emblemcheck catalogue add FILE --id cbsa-badge` or import a brand kit with "
             "`emblemcheck catalogue import DIR`")


def test_a_clean_text_verdict_says_once_which_entries_cannot_be_found(built_home, tmp_path):
    picture = jpeg(photo_like(), tmp_path / "photo.jpg")
    result = scan(str(picture), home=built_home)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "This scan cannot find 5 catalogue entries:" in lines
    assert f"  {BADGE_FIX}" in lines
    assert [line.split(" ", 3)[2] for line in lines if line.startswith("  ") and "no artwork" in line] == NO_ARTWORK
    assert sum("cbsa-badge" in line for line in lines) == 1  # said once
    assert lines[-1].startswith("1 file(s):")


def test_json_names_the_catalogue_version_and_the_undetectable_ids(built_home, tmp_path):
    picture = jpeg(photo_like(), tmp_path / "photo.jpg")
    result = scan(str(picture), "--format", "json", home=built_home)
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    catalogue = document["catalogue"]
    assert catalogue["version"] == document["catalogue_version"] and catalogue["version"]
    assert catalogue["undetectable"] == NO_ARTWORK
    assert catalogue["whole_picture_only"] == []
    assert catalogue["reasons"]["cbsa-badge"] == BADGE_FIX.split(": ", 1)[1]
