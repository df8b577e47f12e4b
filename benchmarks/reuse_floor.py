"""What reuse can at best win on the WordPress core tree: every file scanned in full, one at a time, by kind.

Run: python benchmarks/reuse_floor.py [--uploads 24] [--out DIR]
Makes the tree `bulk.py --wordpress` makes, then scans each file on its own in
this process (one OpenCV thread, as a pool worker) and sums the CPU time by
kind of file. The scan with reuse must still scan every original and every
edited copy in full, so the full scan's time over theirs bounds the ratio
`bulk.py --wordpress` reports: verifying a copy for nothing would reach it.
It also gives the bound for a detector whose time grows with the pixels it works on
(a picture's own, up to decode.WORK_PIXELS: a phone original is worked at its
2560 px copy's size): the tree's worked pixels over those of its originals and
edited copies. Prints a table; the figures are copied into RESULTS.md's reuse
section by hand.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bulk import make_wordpress_tree  # noqa: E402
from bulk_tree import imagick_resize, imagick_works, make_home, pillow_resize  # noqa: E402
from PIL import Image  # noqa: E402

from emblemcheck.media.content import MAX_PIXELS  # noqa: E402
from emblemcheck.media.decode import WORK_PIXELS  # noqa: E402
from emblemcheck.scan.scanner import open_scanner  # noqa: E402
from emblemcheck.scan.wordpress import split_name  # noqa: E402


def kind_of(path: Path, edited: set[str]) -> str:
    """``original``, ``edited`` (a copy the scan with reuse scans in full) or ``copy``."""
    if str(path) in edited:
        return "edited"
    return "copy" if split_name(str(path))[3] else "original"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uploads", type=int, default=24)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "reuse-floor")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    home = make_home(args.out / "home")
    resize = imagick_resize if imagick_works() else pillow_resize
    _files, _flagged, edited = make_wordpress_tree(args.out / "wp", args.uploads, resize)
    scanner = open_scanner(home)
    seconds: dict[tuple[str, int], list[float]] = collections.defaultdict(list)
    worked = collections.Counter[bool]()
    for path in sorted(p for p in (args.out / "wp").rglob("*") if p.is_file()):
        started = time.process_time()
        scanner.scan_with_copies(str(path), [], max_pixels=MAX_PIXELS)
        width, height = Image.open(path).size
        seconds[(kind_of(path, edited), width)].append(time.process_time() - started)
        worked[kind_of(path, edited) == "copy"] += min(width * height, WORK_PIXELS)
    print("| file | count | CPU s each | CPU s in all |\n| --- | --- | --- | --- |")
    for (kind, width), times in sorted(seconds.items(), key=lambda item: (-item[0][1], item[0][0])):
        print(f"| {kind}, {width} px wide | {len(times)} | {sum(times) / len(times):.3f} | {sum(times):.1f} |")
    total = sum(sum(t) for t in seconds.values())
    floor = sum(sum(t) for (kind, _w), t in seconds.items() if kind != "copy")
    print(f"\nfull scan {total:.1f} s; originals and edited copies {floor:.1f} s; "
          f"best ratio with reuse {total / floor:.2f}x")
    print(f"worked pixels: all files {sum(worked.values()) / 1e6:.1f} M, originals and edited copies "
          f"{worked[False] / 1e6:.1f} M; best ratio with reuse for a detector whose time is its worked pixels' "
          f"{sum(worked.values()) / worked[False]:.2f}x")


if __name__ == "__main__":
    main()
