"""Video: sampled frames, an emblem seen in many frames reported once with its first and last time."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from pictures import photo_like, rendered, video_of
from typer.testing import CliRunner

from emblemcheck.catalogue.store import Catalogue
from emblemcheck.cli import app
from emblemcheck.errors import ImageTooLarge
from emblemcheck.media import video
from emblemcheck.media.frames import iter_frames
from emblemcheck.resources import data_dir
from emblemcheck.scan.scanner import Scanner
from emblemcheck.scan.walk import sniff

runner = CliRunner()
SCHEMA = json.loads((data_dir() / "scan-output.schema.json").read_text())


@pytest.fixture(scope="module")
def scanner(built_home) -> Scanner:
    return Scanner(Catalogue.open(built_home.catalogue_db))


@pytest.fixture(scope="module")
def lower_third(built_home, tmp_path_factory) -> Path:
    """A 40-second 640 x 360 MP4, 2 fps: a photo, with the signature in the lower third from 0:15 to 0:30."""
    background = np.asarray(photo_like(640, 360, seed=6))
    with_signature = photo_like(640, 360, seed=6)
    with_signature.paste(rendered(built_home, "gc-signature-en", "colour", width=300), (40, 270))
    signed = np.asarray(with_signature)
    frames = [signed if 15 <= i / 2 < 30 else background for i in range(80)]
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    path.write_bytes(video_of(frames, fps=2, codec="libx264", container="mp4"))
    return path


def scan(*args: str, home):
    return runner.invoke(app, ["scan", *args, "--home", str(home.root), "--workers", "1", "-q"])


def test_an_mp4_with_the_signature_from_15_to_30_seconds_is_flagged_with_those_times(built_home, lower_third):
    result = scan(str(lower_third), home=built_home)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[1] == "  gc-signature-en: Government of Canada signature (English-first) [restricted]"
    # Sampled every 2 s: the samples inside 0:15-0:30 are 0:16 to 0:28.
    assert lines[2].startswith("    where: 0:16 to 0:28, x="), lines[2]
    document = json.loads(scan(str(lower_third), "-f", "json", home=built_home).stdout)
    jsonschema.validate(document, SCHEMA)
    [finding] = document["files"][0]["findings"]
    assert (finding["seconds"], finding["last_seconds"]) == (16.0, 28.0)
    assert (document["files"][0]["width"], document["files"][0]["height"]) == (640, 360)


@pytest.mark.parametrize("codec, container", [("libvpx-vp9", "webm"), ("mpeg4", "matroska"), ("libx264", "mov")])
def test_webm_mkv_and_mov_are_read(scanner, built_home, codec, container):
    still = photo_like(320, 240, seed=7)
    still.paste(rendered(built_home, "canada-wordmark", "colour", width=200), (60, 70))
    data = video_of([np.asarray(still)] * 6, fps=2, codec=codec, container=container)
    assert sniff(data[:1024]) == "VIDEO"
    result = scanner.scan_data(data, f"clip.{container}").result
    assert [(f.emblem_id, f.seconds, f.last_seconds) for f in result.findings] == [("canada-wordmark", 0.0, 2.0)]


def test_sampling_is_bounded_for_any_length():
    assert video.sample_times(45) == [float(t) for t in range(0, 46, 2)][:23]
    for hours in (2, 10):
        times = video.sample_times(hours * 3600)
        assert len(times) == video.MAX_SAMPLES and times[1] == hours * 3600 / video.MAX_SAMPLES
    assert video.sample_times(0) == [0.0]


def test_a_two_hour_video_is_sampled_evenly_and_quickly(scanner):
    frames = [np.full((64, 64, 3), i % 256, np.uint8) for i in range(1440)]  # two hours at one frame per 5 s
    data = video_of(frames, fps=0.2, codec="libx264", container="mp4")
    sampled = list(iter_frames(data, "film.mp4"))
    step = 7200 / video.MAX_SAMPLES
    assert [f.seconds for f in sampled] == [i * step for i in range(video.MAX_SAMPLES)]
    started = time.perf_counter()
    assert scanner.scan_data(data, "film.mp4").result.status == "clean"
    assert time.perf_counter() - started < 60  # the per-file limit of a folder scan


@pytest.mark.parametrize("make, reason", [
    (lambda clip: clip[: len(clip) // 3], "unreadable video, truncated or corrupt"),
    (lambda clip: clip[:32] + bytes(2000), "unreadable video, truncated or corrupt"),
])
def test_truncated_and_corrupt_videos_are_per_file_errors(built_home, lower_third, tmp_path, make, reason):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(make(lower_third.read_bytes()))
    result = scan(str(bad), home=built_home)
    assert result.exit_code == 3, result.output
    assert result.output.splitlines()[0].startswith(f"{bad}: ERROR {reason}"), result.output
    assert "Traceback" not in result.output


def test_a_video_with_no_frames_is_an_error(scanner):
    clip = video_of([np.zeros((64, 64, 3), np.uint8)] * 4, fps=2, codec="mpeg4", container="matroska")
    headers_only = clip[:clip.index(b"\x1f\x43\xb6\x75")]  # cut before the first Matroska Cluster
    result = scanner.scan_data(headers_only, "empty.mkv").result
    assert result.status == "error" and result.error == "video has no frames (the file ends before its first frame)"


def test_a_video_cut_short_is_scanned_as_far_as_it_goes_with_a_note(scanner):
    clip = video_of([np.full((64, 64, 3), i, np.uint8) for i in range(80)], fps=2, codec="libx264",
                    container="matroska")
    result = scanner.scan_data(clip[: len(clip) // 2], "cut.mkv").result
    assert result.status == "clean"
    assert result.note.endswith("sample times after 0:06 had no frame (the video ends before its declared length: "
                                "truncated?)"), result.note


def test_a_huge_frame_size_is_refused_before_decoding():
    data = video_of([np.zeros((64, 64, 3), np.uint8)] * 2, fps=2, codec="libx264", container="mp4")
    with pytest.raises(ImageTooLarge, match="64x64, over the pixel limit of 1,000"):
        list(iter_frames(data, "huge.mp4", max_pixels=1000))


def test_times_show_in_csv_sarif_and_scans_db_and_survive_a_rescan(home, lower_third, tmp_path):
    import csv
    import io
    import sqlite3

    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / "clip.mp4").write_bytes(lower_third.read_bytes())
    first = scan(str(folder), "-f", "json", home=home)
    assert first.exit_code == 1, first.output
    again = scan(str(folder), "-f", "json", home=home)
    assert json.loads(again.stdout)["summary"]["unchanged"] == 1, again.output
    assert json.loads(first.stdout)["files"] == json.loads(again.stdout)["files"]
    [row] = list(csv.DictReader(io.StringIO(scan(str(folder), "-f", "csv", home=home).stdout)))
    assert (row["emblem_id"], row["seconds"], row["last_seconds"], row["page"]) == ("gc-signature-en", "16.0",
                                                                                    "28.0", "")
    [found] = json.loads(scan(str(folder), "-f", "sarif", home=home).stdout)["runs"][0]["results"]
    assert " found (0:16 to 0:28) at x=" in found["message"]["text"]
    with sqlite3.connect(home.scans_db) as db:
        assert db.execute("select seconds, last_seconds from flagged_files").fetchall() == [(16.0, 28.0)]
