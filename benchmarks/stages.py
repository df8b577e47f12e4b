"""Where a scan's time goes: each stage of the engine, and the cheaper extractors, timed on the same pictures.

    python benchmarks/stages.py [--corpus benchmarks/out/corpus] [--every 4]

Reads the corpus that ``benchmarks/detection.py`` wrote (run it first) and its
catalogue home beside it. For every ``--every``-th picture it times, one after
another on the same decoded copy: decoding, the whole-image fingerprints, the
region pass, SIFT at the working size and at smaller ones, ORB at the working
size (the cheap alternative the detection issue asks to measure), the
pooled-index search, the colour search and the whole detection. Reports the
median milliseconds per picture and the ratio to decoding, and rewrites the
``stages`` section of ``benchmarks/RESULTS.md``.
Single process; OpenCV keeps its default thread count, as in a one-file scan.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus import machine  # noqa: E402
from results import replace_section  # noqa: E402

from emblemcheck.catalogue.store import load_features  # noqa: E402
from emblemcheck.engine import regions  # noqa: E402
from emblemcheck.engine.channels import Picture  # noqa: E402
from emblemcheck.engine.detector import Detector  # noqa: E402
from emblemcheck.engine.features import (  # noqa: E402
    FEATURE_SIDE,
    MAX_QUERY_KEYPOINTS,
    TINT_SIDE,
    extract,
    grey,
    shrink,
)
from emblemcheck.engine.fingerprints import fingerprint  # noqa: E402
from emblemcheck.media.decode import decode  # noqa: E402


def stages(index: Detector, data: bytes, name: str) -> dict[str, float]:
    """Milliseconds of each stage on one picture."""
    times: dict[str, float] = {}

    def timed(label, call):
        started = time.perf_counter()
        value = call()
        times[label] = 1000 * (time.perf_counter() - started)
        return value

    rgb = timed("decode", lambda: decode(data, name).rgb)
    timed("fingerprints (pHash, dHash, PDQ)", lambda: fingerprint(rgb))
    work = shrink(grey(rgb), FEATURE_SIDE)
    colour = shrink(np.ascontiguousarray(rgb), FEATURE_SIDE)
    timed("region pass (blobs, shape, colour)", lambda: regions.find(work, colour, index.regions))
    _points, descriptors = timed(f"SIFT at {FEATURE_SIDE} px (used)", lambda: extract(work, MAX_QUERY_KEYPOINTS))
    timed("SIFT at 960 px", lambda: extract(shrink(work, 960), MAX_QUERY_KEYPOINTS))
    timed("SIFT at 640 px", lambda: extract(shrink(work, 640), MAX_QUERY_KEYPOINTS))
    orb = cv2.ORB_create(MAX_QUERY_KEYPOINTS)
    timed(f"ORB at {FEATURE_SIDE} px", lambda: orb.detectAndCompute(work, None))
    luminance, tint = index.search("luminance"), index.search("tint")
    if luminance is not None and luminance.index.searchable and len(descriptors):
        timed("pooled FLANN search", lambda: luminance.index.neighbours(descriptors))
    if tint is not None:
        timed(f"colour search at {TINT_SIDE} px (used)", lambda: tint.run(Picture(work, colour), None, 1.0))
    timed("whole detection (used)", lambda: index.detect(rgb))
    return times


def table(medians: dict[str, float]) -> str:
    floor = medians["decode"]
    lines = ["| stage | median ms per picture | x decode |", "| --- | --- | --- |"]
    lines += [f"| {label} | {ms:.1f} | {ms / floor:.1f} |" for label, ms in medians.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "benchmarks" / "out" / "corpus")
    parser.add_argument("--every", type=int, default=4)
    parser.add_argument("--results-md", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = parser.parse_args(argv)
    pictures = sorted(args.corpus.iterdir())[::args.every]
    if not pictures:
        raise SystemExit(f"no pictures in {args.corpus}: run benchmarks/detection.py first")
    index = Detector.build(load_features(args.corpus.parent / "home" / "catalogue.db"))
    rows = [stages(index, p.read_bytes(), p.name) for p in pictures]
    medians = {label: statistics.median(r[label] for r in rows if label in r) for label in rows[0]}
    text = "\n".join([
        "## Stages (benchmarks/stages.py)",
        "",
        (f"Run: `python benchmarks/stages.py --every {args.every}` on {time.strftime('%Y-%m-%d')}; "
         f"{len(rows)} pictures of the detection corpus, single process."),
        f"Machine: {machine()}.",
        "",
        table(medians),
    ])
    print(text)
    replace_section("stages", text, args.results_md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
