"""WordPress copies are grouped under their original upload."""

from __future__ import annotations

import pytest

from emblemcheck.models import FileResult, Finding, Restriction
from emblemcheck.scan.wordpress import Group, group, group_results, original_of


@pytest.mark.parametrize("copy", ["photo-300x200.jpg", "photo-scaled.jpg", "photo-rotated.jpg",
                                  "photo-1024x768.webp", "photo.jpg.webp", "photo-scaled-300x200.jpg",
                                  "photo-e1700000000000-300x200.jpg", "photo-300x200@2x.jpg", "photo-jpg.webp",
                                  "photo-300x225-jpg.webp"])
def test_derived_copies_group_under_the_original(copy):
    (only,) = group(["up/photo.jpg", f"up/{copy}"])
    assert only == Group("up/photo.jpg", (f"up/{copy}",))


@pytest.mark.parametrize("name", ["photo.jpg", "my-photo.jpg", "2024-05-01.png", "-scaled.jpg", "logo-final.png",
                                  "logo-png.png"])
def test_originals_are_not_copies(name):
    assert original_of(name) is None


def test_copies_without_an_original_still_group():
    (only,) = group(["a/x-300x200.jpg", "a/x-150x150.jpg"])
    assert only.present is False and only.original == "a/x.jpg" and len(only.copies) == 2


def test_same_stem_in_two_formats_keeps_copies_by_extension():
    groups = group(["a/p.jpg", "a/p.png", "a/p-10x10.png", "a/p-10x10.jpg"])
    assert groups == [Group("a/p.jpg", ("a/p-10x10.jpg",)), Group("a/p.png", ("a/p-10x10.png",))]


def test_folders_do_not_mix():
    assert len(group(["2024/01/photo.jpg", "2024/02/photo-300x200.jpg"])) == 2


def test_group_results_reports_one_finding_per_original():
    hit = Finding("e", "E", Restriction.RESTRICTED, 0.9, "pdq", (0, 0, 10, 10))
    results = [FileResult("u/photo-300x200.jpg", "flagged", "a" * 64, findings=(hit,)),
               FileResult("u/photo.jpg", "flagged", "b" * 64, findings=(hit,)),
               FileResult("u/other.jpg", "clean", "c" * 64)]
    groups = group_results(results)
    flagged = [g for g in groups if g.status == "flagged"]
    assert len(flagged) == 1
    assert flagged[0].head.path == "u/photo.jpg"
    assert [c.path for c in flagged[0].copies] == ["u/photo-300x200.jpg"]
    assert len(flagged[0].findings) == 1
