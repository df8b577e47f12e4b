"""Identical content: the same bytes at several paths are scanned once and recorded for each path."""

from __future__ import annotations

import shutil

import sqlite_utils
from bulk_tree import badge, cli, photo, save

from emblemcheck.scan.folder import BulkOptions, scan_tree


def test_the_same_bytes_at_three_paths_are_scanned_once(badge_home, tmp_path):
    first = save(badge(300), tmp_path / "a" / "logo.png")
    for other in ("b/logo.png", "c/d/copy.png"):
        (tmp_path / other).parent.mkdir(parents=True)
        shutil.copyfile(first, tmp_path / other)
    save(photo(2), tmp_path / "b" / "other.png")
    outcome = scan_tree([tmp_path], home_root=badge_home.root, options=BulkOptions(workers=1, rescan=True))
    by_path = {r.path: r for r in outcome.results}
    assert outcome.deduplicated == 2 and outcome.counts["deduplicated"] == 2
    copies = [by_path[str(tmp_path / p)] for p in ("b/logo.png", "c/d/copy.png")]
    assert {(c.inherited_from, c.inherited_as) for c in copies} == {(str(first), "identical")}
    assert all(c.status == "flagged" and c.findings == by_path[str(first)].findings for c in copies)
    db = sqlite_utils.Database(badge_home.scans_db)
    recorded = {r["path"]: r["inherited_as"] for r in db.query(
        "select path, inherited_as from files where path like ?", [f"{tmp_path}/%"])}
    assert recorded == {str(first): None, str(tmp_path / "b/logo.png"): "identical",
                        str(tmp_path / "c/d/copy.png"): "identical", str(tmp_path / "b/other.png"): None}
    findings = db.execute("select count(*) from findings where path like ?", [f"{tmp_path}/%"]).fetchone()[0]
    assert findings == 3  # one finding recorded for each path


def test_the_summary_counts_full_scans_inherited_deduplicated_and_unchanged(badge_home, tmp_path):
    save(photo(5), tmp_path / "x.png")
    shutil.copyfile(tmp_path / "x.png", tmp_path / "y.png")
    first = cli("scan", str(tmp_path), "--rescan", home=badge_home.root)
    assert first.output.splitlines()[-1] == (
        "2 file(s): 0 flagged, 2 clean, 0 error(s); 1 scanned in full, 1 identical to another file (scanned once)")
    save(photo(6), tmp_path / "z.png")
    again = cli("scan", str(tmp_path), home=badge_home.root)
    assert again.output.splitlines()[-1] == (
        "3 file(s): 0 flagged, 3 clean, 0 error(s); 1 scanned in full, 2 unchanged since the last scan (not re-read)")
