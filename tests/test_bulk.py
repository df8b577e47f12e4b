"""Folder scans: real workers, grouping, incremental re-scan, interruption, time limits."""

from __future__ import annotations

import json
import os
import time

import pytest
import sqlite_utils
from bulk_tree import EMBLEM_ID, cli, photo, save, wordpress_tree

from emblemcheck.scan.folder import BATCH_SIZE, BulkOptions, scan_tree
from emblemcheck.scan.pool import InlinePool, WorkerPool


def test_folder_scan_groups_copies_under_the_original(badge_home, tmp_path):
    uploads = wordpress_tree(tmp_path, originals=3, flagged=(1,))
    result = cli("scan", str(uploads), "--workers", "2", "--rescan", home=badge_home.root)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    flagged = [line for line in lines if line.endswith("FLAGGED")]
    assert flagged == [f"{uploads}/2024/05/photo1.jpg: FLAGGED"]
    assert sum(line.startswith("  copy: ") for line in lines) == 3
    assert lines[-1].startswith("12 file(s): 4 flagged, 8 clean, 0 error(s)")


def test_second_run_is_incremental_and_rescan_forces(badge_home, tmp_path):
    uploads = wordpress_tree(tmp_path, originals=2, flagged=(0,))
    first = scan_tree([uploads], home_root=badge_home.root, options=BulkOptions(workers=1))
    assert first.unchanged == 0 and len(first.results) == 8
    second = scan_tree([uploads], home_root=badge_home.root, options=BulkOptions(workers=1))
    assert second.unchanged == 8
    assert {r.path: r.status for r in second.results} == {r.path: r.status for r in first.results}
    assert sum(r.status == "flagged" for r in second.results) == 4  # reused verdicts keep their findings
    forced = scan_tree([uploads], home_root=badge_home.root, options=BulkOptions(workers=1, rescan=True))
    assert forced.unchanged == 0


def test_changed_bytes_are_scanned_again(badge_home, tmp_path):
    path = save(photo(3), tmp_path / "a.png")
    scan_tree([tmp_path], home_root=badge_home.root, options=BulkOptions(workers=1))
    save(photo(4), path)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = scan_tree([tmp_path], home_root=badge_home.root, options=BulkOptions(workers=1))
    assert again.unchanged == 0


def test_interrupted_scan_leaves_a_consistent_database_and_resumes(badge_home, tmp_path):
    for n in range(BATCH_SIZE + 10):
        save(photo(n, (64, 48)), tmp_path / f"p{n:03}.png")
    seen = []

    def stop_after_batch(result, reused):
        seen.append(result)
        if len(seen) == BATCH_SIZE + 3:
            raise KeyboardInterrupt

    first = scan_tree([tmp_path], home_root=badge_home.root, options=BulkOptions(workers=2), on_result=stop_after_batch)
    assert first.interrupted
    db = sqlite_utils.Database(badge_home.scans_db)
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    recorded = db.execute("select count(*) from files where path like ?", [f"{tmp_path}/%"]).fetchone()[0]
    assert recorded == len(first.results)  # every finished file is recorded, none half-written
    resumed = scan_tree([tmp_path], home_root=badge_home.root, options=BulkOptions(workers=2))
    assert resumed.unchanged == recorded
    assert len(resumed.results) == BATCH_SIZE + 10


def test_a_file_over_the_time_limit_is_reported_and_the_run_goes_on(badge_home, tmp_path):
    pool = WorkerPool(1, home_root=str(badge_home.root),
                      timeout=1.0, max_pixels=100_000_000)
    try:
        os.mkfifo(tmp_path / "stuck")  # reading a FIFO with no writer blocks: a stand-in for a hung decoder
        pool.workers[0].submit(str(tmp_path / "stuck"), 1.0)
        started = time.monotonic()
        done = []
        while not done:  # collect() returns when the earliest deadline passes
            done = list(pool.collect())
        (scanned,) = done
        assert scanned.result.status == "error"
        assert scanned.result.error == "took longer than the 1 s limit per file"
        assert time.monotonic() - started < 10
        good = save(photo(1), tmp_path / "ok.png")
        pool.workers[0].submit(str(good), 30.0)
        (after,) = list(pool.collect())
        assert after.result.status == "clean"  # the replacement worker carries on
    finally:
        pool.close()


def test_jsonl_streams_one_line_per_file_then_summary(badge_home, tmp_path):
    uploads = wordpress_tree(tmp_path, originals=2, flagged=(1,))
    result = cli("scan", str(uploads), "--format", "jsonl", "--rescan", home=badge_home.root)
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["type"] for line in lines] == ["file"] * 8 + ["summary"]
    assert lines[-1]["flagged"] == 4 and lines[-1]["files"] == 8
    # badge_home is built without the official artwork, and the drawn badge is too plain to find inside a picture.
    assert "gc-signature-en" in lines[-1]["catalogue"]["undetectable"]
    assert lines[-1]["catalogue"]["whole_picture_only"] == [EMBLEM_ID]
    assert {line["findings"][0]["emblem_id"] for line in lines if line.get("status") == "flagged"} == {EMBLEM_ID}


def test_exit_zero_and_workers_validation(badge_home, tmp_path):
    uploads = wordpress_tree(tmp_path, originals=1, flagged=(0,))
    assert cli("scan", str(uploads), "--exit-zero", home=badge_home.root).exit_code == 0
    bad = cli("scan", str(uploads), "--workers", "-1", home=badge_home.root)
    assert bad.exit_code == 2


def _inline_pool(home):
    return InlinePool(home_root=str(home.root), max_pixels=100_000_000)


def _worker_pool(home):
    return WorkerPool(1, home_root=str(home.root), timeout=30.0, max_pixels=100_000_000)


@pytest.mark.parametrize("make_pool", [_inline_pool, _worker_pool])
def test_a_pool_scans_with_the_stat_the_walk_read(badge_home, tmp_path, make_pool):
    path = save(photo(1), tmp_path / "a.png")
    pool = make_pool(badge_home)
    try:
        assert pool.idle() == 1 and not pool.busy()
        pool.submit(str(path), (123, 456))
        assert pool.idle() == 0 and pool.busy()
        done = []
        while not done:
            done = list(pool.collect())
        (scanned,) = done
        assert scanned.result.status == "clean"
        assert (scanned.size, scanned.mtime_ns) == (123, 456)  # the walk's stat, not a second one
        assert not pool.busy()
    finally:
        pool.close()
