"""``emblemcheck explain`` writes the evidence picture."""

from __future__ import annotations

import numpy as np
from pictures import pdf_of, photo_like, rendered, video_of
from PIL import Image
from typer.testing import CliRunner

from emblemcheck.cli import app
from emblemcheck.engine.detection import Detection
from emblemcheck.reports.explain import PANEL_HEIGHT, draw_explanation


def embedded(built_home, tmp_path):
    pic = photo_like(1000, 700)
    pic.paste(rendered(built_home, "canada-wordmark", "colour", width=500), (200, 200))
    path = tmp_path / "post.jpg"
    pic.save(path, quality=90)
    return path


def test_explain_writes_side_by_side_picture(built_home, tmp_path):
    out = tmp_path / "why.png"
    result = CliRunner().invoke(app, ["explain", str(embedded(built_home, tmp_path)), "-o", str(out),
                                      "--home", str(built_home.root)])
    assert result.exit_code == 0, result.output
    assert "canada-wordmark: score" in result.output and f"wrote {out}" in result.output
    picture = Image.open(out)
    assert picture.height == PANEL_HEIGHT + 40 and picture.width > 1000  # picture and rendering side by side


def test_explain_with_another_emblem_finds_nothing(built_home, tmp_path):
    out = tmp_path / "why.png"
    result = CliRunner().invoke(app, ["explain", str(embedded(built_home, tmp_path)), "--emblem", "gc-signature-fr",
                                      "-o", str(out), "--home", str(built_home.root)])
    assert result.exit_code == 0, result.output
    assert "nothing found" in result.output and out.is_file()


def test_explain_unknown_emblem_is_a_usage_error(built_home, tmp_path):
    result = CliRunner().invoke(app, ["explain", str(embedded(built_home, tmp_path)), "--emblem", "no-such",
                                      "-o", str(tmp_path / "x.png"), "--home", str(built_home.root)])
    assert result.exit_code == 2, result.output
    assert "no emblem 'no-such'" in result.output


def test_unreadable_image_exits_3(built_home, tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    result = CliRunner().invoke(app, ["explain", str(bad), "-o", str(tmp_path / "x.png"),
                                      "--home", str(built_home.root)])
    assert result.exit_code == 3, result.output


def test_draw_explanation_joins_matched_points():
    picture = np.full((300, 400, 3), 255, np.uint8)
    reference = np.full((100, 200, 3), 255, np.uint8)
    detection = Detection("x", "x/r", (50, 50, 200, 100), ((50, 50), (250, 50), (250, 150), (50, 150)), 0.9, 3,
                          matches=((10, 10, 60, 60), (190, 90, 240, 140), (100, 50, 150, 100)))
    canvas = draw_explanation(picture, detection, reference, "x")
    green = (canvas[..., 1] > 150) & (canvas[..., 0] < 80)
    assert green.sum() > 100  # the match lines are drawn
    red = (canvas[..., 0] > 180) & (canvas[..., 1] < 80)
    assert red.sum() > 100  # the outline and label


def explain(*args: str, home):
    return CliRunner().invoke(app, ["explain", *args, "--home", str(home.root)])


def test_explain_draws_the_pdf_page_the_finding_is_on(built_home, tmp_path):
    page = Image.new("RGB", (1275, 1650), "white")
    page.paste(rendered(built_home, "gc-signature-en", "colour", width=420), (90, 80))
    memo = tmp_path / "memo.pdf"
    memo.write_bytes(pdf_of([photo_like(1275, 1650, seed=4), page, Image.new("RGB", (1275, 1650), "white")]))
    out = tmp_path / "why.png"
    result = explain(str(memo), "-o", str(out), home=built_home)
    assert result.exit_code == 0, result.output
    assert f"{memo}: page 2" in result.output and "gc-signature-en: score" in result.output
    assert Image.open(out).height == PANEL_HEIGHT + 40
    result = explain(str(memo), "--page", "3", "-o", str(out), home=built_home)
    assert result.exit_code == 0, result.output
    assert f"{memo}: page 3" in result.output and "nothing found" in result.output
    result = explain(str(memo), "--page", "9", "-o", str(out), home=built_home)
    assert result.exit_code == 2, result.output
    assert "no page 9" in result.output


def test_explain_draws_the_video_frame_the_finding_is_in(built_home, tmp_path):
    background = np.asarray(photo_like(640, 360, seed=6))
    signed = photo_like(640, 360, seed=6)
    signed.paste(rendered(built_home, "gc-signature-en", "colour", width=300), (40, 270))
    frames = [np.asarray(signed) if i >= 8 else background for i in range(16)]  # signed from 0:04 to 0:08
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(video_of(frames, fps=2))
    out = tmp_path / "why.png"
    result = explain(str(clip), "-o", str(out), home=built_home)
    assert result.exit_code == 0, result.output
    assert f"{clip}: 0:04" in result.output and "gc-signature-en: score" in result.output
    result = explain(str(clip), "--at", "1", "-o", str(out), home=built_home)
    assert result.exit_code == 0, result.output
    assert f"{clip}: 0:00" in result.output and "nothing found" in result.output
