"""FLANN trees kept between processes (catalogue/trees.py): saved once, loaded after, the same neighbours."""

from __future__ import annotations

import numpy as np
import pytest

from emblemcheck.catalogue.store import load_features
from emblemcheck.catalogue.trees import TreeCache
from emblemcheck.engine.channels import LUMINANCE
from emblemcheck.engine.detector import Detector
from emblemcheck.scan.scanner import open_scanner


class Counting(TreeCache):
    """A tree cache that counts what it found."""

    hits = 0

    def load(self, key, descriptors):
        tree = super().load(key, descriptors)
        self.hits += tree is not None
        return tree


@pytest.fixture(scope="module")
def shipped(built_home) -> list[tuple]:
    return load_features(built_home.catalogue_db)


def neighbours(detector: Detector, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    search = detector.search(LUMINANCE.name)
    assert search is not None
    return search.index.neighbours(queries)


def queries() -> np.ndarray:
    return np.random.default_rng(3).integers(0, 80, (400, 128)).astype(np.float32)


def test_trees_built_once_are_loaded_after_with_the_same_neighbours(tmp_path, shipped):
    built = Detector.build(shipped)
    cache = Counting(tmp_path / "index", "v1")
    first = Detector.build(shipped, trees=cache)
    assert cache.hits == 0 and list((tmp_path / "index" / "v1").glob("*.flann"))
    again = Detector.build(shipped, trees=cache)
    assert cache.hits >= 1
    for detector in (first, again):
        train, distances = neighbours(detector, queries())
        expected = neighbours(built, queries())
        assert np.array_equal(train, expected[0]) and np.array_equal(distances, expected[1])


def test_other_descriptors_are_not_given_a_saved_tree(tmp_path, shipped):
    cache = Counting(tmp_path / "index", "v1")
    Detector.build(shipped, trees=cache)
    Detector.build(shipped[1:], trees=cache)
    assert cache.hits == 0
    assert len(list((tmp_path / "index" / "v1").glob("*.flann"))) == 2


def test_a_damaged_file_is_built_again_and_replaced(tmp_path, shipped):
    cache = Counting(tmp_path / "index", "v1")
    Detector.build(shipped, trees=cache)
    (saved,) = (tmp_path / "index" / "v1").glob("*.flann")
    saved.write_bytes(b"not a tree")
    rebuilt = Detector.build(shipped, trees=cache)
    assert cache.hits == 0 and saved.stat().st_size > 1000
    expected = neighbours(Detector.build(shipped), queries())
    assert np.array_equal(neighbours(rebuilt, queries())[0], expected[0])


def test_a_new_version_drops_the_old_versions_trees(tmp_path, shipped):
    Detector.build(shipped, trees=TreeCache(tmp_path / "index", "v1"))
    Detector.build(shipped, trees=TreeCache(tmp_path / "index", "v2"))
    assert [p.name for p in (tmp_path / "index").iterdir()] == ["v2"]


def test_a_cache_that_cannot_be_written_only_costs_the_cache(tmp_path, shipped):
    blocked = tmp_path / "index"
    blocked.write_text("a file where the folder would go")
    detector = Detector.build(shipped, trees=TreeCache(blocked, "v1"))
    assert detector.search(LUMINANCE.name) is not None


def test_a_scanner_saves_its_trees_beside_the_catalogue_and_the_next_one_loads_them(home):
    first = open_scanner(home.root)
    folder = home.root / "index" / first.catalogue.version
    saved = sorted(folder.glob("*.flann"))
    assert saved
    stamps = [p.stat().st_mtime_ns for p in saved]
    open_scanner(home.root)
    assert [p.stat().st_mtime_ns for p in sorted(folder.glob("*.flann"))] == stamps  # loaded, not written again
