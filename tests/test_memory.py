"""A folder scan holds counts, not its files' results: they are kept on disk and every report reads them back.

What is checked: the spilled results give what the in-memory computations gave (WordPress groups, originals,
the exit code, the JSON and SARIF text), and a scan of a tree of many tiny entries, reported in JSON, does not
hold a value per file in this process.
"""

from __future__ import annotations

import gc
import json
import tracemalloc

import pytest

from emblemcheck.exitcodes import exit_code
from emblemcheck.models import FileResult, Finding, Restriction
from emblemcheck.reports import ScanContext, pieces, render, sarif
from emblemcheck.reports import json as json_report
from emblemcheck.scan.folder import BulkOptions, scan_folder
from emblemcheck.scan.results import Results
from emblemcheck.scan.walk import Skip
from emblemcheck.scan.wordpress import group_results


def _hit(emblem: str, restriction: Restriction, score: float = 0.9) -> Finding:
    return Finding(emblem, emblem.upper(), restriction, score, "sift", (1, 2, 30, 40), rendering_id=f"{emblem}-r")


MIXED = [
    FileResult("/u/2024/photo-300x200.jpg", "flagged", "a" * 64, findings=(_hit("e", Restriction.RESTRICTED),)),
    FileResult("/u/2024/photo.jpg", "clean", "b" * 64, width=10, height=10),
    FileResult("/u/2024/photo-150x150.jpg", "clean", "c" * 64),
    FileResult("/u/2024/p.png", "flagged", "d" * 64, findings=(_hit("f", Restriction.CAUTION, 0.7),)),
    FileResult("/u/2024/p.jpg", "clean", "e" * 64),
    FileResult("/u/2024/p-10x10.png", "clean", "f" * 64, note="2 pages not scanned"),
    FileResult("/u/2024/gone-300x200.jpg", "clean", "1" * 64),
    FileResult("/u/2024/gone-150x150.jpg", "flagged", "2" * 64, findings=(_hit("e", Restriction.PERMITTED),)),
    FileResult("/u/2024/broken.jpg", "error", error="not a picture"),
    FileResult("/u/2024-05/photo-300x200.jpg", "clean", "3" * 64),
    FileResult("/u/2024/sub/photo.jpg", "clean", "4" * 64),
    FileResult("/u/2024/photo.jpg", "flagged", "b" * 64, findings=(_hit("g", Restriction.RESTRICTED),)),
    FileResult("/u/crash.png", "error", error="internal error while scanning", internal=True),
]


def test_results_are_a_sequence_in_arrival_order():
    results = Results(MIXED)
    assert len(results) == len(MIXED)
    assert list(results) == MIXED and results == MIXED and results[3] == MIXED[3] and results[-1] == MIXED[-1]
    assert results[2:4] == MIXED[2:4]
    assert list(results.by_path()) == sorted(MIXED, key=lambda r: r.path)
    assert [r.path for r in results.where(status="error", order="arrival")] == ["/u/2024/broken.jpg", "/u/crash.png"]
    with pytest.raises(IndexError):
        results[len(MIXED)]


def test_groups_and_originals_are_those_of_group_results():
    results = Results(MIXED)
    expected = group_results(MIXED)
    assert list(results.groups()) == expected
    assert list(results.groups(only="flagged")) == [g for g in expected if g.status == "flagged"]
    assert list(results.groups(only="copies")) == [g for g in expected if g.copies]
    originals = {m.path: g.original for g in expected for m in g.members}
    assert list(results.with_originals()) == [(r, originals.get(r.path, r.path))
                                              for r in sorted(MIXED, key=lambda r: r.path)]


@pytest.mark.parametrize("fail_on", [None, Restriction.PERMITTED, Restriction.CAUTION, Restriction.RESTRICTED])
@pytest.mark.parametrize("files", [MIXED, MIXED[:8], [r for r in MIXED if r.status != "error"], MIXED[1:3], []])
def test_the_deciding_results_give_the_exit_code_of_all(files, fail_on):
    assert exit_code(Results(files).deciding(), fail_on) == exit_code(files, fail_on)


def test_streamed_json_and_sarif_are_the_documents_text():
    context = ScanContext(skipped=(Skip("/u/notes.txt", "not an image"), Skip("/u/x\ny.jpg", "unreadable", True)),
                          unchanged=1, base="/u")
    ordered = sorted(MIXED, key=lambda r: r.path)
    streamed = render(MIXED, "json", "v1", context)
    assert streamed == json.dumps(json_report.document(ordered, "v1", context), indent=2, ensure_ascii=False) + "\n"
    assert json.loads(streamed)["groups"] and len(json.loads(streamed)["files"]) == len(MIXED)
    streamed = render(MIXED, "sarif", "v1", context)
    assert streamed == json.dumps(sarif.document(ordered, "v1", context), indent=2, ensure_ascii=False) + "\n"
    assert render([], "json", "v1", ScanContext()) == json.dumps(json_report.document([], "v1", ScanContext()),
                                                                 indent=2, ensure_ascii=False) + "\n"


#: Entries in the two trees of the memory test, in folders of 100: the small one fills every buffer
#: (a folder held by the walk, a batch of rows for scans.db and for the spill), the large one only adds files.
SMALL, LARGE = 1000, 3000


def _tiny_tree(root, count: int) -> None:
    for n in range(count):
        folder = root / f"{n // 100:03}"
        folder.mkdir(parents=True, exist_ok=True)
        # A PNG's signature, then nothing: the walk hands it on, the worker cannot decode it (an error each).
        (folder / f"f{n:05}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + n.to_bytes(8, "big"))


def _held_after_scan(home, root, count: int):
    """What Python holds, garbage collected, once a folder scan of ``count`` tiny entries is done and its JSON
    report written, with the scan's value still alive (as the CLI holds it while it reports)."""
    _tiny_tree(root, count)
    gc.collect()
    tracemalloc.start()
    try:
        folder = scan_folder(home, [root], BulkOptions(workers=2))
        size = sum(len(piece) for piece in pieces(folder.results, "json", folder.catalogue_version, folder.context))
        gc.collect()
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert folder.raw.counts["error"] == count and size > count * 100
    return held, folder


def test_a_scan_of_many_files_holds_no_value_per_file(badge_home, tmp_path):
    _held_after_scan(badge_home, tmp_path / "warm", 2)  # what the modules import and cache once is not counted
    small, _ = _held_after_scan(badge_home, tmp_path / "small", SMALL)
    large, folder = _held_after_scan(badge_home, tmp_path / "large", LARGE)
    assert len(folder.results) == LARGE and sum(1 for r in folder.results if r.status == "error") == LARGE
    # Held in a list, such an error result alone takes about 420 bytes (benchmarks/RESULTS.md, cluster), and
    # the scan held each twice or more; what is held must grow by a fraction of one result per file from the
    # small tree to the large one (the walk holds one folder's entries, the spill a buffer of rows).
    grown = large - small
    assert grown < (LARGE - SMALL) * 100, f"held {grown / 2**10:.0f} KB more for {LARGE - SMALL} more files"
