"""What the catalogue cannot find: entries without artwork, with unavailable artwork, with weak artwork."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emblemcheck.catalogue import store
from emblemcheck.catalogue.coverage import Coverage, Gap, coverage, entries
from emblemcheck.errors import CatalogueMissing
from emblemcheck.models import FileResult
from emblemcheck.reports import ScanContext, render

EMBLEM = {"name": "An emblem", "agency": "An agency", "kind": "badge", "restriction": "restricted",
          "origin": "manifest"}


@pytest.fixture
def catalogue_db(tmp_path):
    path = tmp_path / "catalogue.db"
    db = store.open_catalogue_db(path)
    db["emblems"].insert_all([
        {**EMBLEM, "id": "found", "artwork": "ready", "renderings": 2},
        {**EMBLEM, "id": "missing", "artwork": "needs artwork", "renderings": 0},
        {**EMBLEM, "id": "offline", "artwork": "unavailable: npm is not installed", "renderings": 0},
        {**EMBLEM, "id": "faint", "artwork": "ready", "renderings": 1},
    ])
    db["renderings"].insert_all([
        {"id": "found/a", "emblem_id": "found", "detectable": 0, "warning": "few features"},
        {"id": "found/b", "emblem_id": "found", "detectable": 1, "warning": ""},
        {"id": "faint/a", "emblem_id": "faint", "detectable": 0, "warning": "only 12 keypoints"},
    ])
    db["meta"].insert({"key": "version", "value": "v1"})
    db.close()
    return path


def test_coverage_lists_each_entry_it_cannot_find_with_the_fix(catalogue_db):
    found = coverage(catalogue_db)
    assert found.version == "v1"
    assert found.undetectable == ("missing", "offline")
    assert found.whole_picture_only == ("faint",)
    reasons = {g.emblem_id: g.reason for g in found.gaps}
    assert reasons["missing"].startswith("no artwork attached: attach the official file with "
                                         "`emblemcheck catalogue add FILE --id missing`")
    assert reasons["offline"].startswith("artwork unavailable (npm is not installed): run `emblemcheck catalogue "
                                         "build` again")
    assert reasons["faint"] == "only 12 keypoints; attach a larger, more detailed file with " \
                               "`emblemcheck catalogue add FILE --id faint`"


def test_the_headline_counts_what_cannot_be_found_and_what_only_as_a_whole_picture(catalogue_db):
    assert coverage(catalogue_db).headline() == ("cannot find 2 catalogue entries, and finds 1 catalogue entry only "
                                                 "as the whole picture, not inside a larger one")
    only_missing = Coverage("v", (Gap("a", "A", "no artwork attached"),))
    assert only_missing.headline() == "cannot find 1 catalogue entry"


def test_the_text_report_says_the_headline_and_one_line_per_entry(catalogue_db):
    context = ScanContext(coverage=coverage(catalogue_db))
    lines = render([FileResult("photo.png", "clean")], "text", "v1", context).splitlines()
    start = lines.index("This scan cannot find 2 catalogue entries, and finds 1 catalogue entry only as the whole "
                        "picture, not inside a larger one:")
    assert [line.split(" ", 3)[2] for line in lines[start + 1:start + 4]] == ["missing", "offline", "faint"]
    assert lines[start + 4:] == ["1 file(s): 0 flagged, 1 clean, 0 error(s)"]


def test_sarif_says_each_entry_it_cannot_find_as_a_configuration_notification(catalogue_db):
    import jsonschema

    context = ScanContext(coverage=coverage(catalogue_db))
    doc = json.loads(render([FileResult("photo.png", "clean")], "sarif", "v1", context))
    schema = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text("utf-8"))
    jsonschema.Draft4Validator(schema).validate(doc)
    notes = doc["runs"][0]["invocations"][0]["toolConfigurationNotifications"]
    assert [(n["properties"]["emblemId"], n["properties"]["wholePictureOnly"], n["level"]) for n in notes] == [
        ("missing", False, "warning"), ("offline", False, "warning"), ("faint", True, "warning")]
    assert notes[2]["message"]["text"].startswith("faint (")
    assert "only as the whole picture" in notes[2]["message"]["text"]


def test_an_emblem_with_one_detectable_rendering_is_no_gap(catalogue_db):
    assert "found" not in {g.emblem_id for g in coverage(catalogue_db).gaps}


def test_a_missing_catalogue_says_to_build_it(tmp_path):
    with pytest.raises(CatalogueMissing, match="emblemcheck catalogue build"):
        coverage(tmp_path / "catalogue.db")


@pytest.mark.parametrize("count, words", [(1, "1 catalogue entry"), (5, "5 catalogue entries")])
def test_entries(count, words):
    assert entries(count) == words


def test_coverage_values_are_frozen():
    with pytest.raises(AttributeError):
        Coverage("v").version = "w"
    with pytest.raises(AttributeError):
        Gap("a", "A", "why").reason = "other"
