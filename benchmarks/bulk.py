"""Bulk-scan benchmark: a generated WordPress-like media tree, first scan with 1 and 2 workers, re-scan.

Run: python benchmarks/bulk.py [--originals 250]. Writes under benchmarks/out/ (git-ignored).
Each original gets three size variants (-300x200, -150x150, -1024x768.webp): 4 files per original.
About 3% of originals are the drawn test badge (a made-up emblem, never official artwork); a few bad files.
Peak memory is the largest resident set of this process and its workers (ru_maxrss of children).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bulk_tree import badge, make_home, photo, save  # noqa: E402
from results import replace_section  # noqa: E402

from emblemcheck.scan.folder import BulkOptions, scan_tree  # noqa: E402


def make_tree(root: Path, originals: int) -> int:
    for n in range(originals):
        folder = root / "uploads" / f"{2015 + n % 10}" / f"{1 + n % 12:02}"
        image = badge(900) if n % 33 == 0 else photo(n, (1200, 900))
        save(image, folder / f"img{n}.jpg", quality=88)
        for w, h in ((300, 200), (150, 150)):
            save(image.resize((w, h)), folder / f"img{n}-{w}x{h}.jpg", quality=85)
        save(image.resize((1024, 768)), folder / f"img{n}-1024x768.webp", quality=80)
    (root / "uploads" / "empty.jpg").write_bytes(b"")
    (root / "uploads" / "readme.png").write_text("not a picture")
    return sum(1 for p in root.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--originals", type=int, default=250)
    args = parser.parse_args()
    out = Path(__file__).parent / "out" / "bulk"
    shutil.rmtree(out, ignore_errors=True)
    home = make_home(out / "home")
    files = make_tree(out / "tree", args.originals)
    print(f"{files} files")
    timings = {}
    for workers in (1, 2):
        shutil.rmtree(out / "home" / "scans.db", ignore_errors=True)
        for suffix in ("", "-wal", "-shm"):
            (out / "home" / f"scans.db{suffix}").unlink(missing_ok=True)
        started = time.perf_counter()
        result = scan_tree([out / "tree"], home_root=home.root, options=BulkOptions(workers=workers))
        timings[workers] = time.perf_counter() - started
        print(f"first scan, {workers} worker(s): {timings[workers]:.1f} s, "
              f"{timings[workers] / files * 1000:.1f} ms/file, "
              f"{result.counts}")
    started = time.perf_counter()
    again = scan_tree([out / "tree"], home_root=home.root, options=BulkOptions(workers=2))
    rescan = time.perf_counter() - started
    print(f"unchanged re-scan: {rescan:.2f} s ({again.unchanged} unchanged)")
    print(f"speed-up 2 vs 1 workers: {timings[1] / timings[2]:.2f}x")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: this process {own:.0f} MB, largest worker {kids:.0f} MB")
    speedup = timings[1] / timings[2]
    replace_section("bulk", "\n".join([
        "## Bulk scan (benchmarks/bulk.py)",
        "",
        f"Run: `python benchmarks/bulk.py --originals {args.originals}` on {time.strftime('%Y-%m-%d')}; "
        f"{os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}, Python {platform.python_version()}.",
        f"Generated WordPress-like tree: {args.originals} originals (1200x900 JPEG, ~3% the drawn test badge), "
        "each with",
        f"-300x200, -150x150 and -1024x768.webp copies, plus 2 bad files: {files} files.",
        "",
        "| measure | result | target |",
        "| --- | --- | --- |",
        f"| first scan, 1 worker | {timings[1]:.1f} s ({timings[1] / files * 1000:.0f} ms/file) | |",
        f"| first scan, 2 workers | {timings[2]:.1f} s ({timings[2] / files * 1000:.0f} ms/file) | |",
        f"| speed-up 2 vs 1 workers | {speedup:.2f}x | >= 1.8x: {'met' if speedup >= 1.8 else 'NOT MET'} |",
        f"| unchanged re-scan, {again.unchanged} files | {rescan:.2f} s | < 2 s: "
        f"{'met' if rescan < 2 else 'NOT MET'} |",
        f"| peak memory | main {own:.0f} MB, largest worker {kids:.0f} MB | < 500 MB: "
        f"{'met' if max(own, kids) < 500 else 'NOT MET'} |",
    ]))


if __name__ == "__main__":
    main()
