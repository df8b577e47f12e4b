"""The National Flag drawn from its published geometry."""

from __future__ import annotations

import numpy as np

from emblemcheck.catalogue.flag import flag_svg, leaf_outline
from emblemcheck.media.svg import render_svg
from emblemcheck.resources import assets_dir


def test_the_committed_svg_is_what_the_code_draws():
    assert (assets_dir() / "canada-flag.svg").read_text() == flag_svg()


def test_leaf_geometry_matches_the_published_grid():
    points = np.array(leaf_outline())
    assert points[:, 0].min() == 3.5 and points[:, 0].max() == 28.5
    assert points[:, 1].min() == 3.0 and points[:, 1].max() == 30.0
    mirrored = {(round(32 - x, 3), round(y, 3)) for x, y in points}
    assert mirrored == {(round(x, 3), round(y, 3)) for x, y in points}


def test_the_leaf_has_eleven_points():
    # A point is a convex vertex sticking out: farther from the centre than both neighbours.
    points = np.array(leaf_outline())
    centre = np.array([16.0, 17.0])
    distance = np.linalg.norm(points - centre, axis=1)
    tips = [i for i in range(len(points))
            if distance[i] > distance[i - 1] and distance[i] > distance[(i + 1) % len(points)]
            and points[i][1] < 24]  # the stem foot is not a point of the leaf
    assert len(tips) == 11


def test_the_flag_renders_two_to_one_red_white_red():
    rgb = np.asarray(render_svg(flag_svg().encode(), width=400).convert("RGB"))
    assert rgb.shape == (200, 400, 3)
    assert rgb[100, 50].tolist() == [235, 45, 55] and rgb[100, 350].tolist() == [235, 45, 55]
    assert rgb[10, 200].tolist() == [255, 255, 255]   # white pale above the leaf
    assert rgb[100, 200].tolist() == [235, 45, 55]     # the leaf in the centre
