"""Bulk-scan benchmarks: a generated WordPress-like media tree, first scan with 1 and 2 workers, re-scan;
and with --wordpress N, a tree of N uploads made as WordPress core makes one, scanned in full and with reuse.

Run: python benchmarks/bulk.py [--originals 250] [--out DIR], or python benchmarks/bulk.py --wordpress 24.
Writes under --out (default benchmarks/out/, git-ignored) and rewrites its section of RESULTS.md.
The first: each original gets three size variants (-300x200, -150x150, -1024x768.webp): 4 files per original;
about 3% of originals are the drawn test badge (a made-up emblem, never official artwork); a few bad files.
Peak memory is the largest resident set of this process and its workers (ru_maxrss of children).
The second: see run_reuse; every file's verdict with reuse is compared with the full scan's.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bulk_tree import (  # noqa: E402
    badge,
    imagick_resize,
    imagick_works,
    make_home,
    photo,
    pillow_resize,
    save,
    wordpress_upload,
)
from pictures import photo_like  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from results import replace_section  # noqa: E402

from emblemcheck.media.decode import decode, read_file  # noqa: E402
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


def make_wordpress_tree(root: Path, uploads: int, resize) -> tuple[int, set[str], set[str]]:
    """WordPress core's uploads: two phone photos (4032x3024, 8 files each) for each web picture (1200x900,
    5 files), as the issue's 24 uploads and 168 files; one in eight with the drawn badge; three copies edited
    after upload. Returns the file count, the uploads with the badge, and the edited copies."""
    flagged, edited = set(), set()
    for n in range(uploads):
        folder = root / "uploads" / "2025" / f"{1 + n % 12:02}"
        size = (4032, 3024) if n % 3 != 1 else (1200, 900)
        image = photo_like(*size, seed=n)
        if n % 8 == 4:  # uploads 4, 12 and 20 of 24: a web picture and two phone photos
            side = size[1] // 3
            image.paste(badge(side), (size[0] // 2 - side // 3, size[1] // 3))
            flagged.add(str(folder / f"upload{n}.jpg"))
        wordpress_upload(image, folder, f"upload{n}", resize=resize)
    first = root / "uploads" / "2025" / "01"
    # Edited after upload: the badge pasted on a clean picture's copy, a caption band drawn on another,
    # and the badge painted over on a flagged upload's copy (uploads 0, 2 and 4 are in folders 01, 03, 05).
    copy = Image.open(first / "upload0-1024x768.jpg").convert("RGB")
    copy.paste(badge(300), (600, 300))
    edited.add(str(save(copy, first / "upload0-1024x768.jpg", quality=82)))
    third = root / "uploads" / "2025" / "03"
    copy = Image.open(third / "upload2-768x576.jpg").convert("RGB")
    ImageDraw.Draw(copy).rectangle([0, 480, 768, 576], fill=(200, 30, 30))
    edited.add(str(save(copy, third / "upload2-768x576.jpg", quality=82)))
    fifth = root / "uploads" / "2025" / "05"
    copy = Image.open(fifth / "upload4-300x225.jpg").convert("RGB")
    ImageDraw.Draw(copy).rectangle([60, 60, 240, 180], fill=(128, 128, 128))
    edited.add(str(save(copy, fifth / "upload4-300x225.jpg", quality=82)))
    return sum(1 for p in root.rglob("*") if p.is_file()), flagged, edited


def _fresh_scans(home) -> None:
    for suffix in ("", "-wal", "-shm"):
        (home.root / f"scans.db{suffix}").unlink(missing_ok=True)


def _verdict(result) -> tuple[str, frozenset[str]]:
    return result.status, frozenset(f.emblem_id for f in result.findings)


def _iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w, h = min(ax + aw, bx + bw) - max(ax, bx), min(ay + ah, by + bh) - max(ay, by)
    inter = max(0, w) * max(0, h)
    return inter / (aw * ah + bw * bh - inter) if inter else 0.0


def compare(full: dict, reused: dict) -> dict:
    """Every file's verdict with reuse against the full scan's: the same, cut away by a crop, or different."""
    out = {"same": 0, "cut away": [], "different": [], "ious": []}
    for path, mine in reused.items():
        theirs = full[path]
        if _verdict(mine) == _verdict(theirs):
            out["same"] += 1
            boxes = {f.emblem_id: f.box for f in theirs.findings}
            out["ious"] += [_iou(f.box, boxes[f.emblem_id]) for f in mine.findings if mine.inherited_as == "derived"]
            continue
        source = reused.get(mine.inherited_from)
        dropped = source is not None and _verdict(source)[1] - _verdict(mine)[1]
        kind = "cut away" if mine.inherited_as == "derived" and dropped else "different"
        out[kind].append(f"{Path(path).name}: reuse {mine.status}, full {theirs.status}")
    return out


def _cpu_seconds() -> float:
    """User and system time of this process and of its children that have finished."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_reuse(out: Path, uploads: int) -> None:
    """The WordPress core tree: decode-only, a full scan of every file and the scan with reuse, 1 worker each."""
    real_imagick = imagick_works()
    resize = imagick_resize if real_imagick else pillow_resize
    home = make_home(out / "home")
    files, flagged, edited = make_wordpress_tree(out / "wp", uploads, resize)
    paths = sorted(str(p) for p in (out / "wp").rglob("*") if p.is_file())
    started = time.perf_counter()
    for path in paths:
        decode(read_file(path), path)
    decode_ms = (time.perf_counter() - started) / files * 1000
    # Full, reuse, reuse, full: a load from other jobs that rises or falls during the run weighs on
    # both alike. Wall and CPU time (this process and its finished workers) of each; the mean is kept.
    runs: dict[str, list] = {"full": [], "reuse": []}
    for label in ("full", "reuse", "reuse", "full"):
        _fresh_scans(home)
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        result = scan_tree([out / "wp"], home_root=home.root, options=BulkOptions(workers=1, reuse=label == "reuse"))
        wall, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_before
        runs[label].append((wall / files * 1000, cpu / files * 1000, result))
        print(f"{label}: {wall / files * 1000:.1f} ms/file, CPU {cpu / files * 1000:.1f} ms/file, {result.counts}")
    timing = {label: (statistics.mean(r[0] for r in rs), statistics.mean(r[1] for r in rs))
              for label, rs in runs.items()}
    runs = {label: (timing[label][0], rs[0][2]) for label, rs in runs.items()}
    full = {r.path: r for r in runs["full"][1].results}
    reused = {r.path: r for r in runs["reuse"][1].results}
    verdicts = compare(full, reused)
    edited_full = sum(reused[p].inherited_as is None for p in edited)
    found = sum(reused[p].status == "flagged" and full[p].status == "flagged" for p in flagged)
    counts = runs["reuse"][1].counts
    (full_ms, full_cpu), (reuse_ms, reuse_cpu) = timing["full"], timing["reuse"]
    ious = sorted(verdicts["ious"])
    print(verdicts)
    replace_section("reuse", "\n".join([
        "## Bulk scan of a WordPress core tree, with reuse (benchmarks/bulk.py --wordpress)",
        "",
        f"Run: `python benchmarks/bulk.py --wordpress {uploads}` on {time.strftime('%Y-%m-%d')}; 1 worker; "
        "each scan twice, in the order full, reuse, reuse, full, and the mean of each kept; "
        f"load average {os.getloadavg()[0]:.1f} at the end; "
        f"{os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}, Python {platform.python_version()}.",
        f"Tree: {uploads} uploads as WordPress core stores them, two phone photos (4032x3024: the original, "
        "-scaled and 6 sizes) for each web picture (1200x900: the original and 4 sizes), the sizes made by "
        + ("ImageMagick as WordPress's Imagick editor calls it (triangle filter, unsharp 0.25x0.25+8+0.065, JPEG 82)"
           if real_imagick else "Pillow (Lanczos, a light unsharp mask, JPEG 82; ImageMagick was not installed)")
        + f"; {len(flagged)} uploads with the drawn test badge; {len(edited)} copies edited after upload (the badge "
        f"pasted on, a caption band, the badge painted over): {files} files.",
        "",
        "| measure | result | target |",
        "| --- | --- | --- |",
        f"| decode only | {decode_ms:.1f} ms/file (1.0x) | |",
        f"| full scan of every file | {full_ms:.1f} ms/file ({full_ms / decode_ms:.1f}x decode); "
        f"CPU {full_cpu:.1f} ms/file | |",
        f"| scan with reuse | {reuse_ms:.1f} ms/file ({reuse_ms / decode_ms:.1f}x decode); CPU {reuse_cpu:.1f} "
        f"ms/file; {counts['inherited']} "
        f"inherited, {counts['deduplicated']} identical, {files - counts['inherited'] - counts['deduplicated']} "
        "scanned in full | |",
        f"| full / reuse | {full_ms / reuse_ms:.2f}x faster (CPU time: {full_cpu / reuse_cpu:.2f}x) | >= 4x: "
        f"{'met' if full_ms / reuse_ms >= 4 else 'NOT MET'} |",
        f"| verdicts that differ from the full scan's | {len(verdicts['different'])} "
        f"{verdicts['different'] or ''}; {len(verdicts['cut away'])} cut away by crops "
        f"{verdicts['cut away'] or ''} | 0: {'met' if not verdicts['different'] else 'NOT MET'} |",
        f"| edited copies scanned in full | {edited_full} of {len(edited)} | all: "
        f"{'met' if edited_full == len(edited) else 'NOT MET'} |",
        f"| uploads with the badge flagged | {found} of {len(flagged)} | all |",
        f"| inherited boxes against the full scan's (IoU) | median {ious[len(ious) // 2]:.2f}, lowest {ious[0]:.2f} "
        f"over {len(ious)} | |" if ious else "| inherited boxes | none | |",
    ]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--originals", type=int, default=250)
    parser.add_argument("--wordpress", type=int, default=0, metavar="UPLOADS",
                        help="run the WordPress core tree of this many uploads (full scan against reuse) instead")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args()
    if args.wordpress:
        out = args.out / "bulk-wordpress"
        shutil.rmtree(out, ignore_errors=True)
        run_reuse(out, args.wordpress)
        return
    out = args.out / "bulk"
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
