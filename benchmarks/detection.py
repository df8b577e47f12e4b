"""Detection benchmark: recall per class, false alarms, sibling confusions, time.

    python benchmarks/detection.py [--out benchmarks/out] [--seed 7] [--per-class 30] [--suite NAME ...]

Builds a catalogue in a fresh home under ``--out`` (the real ``npm pack`` path), adds
three drawn emblems through ``emblemcheck catalogue add`` as a user would,
writes a labelled corpus of pictures under ``--out`` (git-ignored: it holds
renderings of protected symbols), then scans every picture with emblemcheck
and, in the same run, with the plain matcher every peer starts from (SIFT,
ratio test, RANSAC homography, 12 inliers), two whole-image baselines
(imagehash pHash at distance <= 10; PDQ at <= 31 of 256 with its dihedral
hashes) and a decode-only pass (the time floor). Prints a table, saves ``results.json``
under ``--out`` and rewrites ``benchmarks/RESULTS.md``.

The corpus is made of suites: ``core`` (below) and every
``benchmarks/suite_<name>.py`` module's ``SUITE`` (see ``corpus.Suite``).
``--suite`` runs some of them (for working on one); the committed numbers
come from a run of all of them, so every class is measured beside the others.

Backgrounds are real photographs bundled inside Python packages
(scikit-image's wheel and matplotlib's sample_data); nothing is downloaded.
Needs the ``bench`` extra: scikit-image and matplotlib.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import zlib
from dataclasses import asdict
from pathlib import Path

import cv2
import imagehash
import numpy as np
from corpus import (
    ROOT,
    SIBLINGS,
    USER_EMBLEMS,
    Case,
    Context,
    Suite,
    canvas,
    crop_pad_rotate,
    degrade,
    emblem_picture,
    encode,
    extension,
    flatten,
    foreign_flags,
    look_alike_texts,
    machine,
    paste,
    perspective,
    photos,
    resize_w,
    screenshot,
    setup_home,
    watermark,
)
from PIL import Image
from results import replace_section

from emblemcheck.catalogue.store import Catalogue
from emblemcheck.media.decode import decode
from emblemcheck.models import Restriction
from emblemcheck.scan.scanner import Scanner

CORE_POSITIVE = ("copy", "degraded", "crop-pad-rotate", "embedded-large", "embedded-small",
                 "perspective", "watermark", "screenshot")
CORE_NEGATIVE = ("photo", "foreign-flag", "look-alike-text", "national-flag")


def make_core(ctx: Context) -> list[tuple[Case, bytes]]:
    """The core classes: the GC signatures, the wordmark and the drawn emblems under each transformation."""
    rng, sources, flag, backgrounds, per_class = ctx.rng, ctx.sources, ctx.flag, ctx.backgrounds, ctx.per_class
    emblems = sorted(SIBLINGS) + sorted(USER_EMBLEMS)
    photo_names = sorted(backgrounds)
    cases: list[tuple[Case, bytes]] = []

    def add(case: Case, data: bytes) -> None:
        cases.append((case, data))

    for klass in CORE_POSITIVE:
        for i in range(per_class):
            emblem_id = emblems[i % len(emblems)]
            ink, plate = emblem_picture(sources, emblem_id, rng)
            photo = backgrounds[photo_names[int(rng.integers(len(photo_names)))]]
            name = f"{klass}-{i:03d}-{emblem_id}"
            flat = flatten(ink, plate)
            if klass == "copy":
                fmt = ["PNG", "JPEG", "WEBP"][i % 3]
                data = encode(resize_w(flat, int(rng.integers(300, 1001))), fmt, int(rng.integers(60, 96)))
            elif klass == "degraded":
                data = encode(degrade(resize_w(flat, int(rng.integers(300, 800))), rng), "JPEG", 85)
            elif klass == "crop-pad-rotate":
                data = encode(crop_pad_rotate(resize_w(flat, 700), rng), "JPEG", 90)
            elif klass == "embedded-large":
                data = encode(paste(photo, ink, rng.uniform(0.25, 0.6), rng, plate=plate), "JPEG", 88)
            elif klass == "embedded-small":
                data = encode(paste(photo, ink, rng.uniform(0.10, 0.25), rng, plate=plate), "JPEG", 88)
            elif klass == "perspective":
                data = encode(perspective(photo, ink, plate, rng), "JPEG", 88)
            elif klass == "watermark":
                data = encode(watermark(photo, sources, emblem_id, rng), "JPEG", 88)
            else:
                data = encode(screenshot(ink, photo, rng, plate), "PNG")
            add(Case(name, klass, emblem_id), data)

    for name in photo_names:
        add(Case(f"photo-{name}", "photo", None), encode(canvas(backgrounds[name]), "JPEG", 88))
    for i, f in enumerate(foreign_flags()):
        add(Case(f"foreign-flag-{i}", "foreign-flag", None), encode(f, "PNG"))
        photo = backgrounds[photo_names[i % len(photo_names)]]
        add(Case(f"foreign-flag-{i}-in-photo", "foreign-flag", None),
            encode(paste(photo, f.convert("RGBA"), rng.uniform(0.2, 0.5), rng), "JPEG", 88))
    for i, t in enumerate(look_alike_texts()):
        add(Case(f"look-alike-{i}", "look-alike-text", None), encode(t, "PNG"))
        photo = backgrounds[photo_names[(i + 3) % len(photo_names)]]
        add(Case(f"look-alike-{i}-in-photo", "look-alike-text", None),
            encode(paste(photo, t.convert("RGBA"), rng.uniform(0.3, 0.6), rng), "JPEG", 88))
    flag_rgb = flatten(flag, (255, 255, 255))
    add(Case("national-flag-alone", "national-flag", None, ("canada-flag",)), encode(flag_rgb, "PNG"))
    add(Case("national-flag-small-jpeg", "national-flag", None, ("canada-flag",)),
        encode(resize_w(flag_rgb, 240), "JPEG", 80))
    for i in range(6):
        photo = backgrounds[photo_names[(i * 5) % len(photo_names)]]
        add(Case(f"national-flag-in-photo-{i}", "national-flag", None, ("canada-flag",)),
            encode(paste(photo, flag, rng.uniform(0.15, 0.5), rng), "JPEG", 88))
    for i in range(2):
        add(Case(f"national-flag-screenshot-{i}", "national-flag", None, ("canada-flag",)),
            encode(screenshot(flag, backgrounds[photo_names[i]], rng), "PNG"))
    return cases


CORE = Suite("core", {c: 0.97 for c in CORE_POSITIVE} | {"embedded-small": 0.90}, CORE_NEGATIVE, make_core,
             about="The GC signatures (English- and French-first), the Canada wordmark and three drawn user "
                   "emblems, copied, degraded, cropped, pasted into photos large and small, in perspective, "
                   "as watermarks and in web-page headers; negatives: photos, other countries' flags, "
                   "look-alike text without the flag symbol, the National Flag alone.")


def load_suites(names: list[str] | None) -> list[Suite]:
    """``core`` and every ``suite_<name>.py`` beside this file, or only those named."""
    found = {"core": CORE}
    for path in sorted(Path(__file__).parent.glob("suite_*.py")):
        suite = importlib.import_module(path.stem).SUITE
        found[suite.name] = suite
    if names:
        unknown = sorted(set(names) - set(found))
        if unknown:
            raise SystemExit(f"unknown suite(s) {', '.join(unknown)}; known: {', '.join(found)}")
        return [found[n] for n in found if n in names]
    return list(found.values())


def make_corpus(ctx_args: dict, suites: list[Suite], seed: int) -> list[Case]:
    """Every suite's pictures, written under ``out/corpus``; each suite's random stream seeded from its name."""
    folder = ctx_args["out"] / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    out_cases = []
    for suite in suites:
        rng = np.random.default_rng([seed, zlib.crc32(suite.name.encode())] if suite.name != "core" else seed)
        for case, data in suite.make(Context(rng=rng, **ctx_args)):
            path = folder / f"{case.name}.{extension(case, data)}"
            path.write_bytes(data)
            case.path = str(path)
            out_cases.append(case)
    return out_cases


# --- engines ------------------------------------------------------------------------


def run_engines(cases: list[Case], catalogue: Catalogue) -> dict[str, float]:
    """Scan each case with every engine; return total seconds per engine.

    The whole-image baselines and the decode-only floor see only still pictures:
    a PDF, a video or a document is scanned by emblemcheck alone.
    """
    import pdqhash

    scanner = Scanner(catalogue)
    phashes = [(r.emblem_id, imagehash.hex_to_hash(r.phash)) for r in catalogue.renderings]
    pdqs = np.array([np.unpackbits(np.frombuffer(bytes.fromhex(r.pdq), np.uint8)) for r in catalogue.renderings])
    pdq_emblems = [r.emblem_id for r in catalogue.renderings]
    plain = PlainSift(catalogue)
    seconds = {"decode-only": 0.0, "emblemcheck": 0.0, "plain-sift": 0.0, "phash<=10": 0.0, "pdq<=31": 0.0}
    for case in cases:
        data = Path(case.path).read_bytes()
        t = time.perf_counter()
        result = scanner.scan_data(data, case.name).result
        case.results["seconds"] = time.perf_counter() - t
        seconds["emblemcheck"] += case.results["seconds"]
        case.results["emblemcheck"] = sorted({f.emblem_id for f in result.findings})
        case.results["emblemcheck-findings"] = [(f.emblem_id, f.method, f.score, f.inliers) for f in result.findings]
        if result.status == "error":
            case.results["emblemcheck-error"] = result.error
        if Path(case.path).suffix not in STILLS:
            case.results["plain-sift"] = case.results["phash<=10"] = case.results["pdq<=31"] = []
            continue

        t = time.perf_counter()
        image = decode(data, case.name)
        seconds["decode-only"] += time.perf_counter() - t

        t = time.perf_counter()
        case.results["plain-sift"] = plain.find(decode(data, case.name).rgb)
        seconds["plain-sift"] += time.perf_counter() - t

        t = time.perf_counter()
        pil = Image.fromarray(decode(data, case.name).rgb)
        h = imagehash.phash(pil)
        best = min(phashes, key=lambda p: h - p[1])
        seconds["phash<=10"] += time.perf_counter() - t
        case.results["phash<=10"] = [best[0]] if h - best[1] <= 10 else []

        t = time.perf_counter()
        rgb = decode(data, case.name).rgb
        small = rgb if max(rgb.shape[:2]) <= 512 else cv2.resize(rgb, None, fx=512 / max(rgb.shape[:2]),
                                                                   fy=512 / max(rgb.shape[:2]),
                                                                   interpolation=cv2.INTER_AREA)
        dihedral, _quality = pdqhash.compute_dihedral(np.ascontiguousarray(small))
        distances = (np.asarray(dihedral, np.uint8)[:, None, :] != pdqs[None]).sum(axis=2).min(axis=0)
        seconds["pdq<=31"] += time.perf_counter() - t
        i = int(distances.argmin())
        case.results["pdq<=31"] = [pdq_emblems[i]] if distances[i] <= 31 else []
        del image
    return seconds


class PlainSift:
    """The matcher every peer starts from: SIFT on the whole picture, Lowe's ratio test, a RANSAC
    homography per reference rendering, reported at 12 inliers or more.

    The ratio 0.75 is Lowe's (IJCV 2004, section 7.1); the RANSAC reprojection threshold 5 px and
    the 12 inliers are the customary values of OpenCV's feature-homography tutorial and of issue 13.
    Nothing else: no working size, no verification, no colour search.
    """

    RATIO, REPROJECTION, INLIERS = 0.75, 5.0, 12

    def __init__(self, catalogue: Catalogue) -> None:
        self.sift = cv2.SIFT_create()
        self.matcher = cv2.FlannBasedMatcher({"algorithm": 1, "trees": 5}, {"checks": 50})
        self.references = []
        for r in catalogue.renderings:
            grey = cv2.cvtColor(catalogue.rendering_image(r.id), cv2.COLOR_RGB2GRAY)
            keypoints, descriptors = self.sift.detectAndCompute(grey, None)
            if descriptors is not None and len(keypoints) >= self.INLIERS:
                self.references.append((r.emblem_id, np.float32([k.pt for k in keypoints]), descriptors))

    def find(self, rgb: np.ndarray) -> list[str]:
        keypoints, descriptors = self.sift.detectAndCompute(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), None)
        if descriptors is None or len(keypoints) < 2:
            return []
        points = np.float32([k.pt for k in keypoints])
        found = set()
        for emblem_id, ref_points, ref_descriptors in self.references:
            if emblem_id in found:
                continue
            pairs = self.matcher.knnMatch(ref_descriptors, descriptors, k=2)
            good = [m for m, n in (p for p in pairs if len(p) == 2) if m.distance < self.RATIO * n.distance]
            if len(good) < self.INLIERS:
                continue
            src = ref_points[[m.queryIdx for m in good]]
            dst = points[[m.trainIdx for m in good]]
            _h, mask = cv2.findHomography(src, dst, cv2.RANSAC, self.REPROJECTION)
            if mask is not None and int(mask.sum()) >= self.INLIERS:
                found.add(emblem_id)
        return sorted(found)


#: Corpus files the whole-image baselines and the decode-only floor are run on.
STILLS = {".png", ".jpg", ".webp", ".gif"}


def summarise(cases: list[Case], suites: list[Suite], seconds: dict[str, float],
              restrictions: dict[str, Restriction]) -> dict:
    """Per class and engine: recall (the expected emblem reported), restricted recall (any restricted
    emblem reported), false alarms on negatives, sibling confusions; seconds per image."""
    engines = [e for e in seconds if e != "decode-only"]
    stills = sum(1 for c in cases if Path(c.path).suffix in STILLS) or 1
    summary = {"images": len(cases), "suites": [s.name for s in suites],
               "seconds_per_image": {e: s / (stills if e != "emblemcheck" else len(cases))
                                     for e, s in seconds.items()},
               "stills_seconds": {e: s / stills for e, s in seconds.items() if e != "emblemcheck"}
               | {"emblemcheck": sum(c.results.get("seconds", 0.0) for c in cases
                                     if Path(c.path).suffix in STILLS) / stills},
               "stills": stills, "targets": {k: v for s in suites for k, v in s.positive.items()},
               "classes": {s.name: {"positive": list(s.positive), "negative": list(s.negative)} for s in suites},
               "engines": {}}

    def restricted(found: list[str]) -> bool:
        return any(restrictions.get(e) == Restriction.RESTRICTED for e in found)

    for engine in engines:
        per_class = {}
        for suite in suites:
            for klass in suite.positive:
                group = [c for c in cases if c.klass == klass]
                hits = [c for c in group if c.expected in c.results[engine]]
                flagged = [c for c in group if restricted(c.results[engine])]
                per_class[klass] = {
                    "cases": len(group), "found": len(hits),
                    "recall": round(len(hits) / len(group), 4) if group else None,
                    "restricted_recall": round(len(flagged) / len(group), 4) if group else None,
                    "seconds": round(sum(c.results.get("seconds", 0.0) for c in group) / len(group), 4)
                    if group and engine == "emblemcheck" else None,
                    "missed": [c.name for c in group if c not in hits]}
        negatives = [c for c in cases if c.expected is None]
        alarms = [c for c in negatives if set(c.results[engine]) - set(c.allowed)]
        restricted_alarms = [c for c in alarms if restricted(c.results[engine])]
        positives = [c for c in cases if c.expected is not None]
        confusions = [c for c in positives if c.expected in SIBLINGS
                      and (set(c.results[engine]) & SIBLINGS) - {c.expected}]
        extras = [c for c in positives if set(c.results[engine]) - {c.expected}]
        negative_classes = [k for s in suites for k in s.negative]
        summary["engines"][engine] = {
            "recall": per_class,
            "negatives": len(negatives),
            "false_alarms": len(alarms),
            "false_alarms_by_class": {k: sum(1 for c in alarms if c.klass == k) for k in negative_classes},
            "false_alarm_cases": {c.name: c.results[engine] for c in alarms},
            "restricted_false_alarms": len(restricted_alarms),
            "negatives_by_class": {k: sum(1 for c in negatives if c.klass == k) for k in negative_classes},
            "sibling_confusions": len(confusions),
            "sibling_confusion_cases": {c.name: c.results[engine] for c in confusions},
            "extra_findings_on_positives": {c.name: c.results[engine] for c in extras},
        }
    return summary


# --- report -----------------------------------------------------------------------------


def table(summary: dict) -> str:
    """Recall per class and engine, false alarms, confusions and time, one row per class."""
    engines = list(summary["engines"])
    em = summary["engines"]["emblemcheck"]
    rows = ["| suite | class | " + " | ".join(engines) + " | restricted (emblemcheck) | s/image | target |",
            "|---|---|" + "---|" * (len(engines) + 3)]
    for suite, classes in summary["classes"].items():
        for klass in classes["positive"]:
            cells = []
            for e in engines:
                r = summary["engines"][e]["recall"][klass]
                cells.append(f"{r['recall']:.2f} ({r['found']}/{r['cases']})" if r["cases"] else "-")
            r = em["recall"][klass]
            more = f"{r['restricted_recall']:.2f} | {r['seconds']:.3f}" if r["cases"] else "- | -"
            rows.append(f"| {suite} | {klass} | " + " | ".join(cells) + f" | {more} | "
                        f">= {summary['targets'][klass]:.2f} |")
        for klass in classes["negative"]:
            n = em["negatives_by_class"][klass]
            cells = [f"{summary['engines'][e]['false_alarms_by_class'][klass]} of {n}" for e in engines]
            rows.append(f"| {suite} | {klass} (false alarms) | " + " | ".join(cells) + " | | | 0 |")
    rows.append("| all | sibling confusions | " + " | ".join(str(summary["engines"][e]["sibling_confusions"])
                                                          for e in engines) + " | | | 0 |")
    per = summary["seconds_per_image"]
    floor, plain = per["decode-only"], summary["stills_seconds"]["plain-sift"]
    rows.append("| all | seconds per still | " + " | ".join(
        f"{summary['stills_seconds'][e]:.3f} ({summary['stills_seconds'][e] / floor:.1f}x decode, "
        f"{summary['stills_seconds'][e] / plain:.2f}x plain SIFT)" for e in engines)
        + f" | | | (decode-only {floor:.3f} on {summary['stills']} stills) |")
    return "\n".join(rows)


def write_results_md(summary: dict, suites: list[Suite], path: Path, args) -> None:
    e = summary["engines"]["emblemcheck"]
    misses = {k: v["missed"] for k, v in e["recall"].items() if v["missed"]}
    partial = args.suite is not None
    name = "detection" if not partial else "detection-" + "-".join(summary["suites"])
    text = [
        "## Detection (benchmarks/detection.py)" + (f", suites {', '.join(summary['suites'])} only" if partial else ""),
        "",
        f"Run: `python benchmarks/detection.py --per-class {args.per_class} --seed {args.seed}"
        + (" --suite " + " ".join(summary["suites"]) if partial else "") + f"` on "
        f"{time.strftime('%Y-%m-%d')}; {summary['images']} files, single process.",
        f"Machine: {machine()}.",
        "",
        table(summary),
        "",
        "Recall is the share of a class's files in which the expected emblem was reported; restricted recall",
        "the share in which any restricted emblem was. A false alarm is a negative file with any finding other",
        "than those its class allows (the National Flag's `canada-flag`, for information). A sibling confusion",
        "is a GC signature or wordmark picture in which another of the three was reported. The whole-image",
        "baselines see only still pictures.",
        "",
        *[f"- **{s.name}**: {s.about}" for s in suites],
        "",
        "### emblemcheck details",
        "",
        f"- false alarm cases: `{json.dumps(e['false_alarm_cases'])}`",
        f"- sibling confusion cases: `{json.dumps(e['sibling_confusion_cases'])}`",
        f"- extra findings on positive cases: `{json.dumps(e['extra_findings_on_positives'])}`",
        f"- missed cases: `{json.dumps(misses)}`",
        "",
    ]
    replace_section(name, "\n".join(text), path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--per-class", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--suite", nargs="+", help="run only these suites (default: all)")
    parser.add_argument("--results-md", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    suites = load_suites(args.suite)
    started = time.perf_counter()
    home, sources, flag = setup_home(args.out)
    for suite in suites:
        if suite.setup is not None:
            suite.setup(home, sources)
    cases = make_corpus({"out": args.out, "home": home, "sources": sources, "flag": flag,
                         "backgrounds": photos(), "per_class": args.per_class}, suites, args.seed)
    catalogue = Catalogue.open(home.catalogue_db)
    print(f"corpus: {len(cases)} files in {args.out / 'corpus'} ({time.perf_counter() - started:.0f} s)",
          file=sys.stderr)
    seconds = run_engines(cases, catalogue)
    summary = summarise(cases, suites, seconds, {k: v.restriction for k, v in catalogue.emblems.items()})
    summary["date"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    summary["machine"] = machine()
    summary["cases"] = [asdict(c) for c in cases]
    (args.out / "results.json").write_text(json.dumps(summary, indent=2))
    print(table(summary))
    write_results_md(summary, suites, args.results_md, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
