"""Folder scans on a Dask cluster: a real LocalCluster with process workers, the real engine on drawn pictures."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
from collections import Counter

import dask
import pytest
import sqlite_utils
from bulk_tree import badge, cli, photo, save, wordpress_tree
from distributed import Client, LocalCluster
from distributed.diagnostics.plugin import WorkerPlugin

from emblemcheck.catalogue.edit import add_artwork
from emblemcheck.catalogue.store import version_of
from emblemcheck.home import Home
from emblemcheck.scan import cluster
from emblemcheck.scan.folder import BulkOptions, scan_tree


def _cluster(**config) -> tuple[LocalCluster, Client]:
    with dask.config.set(config):
        local = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    return local, Client(local)


@pytest.fixture(scope="module")
def dask_cluster():
    """Two worker processes with one thread each, as `dask worker --nworkers 2 --nthreads 1` starts them."""
    local, client = _cluster()
    yield local, client
    client.close()
    local.close()


def _verdicts(result) -> dict[str, tuple]:
    return {r.path: (r.status, r.error, r.inherited_as, tuple((f.emblem_id, f.box, round(f.score, 6))
                                                             for f in r.findings)) for r in result.results}


def _records(home) -> Counter:
    db = sqlite_utils.Database(home.scans_db)
    try:
        return Counter(row["path"] for row in db.query("select path from files"))
    finally:
        db.close()


def _photos(folder, count: int, size=(200, 150)) -> list:
    return [save(photo(n, size), folder / f"p{n:03}.png") for n in range(count)]


def test_same_results_as_the_local_pool(badge_home, dask_cluster, tmp_path):
    local, _client = dask_cluster
    uploads = wordpress_tree(tmp_path, originals=6, flagged=(1, 4))
    pooled = scan_tree([uploads], home_root=badge_home.root, options=BulkOptions(workers=2, rescan=True))
    clustered = scan_tree([uploads], home_root=badge_home.root,
                          options=BulkOptions(cluster=local.scheduler_address, rescan=True))
    assert _verdicts(clustered) == _verdicts(pooled)
    assert clustered.counts == pooled.counts
    assert sum(r.status == "flagged" for r in clustered.results) == 8  # two originals and their three copies
    again = scan_tree([uploads], home_root=badge_home.root, options=BulkOptions(cluster=local.scheduler_address))
    assert again.unchanged == len(pooled.results)  # incremental, as with the local pool


def test_index_built_once_per_worker_and_again_for_a_new_catalogue(badge_home, dask_cluster, tmp_path):
    local, client = dask_cluster
    _photos(tmp_path, 40)
    version = version_of(badge_home.catalogue_db)
    for _ in range(2):
        scan_tree([tmp_path], home_root=badge_home.root,
                  options=BulkOptions(cluster=local.scheduler_address, rescan=True))
    built = client.run(cluster.builds)
    assert [counts.get(version) for counts in built.values()] == [1, 1], built

    # Another catalogue version (a user adds an emblem): each worker builds a scanner for it, once.
    home = Home(tmp_path / "home")
    shutil.copytree(badge_home.root, home.root, ignore=shutil.ignore_patterns("scans.db*"))
    add_artwork(home, save(badge(200).rotate(90), tmp_path / "other.png"),
                fields={"id": "other-badge", "name": "Other badge", "agency": "Test agency", "kind": "badge",
                        "restriction": "restricted"})
    changed = version_of(home.catalogue_db)
    assert changed != version
    scan_tree([tmp_path], home_root=home.root, options=BulkOptions(cluster=local.scheduler_address))
    built = client.run(cluster.builds)
    assert [counts.get(changed) for counts in built.values()] == [1, 1], built


def test_probe_says_when_workers_cannot_see_the_files_and_ship_sends_them(badge_home, dask_cluster, tmp_path):
    local, _client = dask_cluster
    save(badge(300), tmp_path / "tree" / "badge.png")
    _photos(tmp_path / "tree", 3)
    # A folder only this process sees: its open descriptor, under /proc/self/fd, is not open in the
    # workers (as a share mounted on the client alone).
    descriptor = os.open(tmp_path / "tree", os.O_RDONLY)
    only_here = os.dup2(descriptor, 900)
    try:
        root = f"/proc/self/fd/{only_here}"
        with pytest.raises(cluster.ClusterError) as caught:
            scan_tree([root], home_root=badge_home.root, options=BulkOptions(cluster=local.scheduler_address))
        message = str(caught.value)
        assert message.startswith(f"2 of 2 Dask workers cannot see {root} (worker tcp://127.0.0.1:"), message
        assert message.endswith("): mount the share at the same path on every worker, "
                                "or add --ship to send the files' bytes from here"), message
        shipped = scan_tree([root], home_root=badge_home.root,
                            options=BulkOptions(cluster=local.scheduler_address, ship=True, rescan=True))
    finally:
        os.close(only_here)
        os.close(descriptor)
    assert {os.path.basename(r.path): r.status for r in shipped.results} == {
        "badge.png": "flagged", "p000.png": "clean", "p001.png": "clean", "p002.png": "clean"}


def test_interrupted_cluster_scan_commits_what_finished_and_resumes(badge_home, dask_cluster, tmp_path):
    local, _client = dask_cluster
    files = _photos(tmp_path / "tree", 60, (96, 72))
    seen = []

    def interrupt(result, reused):
        seen.append(result)
        if len(seen) == 20:
            raise KeyboardInterrupt

    options = BulkOptions(cluster=local.scheduler_address, reuse=False)
    first = scan_tree([tmp_path / "tree"], home_root=badge_home.root, options=options, on_result=interrupt)
    assert first.interrupted
    assert len(first.results) >= 20
    recorded = _records(badge_home)
    assert {p for p in recorded if p.startswith(str(tmp_path))} == {r.path for r in first.results}
    second = scan_tree([tmp_path / "tree"], home_root=badge_home.root, options=options)
    assert second.unchanged == len(first.results)
    assert len(second.results) == len(files)


def test_killed_worker_loses_nothing_and_records_every_file_once(badge_home, tmp_path):
    local, client = _cluster()
    try:
        uploads = wordpress_tree(tmp_path / "a", originals=3, flagged=(1,))
        _photos(tmp_path / "a" / "more", 90, (320, 240))
        pids = client.run(os.getpid)
        killed = []

        def kill_one(result, reused):
            if not killed:  # mid-run: a worker with a batch in its hands
                worker = next(w for w, keys in client.processing().items() if keys)
                os.kill(pids[worker], signal.SIGKILL)
                killed.append(worker)

        scanned = scan_tree([tmp_path / "a"], home_root=badge_home.root, on_result=kill_one,
                            options=BulkOptions(cluster=local.scheduler_address, rescan=True))
    finally:
        client.close()
        local.close()
    assert killed
    paths = [r.path for r in scanned.results]
    assert len(paths) == len(set(paths)) == 12 + 90
    assert all(r.status != "error" for r in scanned.results), [r.error for r in scanned.results if r.error]
    recorded = _records(badge_home)
    assert {p: n for p, n in recorded.items() if p.startswith(str(tmp_path))} == dict.fromkeys(paths, 1)
    assert {r.path for r in scanned.results if r.status == "flagged"} == {
        str(uploads / "2024" / "05" / name) for name in
        ("photo1.jpg", "photo1-300x200.jpg", "photo1-150x150.jpg", "photo1-300x225.webp")}


class _Poison(WorkerPlugin):
    """Makes a worker die (as a decoder crash would) when it opens a file named poison*."""

    def setup(self, worker) -> None:
        from emblemcheck.scan.scanner import Scanner

        original = Scanner.scan_with_copies

        def crashing(scanner, path, *args, **kwargs):
            if os.path.basename(str(path)).startswith("poison"):
                os._exit(1)
            return original(scanner, path, *args, **kwargs)

        Scanner.scan_with_copies = crashing  # type: ignore[method-assign]


def test_a_file_that_keeps_killing_workers_is_recorded_as_an_error(badge_home, tmp_path):
    # One retry instead of Dask's three: the same path through the code, four worker restarts instead of eight.
    local, client = _cluster(**{"distributed.scheduler.allowed-failures": 1})
    try:
        client.register_plugin(_Poison(), name="poison")
        _photos(tmp_path, 6)
        save(photo(99), tmp_path / "poison.png")
        scanned = scan_tree([tmp_path], home_root=badge_home.root,
                            options=BulkOptions(cluster=local.scheduler_address, rescan=True))
    finally:
        client.close()
        local.close()
    errors = {os.path.basename(r.path): r.error for r in scanned.results if r.status == "error"}
    assert errors == {"poison.png": "killed 2 Dask workers in a row while being scanned "
                                    "(out of memory, or a crash in a decoder)"}
    assert len(scanned.results) == 7
    assert _records(badge_home)[str(tmp_path / "poison.png")] == 1


def test_cli_scan_with_a_local_cluster(badge_home, tmp_path):
    uploads = wordpress_tree(tmp_path, originals=3, flagged=(1,))
    local = cli("scan", str(uploads), "--workers", "2", "--rescan", home=badge_home.root)
    clustered = cli("scan", str(uploads), "--cluster", "local:2", "--rescan", home=badge_home.root)
    assert clustered.exit_code == 1, clustered.output
    assert clustered.output.splitlines()[:-1] == local.output.splitlines()[:-1]
    assert clustered.output.splitlines()[-1].startswith("12 file(s): 4 flagged, 8 clean, 0 error(s)")
    assert f"{uploads}/2024/05/photo1.jpg: FLAGGED" in clustered.output.splitlines()


@pytest.mark.parametrize("address, message", [
    ("local:0", "--cluster local:N takes a number of workers of 1 or more, not '0'"),
    ("scheduler:8786", "--cluster takes a scheduler address (tcp://HOST:PORT) or local[:N], not 'scheduler:8786'"),
])
def test_cli_refuses_a_bad_cluster_address(badge_home, tmp_path, address, message):
    save(photo(1), tmp_path / "a.png")
    result = cli("scan", str(tmp_path), "--cluster", address, home=badge_home.root)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_lost_scheduler_ends_the_run_with_a_message_and_a_consistent_record(badge_home, tmp_path):
    local, client = _cluster()
    _photos(tmp_path, 80, (160, 120))
    seen = []

    def lose_the_scheduler(result, reused):
        seen.append(result.path)
        if len(seen) == 1:
            local.sync(local.scheduler.close)

    try:
        with pytest.raises(cluster.ClusterLost) as caught:
            scan_tree([tmp_path], home_root=badge_home.root, on_result=lose_the_scheduler,
                      options=BulkOptions(cluster=local.scheduler_address, rescan=True))
    finally:
        client.close()
        with contextlib.suppress(TimeoutError):  # its scheduler is gone: do not wait for it to answer
            local.close(timeout=2)
    assert str(caught.value) == ("lost the Dask scheduler: the files scanned so far are recorded; "
                                 "run the same command again to scan the rest")
    recorded = {p for p in _records(badge_home) if p.startswith(str(tmp_path))}
    assert recorded == set(seen)
    again = scan_tree([tmp_path], home_root=badge_home.root, options=BulkOptions(workers=1))
    assert again.unchanged == len(seen) and len(again.results) == 80
