"""Catalogue scale: the shipped catalogue against the same plus N made-up emblems (benchmarks/emblems.py).

Run: python benchmarks/catalogue_scale.py [--count 10000] [--worn N] [--out DIR] [--reuse]
(--reuse keeps DIR's earlier build of the same count, ``build-N.json`` beside ``shipped/`` and ``scaled-N/``: adding
10 000 emblems takes about 18 minutes; a folder whose ``scaled-N/catalogue.db`` links to another run's works too.)
Builds the shipped catalogue (the npm cache, as `catalogue build`), copies it and adds N drawn emblems to the
copy in one `editing()` session through `attach`, as `catalogue import` adds a folder (``--worn N`` of them,
spread evenly, as badges, which get material renderings; the rest as kind ``other``, a program's logo, which
does not; by default all are badges); then, for each
catalogue in a fresh process: the memory the loaded scanner adds, and the time per picture and the verdicts
on the same pictures (each shipped emblem's renderings pasted on generated photographs at two sizes, a few
drawn emblems pasted the same way, and clean photographs). Rewrites the catalogue-scale section of RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))
from emblems import emblem, png  # noqa: E402
from results import replace_section  # noqa: E402

from emblemcheck.home import Home  # noqa: E402

#: The shipped emblems drawn from their official SVG (in the build cache) and the variants they are drawn in.
DRAWN = ("gc-signature-en", "gc-signature-fr", "canada-wordmark")
VARIANTS = ("black", "colour", "reversed", "white")
#: Drawn emblems pasted into pictures: the generated catalogue should find them, the shipped one must not.
GENERATED_PICTURES = 8
CLEAN_PICTURES = 30


def worn(n: int, count: int, worn_count: int) -> bool:
    """Whether drawn emblem ``n`` of ``count`` is one of the ``worn_count`` badges, spread evenly (0 among them)."""
    return worn_count > 0 and n % max(1, count // worn_count) == 0 and n // max(1, count // worn_count) < worn_count


def build(out: Path, count: int, worn_count: int) -> dict:
    """The shipped home, and a copy with ``count`` drawn emblems (``worn_count`` of them badges); the time and
    size of each."""
    from emblemcheck.catalogue import build_catalogue
    from emblemcheck.catalogue.edit import attach, editing

    shipped, scaled = Home(out / "shipped"), Home(out / f"scaled-{count}")
    started = time.perf_counter()
    report = build_catalogue(shipped)
    assert report.problems == (), report.problems
    shipped_s = time.perf_counter() - started
    shutil.copytree(shipped.root, scaled.root, ignore=shutil.ignore_patterns("scans.db*"))
    started = time.perf_counter()
    with editing(scaled) as session:
        for n in range(count):
            fields = {"id": f"drawn-{n:05}", "name": f"Drawn emblem {n}", "agency": "Benchmark agency",
                      "kind": "badge" if worn(n, count, worn_count) else "other", "restriction": "restricted"}
            attach(session, png(n), name=f"drawn-{n:05}.png", original=f"drawn-{n:05}.png", fields=fields)
            if n % 500 == 499:
                print(f"  {n + 1} emblems added, {time.perf_counter() - started:.0f} s", flush=True)
    added_s = time.perf_counter() - started
    return {"count": count, "worn": worn_count, "shipped_build_s": shipped_s, "add_s": added_s,
            "shipped_bytes": shipped.catalogue_db.stat().st_size, "scaled_bytes": scaled.catalogue_db.stat().st_size,
            "artwork_bytes": sum(p.stat().st_size for p in scaled.artwork.rglob("*") if p.is_file())}


def pictures(shipped: Home, out: Path, count: int) -> Path:
    """The pictures both catalogues scan, as JPEG files named by what they hold."""
    from pictures import jpeg, photo_like, rendered

    folder = out / "pictures"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for emblem_id in DRAWN:
        for variant in VARIANTS:
            for share in (3, 5):
                poster = photo_like(960, 640, seed=zlib.crc32(f"{emblem_id}|{variant}|{share}".encode()) % 1000)
                art = rendered(shipped, emblem_id, variant, width=960 // share)
                poster.paste(art, (60, 80))
                jpeg(poster, folder / f"shipped--{emblem_id}--{variant}-{share}.jpg")
    for i in range(GENERATED_PICTURES):
        n = (i * 1237) % count
        poster = photo_like(960, 640, seed=500 + i)
        poster.paste(emblem(n, 240), (300, 200))
        jpeg(poster, folder / f"drawn--drawn-{n:05}--{i}.jpg")
    for i in range(CLEAN_PICTURES):
        jpeg(photo_like(960, 640, seed=2000 + i), folder / f"clean--none--{i}.jpg")
    return folder


def measure(home_root: Path, folder: Path | None) -> dict:
    """In this process: the memory the scanner adds, its load time, and each picture's verdict and time.

    Without ``folder``, only the load (the next process's, with the trees the first one saved).
    """
    import cv2
    import psutil

    from emblemcheck.scan.scanner import open_scanner

    cv2.setNumThreads(1)  # as in a pool worker
    process = psutil.Process()
    before = process.memory_info().rss
    started = time.perf_counter()
    scanner = open_scanner(home_root)
    load_s = time.perf_counter() - started
    loaded = process.memory_info().rss
    if folder is None:
        return {"load_s": load_s, "index_mb": (loaded - before) / 2**20}
    verdicts, times = {}, []
    for path in sorted(folder.iterdir()):
        data = path.read_bytes()
        started = time.perf_counter()
        scanned = scanner.scan_data(data, path.name)
        times.append(time.perf_counter() - started)
        verdicts[path.name] = sorted({f.emblem_id for f in scanned.result.findings})
    return {"index_mb": (loaded - before) / 2**20, "load_s": load_s, "peak_mb": process.memory_info().rss / 2**20,
            "ms_mean": statistics.mean(times) * 1000, "ms_median": statistics.median(times) * 1000,
            "verdicts": verdicts, "descriptors": sum(i.descriptor_count for i in _indexes(scanner))}


def _indexes(scanner) -> list:
    """The detector's FeatureIndex objects, wherever it keeps them (for their descriptor count)."""
    from emblemcheck.engine.index import FeatureIndex

    found, seen = [], set()

    def visit(value, depth=0):
        if id(value) in seen or depth > 3:
            return
        seen.add(id(value))
        if isinstance(value, FeatureIndex):
            found.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                visit(v, depth + 1)
        elif isinstance(value, list | tuple):
            for v in value:
                visit(v, depth + 1)
        elif hasattr(value, "__dict__"):
            for v in vars(value).values():
                visit(v, depth + 1)

    visit(scanner.detector)
    return found


def _measured(home_root: Path, folder: Path) -> dict:
    """:func:`measure` in a fresh interpreter, so each catalogue's memory is its own: first with no saved
    FLANN trees (the first process after a build), then the load alone in another (the trees loaded)."""
    shutil.rmtree(home_root / "index", ignore_errors=True)
    runs = []
    for argv in ([str(home_root), str(folder)], [str(home_root), "-"]):
        done = subprocess.run([sys.executable, __file__, "--measure", *argv], check=True, capture_output=True,
                              text=True)
        runs.append(json.loads(done.stdout.splitlines()[-1]))
    return {**runs[0], "warm_load_s": runs[1]["load_s"], "warm_index_mb": runs[1]["index_mb"]}


def _expected(name: str) -> str | None:
    kind, emblem_id, _rest = name.split("--")
    return None if kind == "clean" else emblem_id


def judge(verdicts: dict, catalogue: str) -> dict:
    """Recall on the shipped emblems, on the drawn ones, and the false alarms, from verdicts by picture name."""
    out = {"shipped_found": 0, "shipped": 0, "drawn_found": 0, "drawn": 0, "false": []}
    for name, found in verdicts.items():
        expected = _expected(name)
        kind = name.split("--")[0]
        if kind in ("shipped", "drawn"):
            out[f"{kind}"] += 1
            out[f"{kind}_found"] += expected in found
        wrong = [e for e in found if e != expected]
        if wrong:
            out["false"].append(f"{name}: {', '.join(wrong)}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "catalogue-scale")
    parser.add_argument("--worn", type=int, default=None, metavar="N",
                        help="how many of the drawn emblems are badges (material renderings); default: all")
    parser.add_argument("--reuse", action="store_true", help="keep an earlier build of the same count")
    parser.add_argument("--measure", nargs=2, metavar=("HOME", "PICTURES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        home_root, folder = args.measure
        print(json.dumps(measure(Path(home_root), None if folder == "-" else Path(folder))))
        return
    facts_file = args.out / f"build-{args.count}.json"
    if not (args.reuse and facts_file.exists()):
        shutil.rmtree(args.out, ignore_errors=True)
        args.out.mkdir(parents=True)
        worn_count = args.count if args.worn is None else args.worn
        facts_file.write_text(json.dumps(build(args.out, args.count, worn_count)))
    facts = json.loads(facts_file.read_text())
    folder = pictures(Home(args.out / "shipped"), args.out, args.count)
    runs = {label: _measured(args.out / name, folder)
            for label, name in (("shipped", "shipped"), ("scaled", f"scaled-{args.count}"))}
    (args.out / f"runs-{args.count}.json").write_text(json.dumps(runs))
    for label, run in runs.items():
        print(label, {k: v for k, v in run.items() if k != "verdicts"}, judge(run["verdicts"], label))
    write(args.count, facts, runs)


def write(count: int, facts: dict, runs: dict) -> None:
    shipped, scaled = runs["shipped"], runs["scaled"]
    a, b = judge(shipped["verdicts"], "shipped"), judge(scaled["verdicts"], "scaled")
    ratio = scaled["ms_mean"] / shipped["ms_mean"]
    new_false = sorted(set(b["false"]) - set(a["false"]))
    mb = 2**20
    replace_section("catalogue-scale", "\n".join([
        "## Catalogue scale (benchmarks/catalogue_scale.py)",
        "",
        f"Run: `python benchmarks/catalogue_scale.py --count {count}"
        + ("" if facts.get("worn", count) == count else f" --worn {facts['worn']}")
        + f"` on {time.strftime('%Y-%m-%d')}; "
        f"{os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}, Python {platform.python_version()}; "
        "the machine was shared with other engineers' builds and tests (busy): compare the two columns, "
        "measured in one run, rather than the absolute times.",
        f"The shipped catalogue, and a copy with {count} drawn emblems added in one `editing()` session through "
        "`attach` (shields, badges and roundels with varied charges and lettering, benchmarks/emblems.py; "
        f"{facts.get('worn', count)} of them as badges, with their material renderings, the rest as kind `other`). "
        f"Pictures: {a['shipped']} with a shipped emblem (3 emblems x 4 colour variants x 2 sizes pasted on "
        f"generated photographs), {a['drawn']} with a drawn emblem, {CLEAN_PICTURES} clean; one process, one "
        "OpenCV thread, as a pool worker.",
        "",
        "| measure | shipped | with the drawn emblems | before this change (same catalogue) | target |",
        "| --- | --- | --- | --- | --- |",
        f"| catalogue build | {facts['shipped_build_s']:.1f} s | + {facts['add_s']:.0f} s to add {count} "
        f"({facts['add_s'] / count * 1000:.0f} ms each) | | |",
        f"| catalogue.db | {facts['shipped_bytes'] / mb:.1f} MB | {facts['scaled_bytes'] / mb:.0f} MB "
        f"(+ {facts['artwork_bytes'] / mb:.0f} MB of artwork files) | | |",
        f"| descriptors indexed | {shipped['descriptors']} | {scaled['descriptors']} | {BEFORE['descriptors']} | |",
        f"| scanner load, first process (builds and saves the trees) | {shipped['load_s']:.2f} s | "
        f"{scaled['load_s']:.1f} s | {BEFORE['load']} | |",
        f"| scanner load, the next processes (trees loaded) | {shipped['warm_load_s']:.2f} s | "
        f"{scaled['warm_load_s']:.1f} s | (no cache) | |",
        f"| memory the loaded scanner adds (first, next) | {shipped['index_mb']:.0f}, "
        f"{shipped['warm_index_mb']:.0f} MB | {scaled['index_mb']:.0f}, {scaled['warm_index_mb']:.0f} MB | "
        f"{BEFORE['memory']} | |",
        f"| time per picture (mean, median) | {shipped['ms_mean']:.0f}, {shipped['ms_median']:.0f} ms | "
        f"{scaled['ms_mean']:.0f}, {scaled['ms_median']:.0f} ms ({ratio:.2f}x) | {BEFORE['time']} | <= 2x: "
        f"{'met' if ratio <= 2 else 'NOT MET'} |",
        f"| shipped emblems found | {a['shipped_found']} of {a['shipped']} | {b['shipped_found']} of {b['shipped']} "
        f"| {BEFORE['shipped']} | unchanged: {'met' if b['shipped_found'] >= a['shipped_found'] else 'NOT MET'} |",
        f"| drawn emblems found | {a['drawn_found']} of {a['drawn']} (not in it) | {b['drawn_found']} of {b['drawn']} "
        f"| {BEFORE['drawn']} | |",
        f"| false alarms | {len(a['false'])} | {len(b['false'])}; new: {len(new_false)} {new_false or ''} | "
        f"{BEFORE['false']} | no new: {'met' if not new_false else 'NOT MET'} |",
        "",
        NOTES,
    ]))


#: The "before" column: the same two catalogues and pictures, measured by this script on the commit before
#: the region path's ranking and the merge's preference for homographies (e33c4c9), 2026-12-02, earlier the
#: same session.
BEFORE = {"descriptors": "2862690", "load": "88.9 s", "memory": "5949 MB",
          "time": "945, 704 ms (1.27x)", "shipped": "22 of 24", "drawn": "6 of 8",
          "false": "2 (drawn-06091 on drawn-01237, drawn-02962 on drawn-04948)"}

#: What the numbers say; kept with the table when it is rewritten.
NOTES = (
    "Scale of this run: 10 000 drawn emblems, 200 of them badges (kind `badge`, so each also gets its ten "
    "material renderings: embroidered, enamel, metal under eight lights) and 9 800 program logos (kind `other`, "
    "flat artwork only): 12 000 renderings. A government-wide catalogue is mostly logos and signatures; heraldry "
    "that is worn is a small part of it. All 10 000 as badges would make 110 000 renderings: at the memory "
    "measured here (about 0.5 MB a rendering with its descriptors and trees) some 50 GB, more than this 24 GB "
    "machine; that catalogue is out of reach of one in-memory index, and the material renderings' descriptors "
    "are what an inverted file over quantised descriptors would have to absorb first. "
    "Changed since the first measurement of this catalogue (the before column): the region path "
    "(engine/regions.py), which compares a blob with every reference at 48 px, chose by edges alone, and at "
    "10 000 emblems of three shapes five emblems scored 0.69-0.75 on edges for the same blob, the right one "
    "fifth and second: it now ranks emblems by edges times colours and leaves a blob that two emblems explain "
    "within 0.05 unreported; and the merge (engine/merge.py) lets a homography explain a shared region before "
    "a similarity or a region match, whose scores are on other scales (one picture's right homography, 20 "
    "inliers, had lost to another badge's blob). Both false alarms went: drawn-04948 is now found by its "
    "homography, drawn-01237's blob is left ambiguous (0.036 ahead of the next emblem: a miss, not a false "
    "alarm). On the 206 pictures of the detection benchmark's core suite (seed 7, 20 per class) every "
    "picture's emblems are the same before and after. The table's run is at commit 357dd08, which also holds "
    "the materials branch's index change (neighbours per query grow with the most renderings one emblem has in "
    "a pool: 32 in the additions' pool, whose worn badges have 13): measured between the two, the same "
    "catalogue took 1.41x the shipped catalogue's time per picture (544 against 387 ms), with the same "
    "verdicts; the wider neighbour search is the difference. Time per picture is the ratio to read: the "
    "measurements met different loads (the before column ran beside other engineers' benchmarks, the table's "
    "beside the test suite). Load: 84 s for the first process (it builds and saves the FLANN trees; 47 s in the "
    "run between), 32 s for every later one; it was 210 s in "
    "the 2026-12-01 run of 10 000 flat emblems, before the small-scale keypoints were stored and the trees "
    "cached. Adding 10 000 emblems took an hour beside other jobs: about 0.3 s a logo and 3 s a badge."
)


if __name__ == "__main__":
    main()
