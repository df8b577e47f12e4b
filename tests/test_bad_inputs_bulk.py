"""Bad inputs in a folder: each reported with its reason, in every format, counted, never stopping the run."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from bulk_tree import cli, photo, save
from pictures import png_bytes
from PIL import Image


@pytest.fixture(scope="module")
def bad_tree(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A folder of bad inputs and, per name, a word its reason must contain."""
    root = tmp_path_factory.mktemp("bad")
    good = save(photo(1), root / "good.jpg", quality=90).read_bytes()
    png = png_bytes(photo(2))
    (root / "zero.jpg").write_bytes(b"")
    (root / "truncated.jpg").write_bytes(good[: len(good) // 3])
    (root / "truncated.png").write_bytes(png[: len(png) // 3])
    (root / "text.png").write_text("this is not a picture\n")
    bomb = Image.new("1", (12_000, 9_000))  # 108 megapixels, over the 100 MP limit, a few KB as PNG
    bomb.save(root / "bomb.png")
    frames = [Image.new("P", (32, 32), n % 200) for n in range(500)]
    frames[0].save(root / "long.gif", save_all=True, append_images=frames[1:])
    exif = good.replace(b"\xff\xd8", b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00*\xff\xff\xff\xff", 1)
    (root / "bad-exif.jpg").write_bytes(exif)
    os.symlink(".", root / "loop")
    (root / "new\nline.jpg").write_text("not a picture")
    (root / os.fsdecode(b"caf\xe9.jpg")).write_text("not a picture")
    expected = {"zero.jpg": "empty", "truncated.jpg": "", "truncated.png": "", "text.png": "not an image",
                "bomb.png": "pixel limit", "loop": "loop", "new\\nline.jpg": "not an image",
                "caf\\xe9.jpg": "not an image"}
    return root, expected


def _scan(home, root, *args):
    return cli("scan", str(root), "--rescan", "--workers", "2", *args, home=home.root)


def test_every_bad_input_is_reported_in_text(badge_home, bad_tree):
    root, expected = bad_tree
    result = _scan(badge_home, root)
    assert result.exit_code == 3, result.output
    for name, word in expected.items():
        line = next((line for line in result.output.splitlines() if line.startswith(f"{root}/{name}: ERROR")), None)
        assert line is not None, f"{name} missing from:\n{result.output}"
        assert word in line
    summary = result.output.splitlines()[-1]
    assert f"{len(expected)} error(s)" in summary
    assert "3 clean" in summary  # good.jpg, the 500-frame GIF and the corrupt-EXIF JPEG still scan


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "sarif", "html"])
def test_every_bad_input_is_reported_in_each_format(badge_home, bad_tree, fmt, tmp_path):
    root, expected = bad_tree
    out = tmp_path / f"report.{fmt}"
    result = _scan(badge_home, root, "--format", fmt, "-o", str(out))
    assert result.exit_code == 3, result.output
    text = out.read_text("utf-8")
    if fmt == "json":
        errors = {Path(f["path"]).name: f["error"] for f in json.loads(text)["files"] if f["status"] == "error"}
        assert json.loads(text)["summary"]["errors"] == len(expected)
    elif fmt == "jsonl":
        errors = {Path(d["path"]).name: d["error"] for d in map(json.loads, text.splitlines())
                  if d.get("status") == "error"}
    elif fmt == "csv":
        errors = {Path(r["path"]).name: r["reason"] for r in csv.DictReader(io.StringIO(text))
                  if r["status"] == "error"}
        assert len(text.splitlines()) == len(list(csv.DictReader(io.StringIO(text)))) + 1  # no record spans lines
    elif fmt == "sarif":
        notes = json.loads(text)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        errors = {n["message"]["text"].split(": ", 1)[0].rsplit("/", 1)[-1]: n["message"]["text"]
                  for n in notes if n["level"] == "error"}
    else:
        errors = {name: "" for name in expected if name.replace("\\", "&#x5c;") in text or name in text}
        assert "new\nline" not in text
    names = {name.replace("\n", "\\n") for name in errors}
    assert names == set(expected), errors


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode; chmod 000 proves nothing")
def test_unreadable_file_is_reported(badge_home, tmp_path):
    path = save(photo(1), tmp_path / "secret.png")
    path.chmod(0)
    try:
        result = _scan(badge_home, tmp_path)
    finally:
        path.chmod(0o644)
    assert f"{path}: ERROR permission denied" in result.output


def test_file_deleted_during_the_scan_is_reported(badge_home, tmp_path):
    from emblemcheck.scan.folder import BulkOptions, scan_tree
    from emblemcheck.scan.scanner import VANISHED

    save(photo(1), tmp_path / "a.png")
    doomed = save(photo(2), tmp_path / "b.png")

    def delete_next(result, reused):
        if doomed.exists():
            doomed.unlink()

    outcome = scan_tree([tmp_path], home_root=badge_home.root, options=BulkOptions(workers=1, rescan=True),
                        on_result=delete_next)
    errors = {r.path: r.error for r in outcome.results if r.status == "error"}
    # A folder's files are listed (and held, to pair originals with their copies) before the first is
    # scanned, so b.png goes after the walk saw it and the scanner says so.
    assert errors == {str(doomed): VANISHED}


def test_folder_that_does_not_exist(badge_home, tmp_path):
    result = cli("scan", str(tmp_path / "nope"), str(tmp_path), "--format", "csv", home=badge_home.root)
    assert result.exit_code == 3
    assert f"{tmp_path}/nope,{tmp_path}/nope,error" in result.output
    assert "no such file or folder" in result.output
