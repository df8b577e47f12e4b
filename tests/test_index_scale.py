"""The index at catalogue scale, on small generated catalogues: the shipped emblems' tier, edge maps computed
when verified, and no second copy of the descriptors."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from pictures import photo_like, rendered
from PIL import Image, ImageDraw
from test_detection import _similarity_case

from emblemcheck.catalogue.store import load_features
from emblemcheck.engine.channels import LUMINANCE
from emblemcheck.engine.detector import Detector
from emblemcheck.engine.features import MAX_QUERY_KEYPOINTS, edge_map, extract, grey, prepare_reference
from emblemcheck.engine.fitting import locate
from emblemcheck.engine.index import EDGE_CACHE, FeatureIndex, Reference

DRAWN = 30


def drawn(seed: int, side: int = 320) -> Image.Image:
    """A made-up badge: a ring, a few filled shapes and bars in colours of its own, on white."""
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (side, side), "white")
    draw = ImageDraw.Draw(image)
    ink = tuple(int(v) for v in rng.integers(0, 160, 3))
    draw.ellipse((8, 8, side - 8, side - 8), outline=ink, width=10)
    for _ in range(7):
        x, y = (int(v) for v in rng.integers(40, side - 120, 2))
        w, h = (int(v) for v in rng.integers(20, 80, 2))
        colour = tuple(int(v) for v in rng.integers(0, 200, 3))
        shape = int(rng.integers(0, 3))
        if shape == 0:
            draw.rectangle((x, y, x + w, y + h), fill=colour)
        elif shape == 1:
            draw.ellipse((x, y, x + w, y + h), fill=colour)
        else:
            draw.polygon([(x, y + h), (x + w // 2, y), (x + w, y + h)], fill=colour)
    return image


@pytest.fixture(scope="module")
def shipped(built_home) -> list[tuple]:
    return load_features(built_home.catalogue_db)


@pytest.fixture(scope="module")
def additions() -> list[tuple]:
    return [(f"drawn-{n:03}-colour", f"drawn-{n:03}", prepare_reference(np.asarray(drawn(n)))) for n in range(DRAWN)]


@pytest.fixture(scope="module")
def tiered(shipped, additions) -> Detector:
    return Detector.build(shipped + additions, first={eid for _rid, eid, _f in shipped})


def luminance_index(detector: Detector) -> FeatureIndex:
    search = detector.search(LUMINANCE.name)
    assert search is not None
    return search.index


def test_additions_do_not_change_the_shipped_emblems_candidates(built_home, shipped, tiered):
    alone = luminance_index(Detector.build(shipped))
    rgb = np.asarray(photo_like(900, 600).copy())
    picture = Image.fromarray(rgb)
    picture.paste(rendered(built_home, "gc-signature-en", "colour", width=300), (60, 80))
    _points, descriptors = extract(grey(np.asarray(picture)), MAX_QUERY_KEYPOINTS)
    before = [c.reference.rendering_id for c in alone.query(descriptors)]
    after = [c.reference.rendering_id for c in luminance_index(tiered).query(descriptors)]
    shipped_ids = {rid for rid, _eid, _f in shipped}
    assert before
    assert [rid for rid in after if rid in shipped_ids] == before


def test_both_tiers_are_found(built_home, tiered):
    poster = photo_like(1000, 700)
    poster.paste(rendered(built_home, "canada-wordmark", "colour", width=400), (60, 80))
    poster.paste(drawn(7).resize((240, 240)), (600, 300))
    assert {d.emblem_id for d in tiered.detect(np.asarray(poster))} == {"canada-wordmark", "drawn-007"}


def test_one_tier_when_nothing_is_first(shipped, additions):
    index = luminance_index(Detector.build(shipped + additions))
    assert len(index._pools) == 1
    assert len(luminance_index(Detector.build(shipped + additions, first={"drawn-000"}))._pools) == 2


def test_references_keep_no_second_copy_of_their_descriptors(additions, tiered):
    index = luminance_index(tiered)
    assert all(len(r.features.descriptors) == 0 for r in index.references)
    assert index.descriptor_count == sum(r.features.keypoint_count for r in index.references)
    assert index.descriptor_count > sum(f.keypoint_count for _rid, _eid, f in additions)


def test_edge_maps_are_computed_when_asked_and_cached_a_while(tiered):
    first = luminance_index(tiered).references[0]
    edges = first.edges
    np.testing.assert_allclose(edges, edge_map(first.features.template), rtol=1e-5, atol=1e-3)
    assert first.edges is edges
    for n in range(EDGE_CACHE):  # as many other templates as the cache holds push the first one out
        copy = replace(first.features, template=first.features.template.copy())
        Reference.of(f"copy-{n}", "copy", copy).edges  # noqa: B018
    again = first.edges
    assert again is not edges
    # Recomputed, not kept: equal up to float rounding (OpenCV's vector paths depend on the buffers' alignment).
    np.testing.assert_allclose(again, edges, rtol=1e-5, atol=1e-3)


def test_a_crowded_tree_places_its_candidates_by_homography_only(built_home, shipped):
    candidate, points, view = _similarity_case(built_home, Detector.build(shipped), opacity=0.5)
    placed = locate(candidate, points, view, LUMINANCE)
    assert placed is not None and placed.method == "sift-similarity"
    strict = replace(candidate, homography_only=True)
    assert strict.subset(np.arange(10)).homography_only
    assert locate(strict, points, view, LUMINANCE) is None


def test_additions_keep_no_templates_and_read_them_back_when_fitted(built_home, shipped, additions, tiered):
    stored = {rid: f for rid, _eid, f in shipped + additions}
    read: list[str] = []

    def templates(rendering_id: str):
        read.append(rendering_id)
        return stored[rendering_id]

    lazy = Detector.build(shipped + additions, first={eid for _rid, eid, _f in shipped}, templates=templates)
    later = [pool for search in lazy.searches for pool in search.index._pools[1:]]
    assert later and all(r.features.template.size == 0 and r.features.colour.size == 0
                         for pool in later for r in pool.references)
    assert all(r.features.template.size for r in luminance_index(lazy)._pools[0].references)  # shipped keep theirs
    poster = photo_like(1000, 700)
    poster.paste(rendered(built_home, "canada-wordmark", "colour", width=400), (60, 80))
    poster.paste(drawn(7).resize((240, 240)), (600, 300))
    found = lazy.detect(np.asarray(poster))
    assert found == tiered.detect(np.asarray(poster))
    assert {d.emblem_id for d in found} == {"canada-wordmark", "drawn-007"}
    assert "drawn-007-colour" in read and not set(read) & {rid for rid, _eid, _f in shipped}
    assert len(set(read)) < len(additions)  # only candidates are read, and each once while cached
    assert len(read) == len(set(read))


def test_the_feature_reader_reads_what_load_features_reads(built_home):
    from emblemcheck.catalogue.store import feature_reader

    reader = feature_reader(built_home.catalogue_db)
    assert reader is not None
    every = reader.every()
    loaded = load_features(built_home.catalogue_db)
    assert [(rid, eid) for rid, eid, _f in every] == [(rid, eid) for rid, eid, _f in loaded]
    rid, _eid, features = loaded[0]
    again = reader(rid)
    assert np.array_equal(again.descriptors, features.descriptors) and np.array_equal(again.template, features.template)
    reader.close()
