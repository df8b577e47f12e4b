"""Nothing a picture contains crashes or hangs the detector: each gets a verdict quickly."""

from __future__ import annotations

import time

import numpy as np
import pytest
from pictures import png_bytes
from PIL import Image

from emblemcheck.catalogue.store import Catalogue, load_features
from emblemcheck.engine.detector import Detector
from emblemcheck.media.decode import WORK_PIXELS, decode
from emblemcheck.scan.scanner import Scanner

#: Generous bound on one picture's CPU seconds (this process, every thread): the noisy 20000 x 200 strip,
#: the slowest case, takes about 4 s (2026-12-02). CPU time rather than wall time: on a machine shared
#: with other jobs (load 12 on 2 cores) the strip took 11.7 s of wall time for the same 4 s of CPU.
SECONDS = 10


@pytest.fixture(scope="module")
def index(built_home) -> Detector:
    return Detector.build(load_features(built_home.catalogue_db))


def checkerboard_noise(height: int, width: int) -> np.ndarray:
    """Tens of thousands of strong corners: far above the query keypoint cap."""
    rng = np.random.default_rng(0)
    cells = rng.integers(0, 2, (height // 4 + 1, width // 4 + 1), dtype=np.uint8) * 255
    grid = np.kron(cells, np.ones((4, 4), np.uint8))[:height, :width]
    return np.repeat(grid[:, :, None], 3, axis=2)


CASES = {
    "1x1": lambda: np.zeros((1, 1, 3), np.uint8),
    "strip 20000x200": lambda: np.random.default_rng(1).integers(0, 256, (200, 20000, 3), dtype=np.uint8),
    "blank": lambda: np.full((800, 800, 3), 255, np.uint8),
    "noise": lambda: np.random.default_rng(2).integers(0, 256, (1200, 1200, 3), dtype=np.uint8),
    "100k keypoints": lambda: checkerboard_noise(1600, 1600),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_detector_gives_a_verdict_quickly(index, name):
    rgb = CASES[name]()
    started = time.process_time()
    assert index.detect(rgb) == []
    assert time.process_time() - started < SECONDS


@pytest.mark.parametrize("name", sorted(CASES))
def test_scanner_gives_a_clean_verdict_for_each(built_home, name):
    scanner = Scanner(Catalogue.open(built_home.catalogue_db))
    result = scanner.scan_data(png_bytes(Image.fromarray(CASES[name]())), name).result
    assert result.status == "clean", result


def test_truncated_file_is_a_per_file_error(built_home):
    scanner = Scanner(Catalogue.open(built_home.catalogue_db))
    result = scanner.scan_data(png_bytes(Image.fromarray(CASES["noise"]()))[:500], "cut.png").result
    assert result.status == "error" and "unreadable image" in result.error


def test_empty_index_detects_nothing():
    assert Detector.build([]).detect(np.zeros((100, 100, 3), np.uint8)) == []


def test_strip_decodes_to_a_bounded_working_size():
    image = decode(png_bytes(Image.fromarray(np.zeros((400, 20000, 3), np.uint8))))
    assert image.rgb.shape[0] * image.rgb.shape[1] <= WORK_PIXELS and image.rgb.shape[0] >= 300
