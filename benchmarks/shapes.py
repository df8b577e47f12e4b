"""Any-shape benchmark: tall phone screenshots and 12-50 megapixel photos, recall and cost per megapixel.

    python benchmarks/shapes.py [--out benchmarks/out] [--per-class 12] [--seed 7] [--home DIR]

Builds (or, with ``--home``, reuses) the benchmark's home from detection.py
(the shipped catalogue by ``npm pack`` plus three drawn emblems) and makes,
in memory, three classes of picture on the bundled real photographs:

* ``tall-screenshot``: a GC page as a phone shows it, 390-430 px wide and
  2000-9000 px tall, the signature (170-220 px wide) in the header and the
  Canada wordmark (90-120 px) in the footer; both must be reported.
* ``big-photo``: a photo of 12 to 50 megapixels (4:3) with one emblem at 3-8 %
  of its width (the signatures, wide and short, at 5-8 %), saved as JPEG.
* ``big-negative``: the same photos and pages without any emblem.

Each picture is scanned twice: by today's scanner (area-bounded decode, the
whole look plus tiles) and by the one-look path emblemcheck had before
(decoded to 1600 px on the longest side, searched at 1280 px, no tiles).
Prints a table and rewrites its section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import ROOT, encode, flatten, font, machine, photos, render_svg, resize_w, setup_home  # noqa: E402
from results import replace_section  # noqa: E402

from emblemcheck.catalogue.store import Catalogue  # noqa: E402
from emblemcheck.engine import tiles  # noqa: E402
from emblemcheck.home import Home  # noqa: E402
from emblemcheck.media.decode import decode  # noqa: E402
from emblemcheck.scan.scanner import Scanner  # noqa: E402

SIGNATURES = ("gc-signature-en", "gc-signature-fr")
BIG_PHOTO_EMBLEMS = ("canada-wordmark", "bench-shield", "bench-badge", "bench-roundel") + SIGNATURES
#: The one-look path of before: the decoder kept 1600 px on the longest side.
OLD_WORK_SIDE = 1600


def svg_emblem(home: Home, emblem_id: str, width: int) -> Image.Image:
    """An official emblem in colour, flattened on white, ``width`` px wide."""
    from emblemcheck.catalogue.manifest import load_manifest
    from emblemcheck.catalogue.sources import cache_path

    manifest = load_manifest()
    artwork = manifest.entry(emblem_id).artwork[0]
    rgba = render_svg(cache_path(home.cache, manifest.sources[artwork.source], artwork).read_bytes(), width=width)
    page = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    page.alpha_composite(rgba)
    return page.convert("RGB")


def tall_page(home: Home, backgrounds: list[Image.Image], rng, with_emblems: bool) -> Image.Image:
    width, height = int(rng.integers(390, 431)), int(rng.integers(2000, 9001))
    page = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(page)
    y = 90
    while y < height - 200:  # the page's body: text lines and photos, as a GC page on a phone
        if rng.random() < 0.3:
            photo = resize_w(backgrounds[int(rng.integers(len(backgrounds)))], width - 32)
            page.paste(photo, (16, y))
            y += photo.height + 24
        else:
            d.text((16, y), "Services and information for Canadians"[: int(rng.integers(12, 38))],
                   fill=(40, 40, 40), font=font(int(rng.integers(14, 22))))
            y += 34
    d.rectangle([0, height - 160, width, height], fill=(242, 242, 242))
    if with_emblems:
        page.paste(svg_emblem(home, "gc-signature-en", int(rng.integers(170, 221))), (14, 18))
        wordmark = svg_emblem(home, "canada-wordmark", int(rng.integers(90, 121)))
        wordmark_plate = Image.new("RGB", wordmark.size, (242, 242, 242))
        wordmark_plate.paste(wordmark)
        page.paste(wordmark_plate, (width - wordmark.width - 16, height - wordmark.height - 40))
    return page


def big_photo(home: Home, drawn: dict, backgrounds: list[Image.Image], rng, emblem_id: str | None) -> Image.Image:
    megapixels = float(rng.uniform(12, 50))
    width = round((megapixels * 1e6 * 4 / 3) ** 0.5)
    photo = backgrounds[int(rng.integers(len(backgrounds)))]
    photo = photo.resize((width, round(width * 3 / 4)), Image.Resampling.BICUBIC)
    noise = np.random.default_rng(int(rng.integers(1 << 30))).normal(0, 6, (photo.height, photo.width, 1))
    photo = Image.fromarray(np.clip(np.asarray(photo, np.float32) + noise, 0, 255).astype(np.uint8))
    if emblem_id is None:
        return photo
    share = float(rng.uniform(0.05, 0.08) if emblem_id in SIGNATURES else rng.uniform(0.03, 0.08))
    size = round(width * share)
    emblem = resize_w(drawn[emblem_id], size) if emblem_id in drawn else svg_emblem(home, emblem_id, size)
    x = int(rng.integers(0, photo.width - emblem.width))
    y = int(rng.integers(0, photo.height - emblem.height))
    photo.paste(emblem, (x, y))
    return photo


def one_look(scanner: Scanner, data: bytes) -> set[str]:
    """What the scanner of before found: decoded to 1600 px on the longest side, no tiles."""
    image = decode(data)
    side = max(image.width, image.height)
    work = round(image.width * min(1, OLD_WORK_SIDE / side)) * round(image.height * min(1, OLD_WORK_SIDE / side))
    image = decode(data, work_pixels=work)
    saved = tiles.TILE_FROM
    tiles.TILE_FROM = 10**9
    try:
        return {f.emblem_id for f in scanner.inspect(image)[0]}
    finally:
        tiles.TILE_FROM = saved


def cases(home: Home, drawn: dict, backgrounds: list[Image.Image], rng, per_class: int):
    """``(class, name, picture, format, expected emblems)``, made one at a time (a 50-megapixel photo is 150 MB)."""
    for i in range(per_class):
        yield ("tall-screenshot", f"tall-{i:03d}", tall_page(home, backgrounds, rng, True), "PNG",
               {"gc-signature-en", "canada-wordmark"})
        emblem = BIG_PHOTO_EMBLEMS[i % len(BIG_PHOTO_EMBLEMS)]
        yield ("big-photo", f"big-{i:03d}-{emblem}", big_photo(home, drawn, backgrounds, rng, emblem), "JPEG",
               {emblem})
        negative = tall_page(home, backgrounds, rng, False) if i % 2 else big_photo(home, drawn, backgrounds, rng,
                                                                                    None)
        yield "big-negative", f"negative-{i:03d}", negative, "JPEG", set()


def run(home: Home, drawn: dict, per_class: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    backgrounds = list(photos().values())
    scanner = Scanner(Catalogue.open(home.catalogue_db))
    rows = {k: {"cases": 0, "found": 0, "before": 0, "false_alarms": 0, "seconds": 0.0, "cpu": 0.0,
                "megapixels": 0.0,
                "missed": []} for k in ("tall-screenshot", "big-photo", "big-negative")}
    for klass, name, picture, fmt, expected in cases(home, drawn, backgrounds, rng, per_class):
        data = encode(picture, fmt, quality=90)
        started, cpu_started = time.perf_counter(), time.process_time()
        result = scanner.scan_data(data, name).result
        row = rows[klass]
        row["seconds"] += time.perf_counter() - started
        row["cpu"] += time.process_time() - cpu_started
        row["megapixels"] += picture.width * picture.height / 1e6
        row["cases"] += 1
        found = {f.emblem_id for f in result.findings}
        if expected:
            row["found"] += expected <= found
            row["before"] += expected <= one_look(scanner, data)
            if not expected <= found:
                row["missed"].append(name)
            row["false_alarms"] += bool(found - expected)
        else:
            row["false_alarms"] += bool(found)
            if found:
                row["missed"].append(f"{name}: {sorted(found)}")
        print(f"{name}: {picture.width}x{picture.height} found {sorted(found)}", file=sys.stderr)
    return rows


def table(rows: dict) -> str:
    lines = ["| class | recall now | recall before (one look at 1280 px) | false alarms | seconds per image | "
             "seconds per megapixel | CPU seconds per image |", "|---|---|---|---|---|---|---|"]
    for klass, r in rows.items():
        n = r["cases"]
        recall = f"{r['found'] / n:.2f} ({r['found']}/{n})" if klass != "big-negative" else "-"
        before = f"{r['before'] / n:.2f} ({r['before']}/{n})" if klass != "big-negative" else "-"
        lines.append(f"| {klass} | {recall} | {before} | {r['false_alarms']} | {r['seconds'] / n:.2f} | "
                     f"{r['seconds'] / r['megapixels']:.3f} | {r['cpu'] / n:.2f} |")
    return "\n".join(lines)


def arguments(doc: str, argv: list[str] | None) -> argparse.Namespace:
    """The options shapes.py and the benchmarks built on its pictures share."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--home", type=Path, help="reuse the home detection.py built (DIR/home under its --out)")
    parser.add_argument("--per-class", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--results-md", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    return parser.parse_args(argv)


def home_and_drawn(args: argparse.Namespace) -> tuple[Home, dict[str, Image.Image]]:
    """The benchmark's home (``--home``, or built afresh under ``--out``) and its drawn emblems, flattened on white."""
    if args.home:
        home = Home(args.home)
        drawn = {p.stem: flatten(Image.open(p).convert("RGBA"), (255, 255, 255))
                 for p in (args.home.parent / "user-artwork").glob("*.png")}
        return home, drawn
    args.out.mkdir(parents=True, exist_ok=True)
    home, sources, _flag = setup_home(args.out)
    drawn = {k: flatten(v.convert("RGBA"), (255, 255, 255)) for k, v in sources.items() if not k.startswith("svg:")}
    return home, drawn


def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__, argv)
    home, drawn = home_and_drawn(args)
    rows = run(home, drawn, args.per_class, args.seed)
    text = "\n".join([
        "## Any shape (benchmarks/shapes.py)",
        "",
        f"Run: `python benchmarks/shapes.py --per-class {args.per_class} --seed {args.seed}` on "
        f"{time.strftime('%Y-%m-%d')}; single process. Machine: {machine()}.",
        "",
        table(rows),
        "",
        "A tall screenshot counts as found when both its header signature and its footer wordmark are reported;",
        "a big photo when its one emblem is. Seconds are the whole scan (decode, fingerprints, every look) per",
        "picture, and per megapixel of the original picture.",
        "",
        f"- missed or falsely flagged: `{ {k: r['missed'] for k, r in rows.items() if r['missed']} }`",
    ])
    print(table(rows))
    replace_section("shapes", text, args.results_md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
