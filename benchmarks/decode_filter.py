"""Shrink-filter benchmark: what the filter that shrinks a big photo to its working size costs and changes.

    python benchmarks/decode_filter.py [--per-class 12] [--seed 7] [--home DIR]

A picture over ``media.decode.WORK_PIXELS`` (2560 x 1920) is shrunk to it
before detection. On the any-shape benchmark's big photos (12 to 50
megapixels, one emblem at 3-8 % of the width, and as many without), each
picture is decoded and scanned once per filter, in turn, in one process:
the decode's seconds (read, EXIF, draft, shrink), the whole scan's, and the
emblems found. Prints a table and rewrites its section of
``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import encode, machine, photos  # noqa: E402
from results import replace_section  # noqa: E402
from shapes import BIG_PHOTO_EMBLEMS, arguments, big_photo, home_and_drawn  # noqa: E402

from emblemcheck.catalogue.store import Catalogue  # noqa: E402
from emblemcheck.home import Home  # noqa: E402
from emblemcheck.media import decode as decoding  # noqa: E402
from emblemcheck.scan.scanner import Scanner  # noqa: E402

FILTERS = {"lanczos": Image.Resampling.LANCZOS, "bilinear": Image.Resampling.BILINEAR,
           "box": Image.Resampling.BOX}


def run(home: Home, drawn: dict, per_class: int, seed: int) -> dict[str, dict]:
    rng = np.random.default_rng(seed)
    backgrounds = list(photos().values())
    scanner = Scanner(Catalogue.open(home.catalogue_db))
    rows = {name: {"decode": [], "scan": [], "found": 0, "cases": 0, "false_alarms": 0, "missed": []}
            for name in FILTERS}
    shipped = decoding.SHRINK_FILTER
    try:
        for i in range(2 * per_class):
            emblem = BIG_PHOTO_EMBLEMS[i // 2 % len(BIG_PHOTO_EMBLEMS)] if i % 2 == 0 else None
            picture = big_photo(home, drawn, backgrounds, rng, emblem)
            data = encode(picture, "JPEG", quality=90)
            del picture
            for name, resample in FILTERS.items():
                decoding.SHRINK_FILTER = resample
                row = rows[name]
                started = time.perf_counter()
                decoding.decode(data)
                row["decode"].append(time.perf_counter() - started)
                started = time.perf_counter()
                found = {f.emblem_id for f in scanner.scan_data(data, f"big-{i:03d}").result.findings}
                row["scan"].append(time.perf_counter() - started)
                if emblem:
                    row["cases"] += 1
                    row["found"] += emblem in found
                    if emblem not in found:
                        row["missed"].append(f"big-{i:03d}-{emblem}")
                row["false_alarms"] += bool(found - {emblem})
            print(f"big-{i:03d} {emblem}: " + ", ".join(
                f"{n} {r['decode'][-1]:.2f}/{r['scan'][-1]:.2f} s" for n, r in rows.items()), file=sys.stderr)
    finally:
        decoding.SHRINK_FILTER = shipped
    return rows


def table(rows: dict[str, dict]) -> str:
    lines = ["| filter | emblems found | false alarms | decode, median s | whole scan, median s |",
             "|---|---|---|---|---|"]
    for name, r in rows.items():
        lines.append(f"| {name} | {r['found']}/{r['cases']} | {r['false_alarms']} | "
                     f"{statistics.median(r['decode']):.3f} | {statistics.median(r['scan']):.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__, argv)
    home, drawn = home_and_drawn(args)
    rows = run(home, drawn, args.per_class, args.seed)
    misses = {name: r["missed"] for name, r in rows.items() if r["missed"]}
    text = "\n".join([
        "## Shrink filter (benchmarks/decode_filter.py)", "",
        f"Run: `python benchmarks/decode_filter.py --per-class {args.per_class} --seed {args.seed}` on "
        f"{time.strftime('%Y-%m-%d')}; single process. Machine: {machine()}.", "",
        f"{args.per_class} photos of 12-50 megapixels with one emblem at 3-8 % of the width and {args.per_class} "
        "without, each decoded and scanned with every filter in turn; the shipped filter is "
        f"`{decoding.SHRINK_FILTER.name}`.", "",
        table(rows), "",
        f"- missed: `{misses}`",
    ])
    print(table(rows))
    replace_section("decode-filter", text, args.results_md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
