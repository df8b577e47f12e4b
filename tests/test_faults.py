"""Faults end in one clear line: a documented exit code, the file named, what to do, never a traceback.

Each test is one fault of the hostile-input battery (issue 15), run through the CLI.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sqlite3
import struct
import subprocess
import sys
import time
import zlib
from contextlib import closing
from pathlib import Path

import pytest
from pictures import photo_like, rendered
from PIL import Image
from typer.testing import CliRunner

from emblemcheck.cli import app
from emblemcheck.exitcodes import ExitCode
from emblemcheck.scan import history

runner = CliRunner()


def one_error_line(result, code: ExitCode, *needles: str) -> str:
    """Assert ``result`` exited with ``code``, printed one ``error:`` line holding ``needles``, and no traceback."""
    output = result.stdout + result.stderr
    assert result.exit_code == code, output
    assert "Traceback" not in output, output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    for needle in needles:
        assert needle in lines[0], output
    return lines[0]


# ------------------------------------------------------------------ any command


def test_an_unexpected_error_is_one_line_and_its_own_exit_code(monkeypatch, tmp_path):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("emblemcheck.reports.explain.explain_image", broken)
    args = ["explain", str(tmp_path / "a.png"), "-o", str(tmp_path / "why.png")]
    one_error_line(runner.invoke(app, args), ExitCode.INTERNAL, "internal error", "ZeroDivisionError: a bug",
                   "--debug")
    debugged = runner.invoke(app, ["--debug", *args])
    assert debugged.exit_code == ExitCode.INTERNAL
    assert "Traceback" in debugged.stderr and debugged.stderr.rstrip().splitlines()[-1].startswith("error: ")
    assert ExitCode.INTERNAL not in (ExitCode.FOUND, ExitCode.CLEAN)


# ------------------------------------------------------------------ 11: the output path


@pytest.mark.parametrize("command", ["scan", "baseline"])
def test_a_missing_output_folder_is_refused_before_the_scan(built_home, tmp_path, command):
    picture = tmp_path / "a.png"
    photo_like(64, 64).save(picture)
    report = tmp_path / "missing-folder" / "report.json"
    result = runner.invoke(app, [command, str(picture), "-o", str(report), "--home", str(built_home.root)])
    one_error_line(result, ExitCode.USAGE, str(report), "does not exist")
    assert not report.parent.exists()


def test_explain_checks_its_output_before_it_works(built_home, tmp_path):
    why = tmp_path / "nowhere" / "why.png"
    result = runner.invoke(app, ["explain", str(tmp_path / "a.png"), "-o", str(why), "--home", str(built_home.root)])
    one_error_line(result, ExitCode.USAGE, str(why), "does not exist")


def test_an_output_that_is_a_folder_is_refused(built_home, tmp_path):
    picture = tmp_path / "a.png"
    photo_like(64, 64).save(picture)
    result = runner.invoke(app, ["scan", str(picture), "-o", str(tmp_path), "--home", str(built_home.root)])
    assert result.exit_code == ExitCode.USAGE, result.output
    assert "Traceback" not in result.output


# ------------------------------------------------------------------ 6: CSV formula injection


@pytest.mark.parametrize("name", ["=HYPERLINK(1).png", "+1.png", "-1.png", "@SUM(1).png"])
def test_csv_cells_that_would_be_formulas_get_an_apostrophe(built_home, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    photo_like(64, 64).save(tmp_path / name, "PNG")
    result = runner.invoke(app, ["scan", "--format", "csv", "--home", str(built_home.root), "--", name])
    assert result.exit_code == ExitCode.CLEAN, result.output
    (row,) = list(csv.reader(io.StringIO(result.stdout)))[1:]
    assert row[0] == row[1] == "'" + name
    assert "Traceback" not in result.output


def test_csv_escapes_tab_and_carriage_return_starts_too():
    from emblemcheck.models import FileResult
    from emblemcheck.reports import ScanContext, render

    text = render([FileResult("\tx.png", "error", error="\rbad")], "csv", "v", ScanContext())
    header, row = list(csv.reader(io.StringIO(text)))
    assert row[0] == "'\tx.png"  # a result's path is taken as printable() made it
    # A message is escaped first, and then starts with nothing to evaluate.
    assert row[header.index("reason")] == "\\rbad"
    formula = list(csv.reader(io.StringIO(render([FileResult("ok.png", "error", error="=1+1")], "csv", "v",
                                                    ScanContext()))))[1]
    assert formula[header.index("reason")] == "'=1+1"


# ------------------------------------------------------------------ 7: distinct names stay distinct


def test_a_newline_and_a_backslash_n_are_two_files_in_every_output(home, tmp_path):
    folder = tmp_path / "pics"
    folder.mkdir()
    rendered(home, "canada-wordmark", "black", width=500).save(folder / "a\nb.png")
    photo_like(200, 150).save(folder / "a\\nb.png", "PNG")
    result = runner.invoke(app, ["scan", str(folder), "--format", "json", "--workers", "1",
                                 "--home", str(home.root)])
    assert result.exit_code == ExitCode.FOUND, result.output
    statuses = {Path(f["path"]).name: f["status"] for f in json.loads(result.stdout)["files"]}
    assert statuses == {"a\\nb.png": "flagged", "a\\\\nb.png": "clean"}
    with closing(sqlite3.connect(home.scans_db)) as db:
        stored = dict(db.execute("select path, status from files"))
    assert sorted(stored.values()) == ["clean", "flagged"]


# ------------------------------------------------------------------ 9: the pixel limit is the documented one


def png_header(width: int, height: int) -> bytes:
    """A PNG that announces ``width`` x ``height`` and holds one row: enough to be opened, not decoded."""
    buffer = io.BytesIO()
    Image.new("L", (8, 1)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def test_the_pixel_limit_is_100_million_not_pillows():
    from emblemcheck.errors import ImageTooLarge
    from emblemcheck.media.decode import MAX_PIXELS, open_image

    assert MAX_PIXELS == 100_000_000
    assert open_image(png_header(10_000, 9_500)).size == (10_000, 9_500)  # 95 Mpx: Pillow alone warns
    with pytest.raises(ImageTooLarge, match="pixel limit of 100,000,000"):
        open_image(png_header(10_001, 10_000))


def test_a_picture_over_the_limit_is_one_error_line(built_home, tmp_path):
    big = tmp_path / "big.png"
    big.write_bytes(png_header(20_000, 20_000))
    result = runner.invoke(app, ["scan", str(big), "--format", "json", "--home", str(built_home.root)])
    one_error_line(result, ExitCode.UNREADABLE, str(big), "over the pixel limit of 100,000,000")
    under = tmp_path / "under.png"
    under.write_bytes(png_header(10_000, 9_500))
    result = runner.invoke(app, ["scan", str(under), "--format", "json", "--home", str(built_home.root)])
    assert "pixel limit" not in one_error_line(result, ExitCode.UNREADABLE, str(under))


# ------------------------------------------------------------------ 8: a truncated animation


def test_a_truncated_animated_gif_is_truncated_not_an_internal_error(built_home, tmp_path):
    frames = [Image.effect_noise((64, 64), 40 + i).convert("RGB") for i in range(6)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    data = buffer.getvalue()
    cut = next(n for n in range(len(data) // 2, len(data)) if _fails_counting(data[:n]))
    gif = tmp_path / "cut.gif"
    gif.write_bytes(data[:cut])
    result = runner.invoke(app, ["scan", str(gif), "--format", "json", "--home", str(built_home.root)])
    line = one_error_line(result, ExitCode.UNREADABLE, str(gif), "truncated")
    assert "internal error" not in line


def _fails_counting(data: bytes) -> bool:
    """Whether Pillow's own frame count fails on ``data`` (the IndexError the battery met)."""
    try:
        return Image.open(io.BytesIO(data)).n_frames < 0
    except IndexError:
        return True
    except Exception:  # noqa: BLE001 - any other failure is not the case under test
        return False


