"""Baselines accept findings by image content and emblem, never by path."""

from __future__ import annotations

import json
import shutil

import pytest
import sqlite_utils
from bulk_tree import badge, cli, save

from emblemcheck.scan.baseline import BaselineError, load_baseline
from emblemcheck.scan.folder import BulkOptions, scan_folder


def test_baseline_flow_survives_rename_and_rechecks_changed_bytes(badge_home, tmp_path):
    site = tmp_path / "site"
    flagged = save(badge(400), site / "logo.png")
    baseline = tmp_path / "baseline.json"
    made = cli("baseline", str(site), "-o", str(baseline), "--reason", "official account page", home=badge_home.root)
    assert made.exit_code == 0, made.output
    (entry,) = load_baseline(baseline)
    assert entry.reason == "official account page"

    shutil.move(flagged, site / "renamed.png")
    accepted = cli("scan", str(site), "--baseline", str(baseline), home=badge_home.root)
    assert accepted.exit_code == 0, accepted.output
    assert "renamed.png: test-badge accepted by the baseline (official account page)" in accepted.output
    rows = list(sqlite_utils.Database(badge_home.root / "scans.db")["accepted"].rows)
    assert [(r["sha256"], r["emblem_id"], r["reason"]) for r in rows] == [
        (entry.sha256, "test-badge", "official account page")]  # what `browse` shows as accepted files

    save(badge(420), site / "renamed.png")  # new bytes: a new image, checked again
    changed = cli("scan", str(site), "--baseline", str(baseline), "--report-unused-baseline", home=badge_home.root)
    assert changed.exit_code == 1, changed.output
    assert "unused baseline entry: test-badge" in changed.output


def test_unused_entries_in_json(badge_home, tmp_path):
    baseline = tmp_path / "b.json"
    baseline.write_text(json.dumps({"emblemcheck_baseline": 1, "entries": [
        {"sha256": "0" * 64, "emblem_id": "test-badge", "reason": "old"}]}))
    save(badge(300), tmp_path / "site" / "x.png")
    result = cli("scan", str(tmp_path / "site"), "--format", "json", "--baseline", str(baseline),
                 "--report-unused-baseline", home=badge_home.root)
    doc = json.loads(result.output)
    assert [e["sha256"] for e in doc["unused_baseline"]] == ["0" * 64]
    assert doc["summary"]["flagged"] == 1


def test_results_as_they_arrive_are_the_results_returned(badge_home, tmp_path):
    site = tmp_path / "site"
    save(badge(400), site / "accepted.png")
    save(badge(300), site / "other.png")
    baseline = tmp_path / "baseline.json"
    assert cli("baseline", str(site / "accepted.png"), "-o", str(baseline), "--reason", "ours",
               home=badge_home.root).exit_code == 0
    seen = []
    scan = scan_folder(badge_home, [site], BulkOptions(workers=1, rescan=True), baseline=baseline,
                       report_unused_baseline=True, on_result=lambda result, reused: seen.append(result))
    assert tuple(seen) == tuple(scan.results)
    assert {r.path.rsplit("/", 1)[-1]: r.status for r in scan.results} == {"accepted.png": "clean",
                                                                         "other.png": "flagged"}
    assert [(a.emblem_id, a.reason) for a in scan.context.accepted] == [("test-badge", "ours")]
    assert scan.context.unused_baseline == ()


@pytest.mark.parametrize("content, message", [
    ("not json", "not a readable JSON baseline"),
    ('{"entries": []}', "not an emblemcheck baseline"),
    ('{"emblemcheck_baseline": 1, "entries": [{"sha256": "xyz", "emblem_id": "a", "reason": "r"}]}',
     "64 lowercase hex"),
    ('{"emblemcheck_baseline": 1, "entries": [{"sha256": "' + "a" * 64 + '", "emblem_id": "a", "reason": ""}]}',
     "give a reason"),
])
def test_malformed_baseline_is_a_usage_error(badge_home, tmp_path, content, message):
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(BaselineError, match=message):
        load_baseline(path)
    result = cli("scan", str(tmp_path), "--baseline", str(path), home=badge_home.root)
    assert result.exit_code == 2


def test_an_interrupted_baseline_leaves_the_file_as_it_was(badge_home, tmp_path, monkeypatch):
    from emblemcheck.scan import folder as folder_module

    site = tmp_path / "site"
    save(badge(400), site / "a.png")
    save(badge(410), site / "b.png")
    baseline = tmp_path / "baseline.json"
    assert cli("baseline", str(site / "a.png"), "-o", str(baseline), home=badge_home.root).exit_code == 0
    before = baseline.read_bytes()
    real_walk = folder_module.walk

    def ctrl_c_after_the_first_file(*args, **kwargs):  # the outermost event: the user presses Ctrl-C
        entries = real_walk(*args, **kwargs)
        yield next(entries)
        raise KeyboardInterrupt

    monkeypatch.setattr(folder_module, "walk", ctrl_c_after_the_first_file)
    result = cli("baseline", str(site), "-o", str(baseline), "--workers", "1", home=badge_home.root)
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.output and "left as it was" in result.output
    assert baseline.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
