"""Which material renderings earn their keep: recall gained against index size and time (issue 17).

    python benchmarks/detection.py --suite core materials --out DIR   # first: the home and the corpus
    python benchmarks/materials_cost.py --out DIR [--per-class 12]

Reuses the home and the corpus a detection run left under ``--out``. For
each drawn user emblem it synthesises every candidate material rendering
(engine/materials.py: embroidered, woven, enamel, metal lit from four and from
eight directions), then scans the materials suite's positives and the
pictures without an emblem (the core photos, the materials negatives) with
detectors built on: the flat renderings alone; each candidate added alone;
the set the catalogue keeps (catalogue/materials.SYNTHESISED); every
candidate. Reports, per configuration, recall per class, false alarms, the
index size (reference keypoints) and seconds per picture without an emblem,
measured in this one run, so the ratio to the flat-only detector holds on a
busy machine. Rewrites the ``materials-cost`` section of RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from corpus import ROOT, USER_EMBLEMS, machine
from results import replace_section

from emblemcheck.catalogue.materials import SYNTHESISED
from emblemcheck.catalogue.store import Catalogue, load_features
from emblemcheck.engine import materials as engine
from emblemcheck.engine.detector import Detector
from emblemcheck.engine.features import prepare_reference
from emblemcheck.media.decode import decode
from emblemcheck.scan.scanner import Scanner

#: Candidate sets, each measured added alone to the flat renderings. The metal lights go
#: as sets (four, the first four of engine.LIGHTS, and all eight), alternately gold and silver
#: as the catalogue keeps them: one light alone finds only the badges lit like it, and a
#: set per light and tone was 24 detectors (too long a run on a shared machine).
CANDIDATES: dict[str, tuple[str, ...]] = {
    "embroidered": ("embroidered",), "woven": ("woven",), "enamel": ("enamel",),
    "metal, 4 lights": tuple(f"metal-{'gold' if n % 2 == 0 else 'silver'}-{light:g}"
                             for n, light in enumerate(engine.LIGHTS[:4])),
    "metal, 8 lights": tuple(f"metal-{'gold' if n % 2 == 0 else 'silver'}-{light:g}"
                             for n, light in enumerate(engine.LIGHTS)),
}
POSITIVE = ("embroidered-flash", "metal-badge", "enamel-pin")
NEGATIVE = ("photo", "plain-uniform", "other-patch", "fabric", "coin-medal")


def candidates(catalogue: Catalogue) -> dict[str, list[tuple]]:
    """Every candidate set's ``(rendering_id, emblem_id, features)`` triples, for the drawn emblems."""
    out: dict[str, list[tuple]] = {c: [] for c in CANDIDATES}
    for emblem_id in USER_EMBLEMS:
        flats = {r.variant: r.id for r in catalogue.renderings if r.emblem_id == emblem_id and r.material == "flat"}
        white = catalogue.rendering_image(flats["original-on-white"])
        black = catalogue.rendering_image(flats["original-on-black"])
        mask = engine.object_mask(white, black)
        for name, materials in CANDIDATES.items():
            for made in engine.synthesise(white, mask, materials):
                out[name].append((f"{emblem_id}/candidate/original@{made.name}", emblem_id,
                                  prepare_reference(made.rgb)))
    return out


def measure(scanner: Scanner, triples: list[tuple], cases: list[dict]) -> dict:
    """Recall per positive class, false alarms and seconds per negative picture with a detector on ``triples``."""
    scanner.detector = Detector.build(triples)
    found: dict[str, list[bool]] = {k: [] for k in POSITIVE}
    alarms, negative_seconds = [], []
    for case in cases:
        rgb = decode(Path(case["path"]).read_bytes(), case["name"]).rgb
        started = time.perf_counter()
        emblems = {d.emblem_id for d in scanner.detector.detect(rgb)}
        seconds = time.perf_counter() - started
        if case["expected"] is None:
            negative_seconds.append(seconds)
            if emblems - set(case["allowed"]):
                alarms.append(case["name"])
        else:
            found[case["klass"]].append(case["expected"] in emblems)
    return {"recall": {k: round(float(np.mean(v)), 3) if v else None for k, v in found.items()},
            "false_alarms": alarms, "keypoints": sum(t[2].keypoint_count for t in triples),
            "renderings": len(triples), "negative_seconds": float(np.mean(negative_seconds))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--per-class", type=int, default=12, help="positives per class scanned (default 12)")
    parser.add_argument("--results-md", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = parser.parse_args(argv)
    results = json.loads((args.out / "results.json").read_text())
    cases = [c for c in results["cases"] if c["klass"] in NEGATIVE
             or (c["klass"] in POSITIVE and int(c["name"].split("-")[2]) < args.per_class)]
    catalogue = Catalogue.open(args.out / "home" / "catalogue.db")
    scanner = Scanner(catalogue)
    every = load_features(catalogue.path)
    flat = [t for t in every if catalogue.materials.get(t[0], "flat") == "flat"]
    kept = [t for t in every if catalogue.materials.get(t[0], "flat") != "flat"]
    made = candidates(catalogue)
    configurations = {"flat only": flat, f"flat + kept ({', '.join(SYNTHESISED)})": flat + kept}
    configurations |= {f"flat + {name}": flat + triples for name, triples in made.items()}
    configurations["flat + every candidate"] = flat + [t for name, triples in made.items() for t in triples
                                                   if name != "metal, 4 lights"]  # within the eight
    rows = {}
    for name, triples in configurations.items():
        rows[name] = measure(scanner, triples, cases)
        print(name, json.dumps(rows[name]), file=sys.stderr)
    write(rows, args, len(cases))
    return 0


def write(rows: dict, args, count: int) -> None:
    base = rows["flat only"]
    lines = ["## Material renderings: what each costs and gains (benchmarks/materials_cost.py)", "",
             f"Run: `python benchmarks/materials_cost.py --per-class {args.per_class}` after "
             f"`detection.py --suite core materials` on {time.strftime('%Y-%m-%d')}; {count} pictures "
             f"(the first {args.per_class} of each materials class, every picture without an emblem), "
             "detector only (no whole-image fingerprints).",
             f"Machine: {machine()}; shared with other engineers' runs at the time, so compare the ratios.", "",
             "| detector | " + " | ".join(POSITIVE) + " | false alarms | renderings | keypoints "
             "| s per picture without an emblem |", "|---|" + "---|" * (len(POSITIVE) + 4)]
    for name, row in rows.items():
        recall = " | ".join(f"{row['recall'][k]:.2f}" for k in POSITIVE)
        ratio = row["negative_seconds"] / base["negative_seconds"]
        lines.append(f"| {name} | {recall} | {len(row['false_alarms'])} | {row['renderings']} | {row['keypoints']} "
                     f"| {row['negative_seconds']:.3f} ({ratio:.2f}x flat only) |")
    lines += ["", "False alarm cases: `" + json.dumps({k: v["false_alarms"] for k, v in rows.items()
                                                       if v["false_alarms"]}) + "`", ""]
    replace_section("materials-cost", "\n".join(lines), args.results_md)


if __name__ == "__main__":
    raise SystemExit(main())