# ------------------------------------------------------------------ 12: library warnings


def test_pillow_warnings_never_reach_stderr(built_home, tmp_path):
    tiff = b"II*\x00" + struct.pack("<IH", 8, 1) + struct.pack("<HHII", 0x010F, 2, 5000, 100000) + b"\0" * 4
    picture = tmp_path / "bad-exif.jpg"
    photo_like(64, 64).save(picture, "JPEG", exif=b"Exif\x00\x00" + tiff)
    with pytest.warns(UserWarning, match="Tag data larger than file"):
        Image.open(picture).getexif()  # Pillow warns about this file on its own
    run = subprocess.run([sys.executable, "-m", "emblemcheck", "scan", str(picture), "--home", str(built_home.root)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == ExitCode.CLEAN, run.stdout + run.stderr
    assert run.stderr == ""


# ------------------------------------------------------------------ 2-3: SVG size, bytes and time in every command

TALL = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="100000000"/>'


def _svg_commands(home, picture: Path, tmp_path: Path) -> dict[str, list[str]]:
    root = ["--home", str(home.root)]
    return {
        "scan": ["scan", str(picture), "--format", "json", *root],
        "explain": ["explain", str(picture), "-o", str(tmp_path / "why.png"), *root],
        "catalogue add": ["catalogue", "add", str(picture), "--id", "cbsa-badge", *root],
    }


@pytest.mark.parametrize("command", ["scan", "explain", "catalogue add"])
def test_an_svg_1px_wide_and_10_to_the_8_tall_is_refused_in_every_command(home, tmp_path, command):
    picture = tmp_path / "tall.svg"
    picture.write_bytes(TALL)
    result = runner.invoke(app, _svg_commands(home, picture, tmp_path)[command])
    one_error_line(result, ExitCode.UNREADABLE, "tall.svg", "aspect ratio")


@pytest.mark.parametrize("command", ["scan", "explain", "catalogue add"])
def test_an_svg_over_the_byte_limit_is_refused_in_every_command(home, tmp_path, command):
    picture = tmp_path / "long-path.svg"
    picture.write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><path d="'
                        + b"M0 0L1 1" * 1_300_000 + b'"/></svg>')
    result = runner.invoke(app, _svg_commands(home, picture, tmp_path)[command])
    one_error_line(result, ExitCode.UNREADABLE, "long-path.svg", "over the limit of 10,000,000")


@pytest.mark.parametrize("command", ["scan", "explain", "catalogue add"])
def test_rasterising_an_svg_has_a_time_limit_in_every_command(home, tmp_path, command, monkeypatch):
    monkeypatch.setattr("emblemcheck.media.svg.RENDER_TIMEOUT", 0.3)
    blurred = "".join(f'<rect x="{i}" y="{i}" width="900" height="900" fill="#{i % 9}0{i % 7}" filter="url(#b)"/>'
                      for i in range(40))
    picture = tmp_path / "slow.svg"
    picture.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="1000"><defs><filter id="b">'
                       f'<feGaussianBlur stdDeviation="60"/></filter></defs>{blurred}</svg>', "utf-8")
    result = runner.invoke(app, _svg_commands(home, picture, tmp_path)[command])
    one_error_line(result, ExitCode.UNREADABLE, "slow.svg", "longer than 0.3 s")


# ------------------------------------------------------------------ 4-5: damaged, locked or unwritable databases

GARBAGE = b"this is not an SQLite database " * 200


def _picture(tmp_path: Path) -> Path:
    picture = tmp_path / "a.png"
    photo_like(64, 64).save(picture)
    return picture


@pytest.mark.parametrize("command", [["catalogue", "list"], ["catalogue", "show", "cbsa-badge"], ["scan"],
                                     ["explain"], ["browse"]])
def test_a_damaged_catalogue_says_to_run_catalogue_build(home, tmp_path, command):
    home.catalogue_db.write_bytes(GARBAGE)
    args = list(command)
    if command == ["scan"]:
        args += [str(_picture(tmp_path)), "--format", "json"]
    if command == ["explain"]:
        args += [str(_picture(tmp_path)), "-o", str(tmp_path / "why.png")]
    if command == ["browse"]:
        history.open_scans(home.scans_db).close()
    result = runner.invoke(app, [*args, "--home", str(home.root)])
    one_error_line(result, ExitCode.USAGE, str(home.catalogue_db), "damaged", "catalogue build")


@pytest.mark.parametrize("folder", [False, True])
def test_a_damaged_scans_db_is_moved_aside_and_a_new_one_started(home, tmp_path, folder):
    home.scans_db.write_bytes(GARBAGE)
    (tmp_path / "pics").mkdir()
    target = _picture(tmp_path / "pics")
    args = ["scan", str(target.parent if folder else target), "--format", "json", "--workers", "1"]
    result = runner.invoke(app, [*args, "--home", str(home.root)])
    assert result.exit_code == ExitCode.CLEAN, result.output
    assert "Traceback" not in result.output
    (aside,) = home.root.glob("scans.db.damaged-*")
    assert aside.read_bytes() == GARBAGE  # kept, never deleted
    (note,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert note.startswith("note: ") and str(home.scans_db) in note and str(aside) in note, result.stderr
    with closing(sqlite3.connect(home.scans_db)) as db:
        assert db.execute("select count(*) from files").fetchone() == (1,)


def test_a_scans_db_that_cannot_be_opened_is_one_line(home, tmp_path):
    home.scans_db.mkdir()  # root writes anywhere; a folder in the database's place cannot be opened by anyone
    result = runner.invoke(app, ["scan", str(_picture(tmp_path)), "--format", "json", "--home", str(home.root)])
    one_error_line(result, ExitCode.USAGE, f"cannot write {home.scans_db}", "--home")


def test_a_home_that_cannot_be_created_is_one_line(tmp_path):
    result = runner.invoke(app, ["catalogue", "build", "--home", "/proc/emblemcheck-home"])
    one_error_line(result, ExitCode.USAGE, "/proc/emblemcheck-home")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes whatever the mode; the tests above cover root")
@pytest.mark.parametrize("command", [["scan"], ["catalogue", "build", "--from", "."]])
def test_a_read_only_home_is_one_line_naming_the_file(home, tmp_path, command):
    picture = _picture(tmp_path)
    home.root.chmod(0o555)
    try:
        args = [*command, str(picture), "--format", "json"] if command == ["scan"] else command
        result = runner.invoke(app, [*args, "--home", str(home.root)])
    finally:
        home.root.chmod(0o755)
    one_error_line(result, ExitCode.USAGE, str(home.root))


def test_a_scan_that_waits_too_long_for_the_lock_says_another_scan_holds_it(home, tmp_path, monkeypatch):
    monkeypatch.setattr("emblemcheck.dbfaults.BUSY_TIMEOUT", 0.2)
    picture = _picture(tmp_path)
    assert runner.invoke(app, ["scan", str(picture), "--home", str(home.root)]).exit_code == ExitCode.CLEAN
    with closing(sqlite3.connect(home.scans_db, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        result = runner.invoke(app, ["scan", str(picture), "--format", "json", "--home", str(home.root)])
        other.execute("ROLLBACK")
    one_error_line(result, ExitCode.USAGE, str(home.scans_db), "held by another emblemcheck")


# ------------------------------------------------------------------ 1: two scans at once


def test_two_scans_on_one_home_at_the_same_time_both_finish_with_complete_records(home, tmp_path):
    folder = tmp_path / "pics"
    folder.mkdir()
    for n in range(6):
        photo_like(120, 90, seed=n).save(folder / f"{n}.png")
    command = [sys.executable, "-m", "emblemcheck", "scan", str(folder), "--format", "json", "--workers", "1",
               "--rescan", "--home", str(home.root)]
    runs = [subprocess.Popen([*command, "-o", str(tmp_path / f"report-{n}.json")], stderr=subprocess.PIPE, text=True)
            for n in range(2)]
    for run in runs:
        assert run.wait(timeout=300) == ExitCode.CLEAN, run.stderr.read()
        assert run.stderr.read() == ""
    for n in range(2):
        assert json.loads((tmp_path / f"report-{n}.json").read_text("utf-8"))["summary"]["files"] == 6
    with closing(sqlite3.connect(home.scans_db)) as db:
        assert db.execute("select count(*), count(finished_at), sum(files) from runs").fetchone() == (2, 2, 12)
        assert db.execute("select count(*) from files where status = 'clean'").fetchone() == (6,)


# ------------------------------------------------------------------ 13: browse answers only its own Host


@pytest.mark.parametrize("host, status", [
    ("127.0.0.1:{port}", 200), ("rebound-name:{port}", 403), ("localhost:{port}", 403),
    ("127.0.0.1:1", 403), ("", 403),
])
def test_browse_refuses_a_host_that_is_not_the_loopback_address_and_port_it_serves(home, host, status):
    httpx = pytest.importorskip("httpx")
    from emblemcheck.browse.app import loopback_only, open_browser

    history.open_scans(home.scans_db).close()
    browser = open_browser(home, 0)
    try:
        port = browser.sock.getsockname()[1]
        guarded = loopback_only(browser.datasette.app(), browser.host)

        async def get():
            transport = httpx.ASGITransport(app=guarded)
            async with httpx.AsyncClient(transport=transport, base_url=browser.url) as client:
                return await client.get("/catalogue/emblems.json", headers={"host": host.format(port=port)})

        response = asyncio.run(get())
    finally:
        browser.sock.close()
    assert response.status_code == status, response.text
    if status == 403:
        assert f"only for http://127.0.0.1:{port}/" in response.text


# ------------------------------------------------------------------ 15: symbolic links out of the folder


def _linked_folder(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    photo_like(80, 60, seed=1).save(outside / "secret.png")
    folder = tmp_path / "uploads"
    (folder / "inner").mkdir(parents=True)
    photo_like(80, 60, seed=2).save(folder / "inner" / "own.png")
    os.symlink(outside / "secret.png", folder / "file-link.png")
    os.symlink(outside, folder / "folder-link")
    os.symlink(folder / "inner" / "own.png", folder / "inside-link.png")
    return folder


def test_symlinks_out_of_the_scanned_folder_are_not_followed(home, tmp_path):
    folder = _linked_folder(tmp_path)
    result = runner.invoke(app, ["scan", str(folder), "--format", "json", "--workers", "1", "--home", str(home.root)])
    assert result.exit_code == ExitCode.CLEAN, result.output
    assert "Traceback" not in result.output
    doc = json.loads(result.stdout)
    assert sorted(Path(f["path"]).name for f in doc["files"]) == ["inside-link.png", "own.png"]
    skipped = {Path(s["path"]).name: s["reason"] for s in doc["skipped"]}
    assert skipped["file-link.png"] == (f"symbolic link to {tmp_path / 'outside' / 'secret.png'}, outside the "
                                        "scanned folder (--follow-symlinks to follow it)")
    assert skipped["folder-link"].startswith(f"symbolic link to {tmp_path / 'outside'}, outside")
    assert "secret" not in result.stdout.replace("secret.png, outside", "")


def test_follow_symlinks_follows_them(home, tmp_path):
    folder = _linked_folder(tmp_path)
    result = runner.invoke(app, ["scan", str(folder), "--format", "json", "--workers", "1", "--follow-symlinks",
                                 "--home", str(home.root)])
    assert result.exit_code == ExitCode.CLEAN, result.output
    names = sorted(Path(f["path"]).name for f in json.loads(result.stdout)["files"])
    assert names == ["file-link.png", "inside-link.png", "own.png", "secret.png"]


RACER = """
import sys, time
from pathlib import Path
from emblemcheck.models import FileResult
from emblemcheck.scan import history
path, who, start = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
while time.time() < start:
    time.sleep(0.001)
db = history.open_scans(path)
run = history.start_run(db, catalogue_version="v", command=who)
done = []
for batch in range(40):
    results = [FileResult(f"/{who}/{batch}-{n}.png", "clean", sha256="0" * 64) for n in range(5)]
    history.record(db, run, results, catalogue_version="v")
    done += results
history.finish_run(db, run, done, seconds=1.0)
"""


@pytest.mark.parametrize("round_", range(3))
def test_scans_writing_one_fresh_scans_db_at_the_same_moment_all_complete(tmp_path, round_):
    # Three real processes open a fresh scans.db (migrations included) and write 40 batches at
    # the same instant: with deferred transactions one of them died "database is locked" about
    # one round in three.
    path = tmp_path / "scans.db"
    start = time.time() + 2.0
    racers = [subprocess.Popen([sys.executable, "-c", RACER, str(path), who, str(start)], stderr=subprocess.PIPE,
                               text=True) for who in "abc"]
    for racer in racers:
        assert racer.wait(timeout=120) == 0, racer.stderr.read()
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("select count(*), count(finished_at), sum(files) from runs").fetchone() == (3, 3, 600)
        assert db.execute("select count(*) from files").fetchone() == (600,)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full, the always-full device")
@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_a_full_disk_while_writing_the_report_is_one_line(built_home, tmp_path, fmt):
    result = runner.invoke(app, ["scan", str(_picture(tmp_path)), "--format", fmt, "-o", "/dev/full",
                                 "--home", str(built_home.root)])
    one_error_line(result, ExitCode.USAGE, "cannot write /dev/full", "No space left on device")


def test_a_bug_met_while_scanning_one_file_of_a_folder_exits_internal(home, tmp_path, monkeypatch):
    from multiprocessing import Pipe

    from emblemcheck.exitcodes import exit_code
    from emblemcheck.models import FileResult
    from emblemcheck.scan import pool
    from emblemcheck.scan.scanner import Scanner

    def broken(self, path, copies, **kwargs):
        raise IndexError("a bug")

    monkeypatch.setattr(Scanner, "scan_with_copies", broken)
    parent, child = Pipe()
    parent.send((str(_picture(tmp_path)), None, ()))
    parent.send(None)
    pool._worker_main(child, str(home.root), 100)  # the worker's loop, in this process
    assert parent.recv()[0] == "ready"
    _kind, (scanned,), _code = parent.recv()
    assert scanned.result.internal and scanned.result.error == "internal error while scanning: IndexError: a bug"
    unreadable = FileResult("b.png", "error", error="truncated")
    assert exit_code([scanned.result, unreadable], None) == ExitCode.INTERNAL
    assert exit_code([unreadable], None) == ExitCode.UNREADABLE
