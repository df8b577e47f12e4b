"""Federal Identity Program signatures: the flag symbol beside institutions' titles, and what is not one.

Every signature is made in code from the official flag symbol (the ``fip_flag``
path of the GC signature the benchmark home's build fetched into its cache)
and an institution's titles from data/institutions.toml, typeset in the
Helvetica-like faces installed here (Liberation Sans and Nimbus Sans from
Debian's packages, DejaVu Sans from matplotlib; regular and bold), on one or
two lines, English first or French first, in colour, black or reversed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from corpus import (
    ROOT,
    Case,
    Context,
    Suite,
    canvas,
    encode,
    flatten,
    foreign_flags,
    paste,
    perspective,
    resize_w,
    screenshot,
)
from PIL import Image, ImageDraw

sys.path.insert(0, str(ROOT / "tests"))
from signature_pictures import TREATMENTS, face, fonts, signature  # noqa: E402

from emblemcheck.catalogue.institutions import load_institutions  # noqa: E402
from emblemcheck.catalogue.manifest import load_manifest  # noqa: E402
from emblemcheck.catalogue.sources import cache_path  # noqa: E402

POSITIVE = ("sig-alone", "sig-letterhead", "sig-slide", "sig-web-header", "sig-small", "sig-angle")
#: A letterhead photographed on a desk, turned 8-30 degrees in its own plane (sig-angle tilts the plane
#: about an axis in it, which keeps the symbol's bars upright); made last, from a stream of its own.
TURNED = "sig-turned"
#: Pages of type without a symbol photographed on a desk, turned up to 25 degrees: letters' strokes at
#: 4-12 px are what the small and tilted symbol searches must not take for a symbol; made last, from a
#: stream of its own.
TEXT_PHOTO = "text-photographed"
NEGATIVE = ("flag-with-caption", "title-without-symbol", "flag-in-photo", "foreign-flag-with-text", TEXT_PHOTO)
CAPTIONS = ("Happy Canada Day!", "Proud to be Canadian", "Bonne fête du Canada !", "Canada Day 2025",
            "Our trip to Ottawa", "Go Canada Go!", "Made in Canada")
FOREIGN_TEXTS = ("Ministry of Foreign Affairs", "Department of State", "Ministère de l'Intérieur",
                 "National Tourism Office")


def _signature_svg(ctx: Context) -> bytes:
    manifest = load_manifest()
    artwork = manifest.entry("gc-signature-en").artwork[0]
    return cache_path(ctx.home.cache, manifest.sources[artwork.source], artwork).read_bytes()


def make(ctx: Context) -> Iterator[tuple[Case, bytes]]:
    rng = ctx.rng
    svg = _signature_svg(ctx)
    institutions = load_institutions()
    faces = fonts()
    photos = list(ctx.backgrounds.values())
    n = 0

    def one() -> tuple[Image.Image, str, tuple]:
        nonlocal n
        institution = institutions[n % len(institutions)]
        first = "en" if rng.random() < 0.5 else "fr"
        treatment = str(rng.choice(list(TREATMENTS)))
        lines = int(rng.choice([1, 2, 2, 3])) if len(institution.en) > 30 else int(rng.choice([1, 2]))
        picture = signature(svg, institution.en, institution.fr, height=int(rng.integers(60, 110)), lines=lines,
                            first=first, treatment=treatment, font=faces[n % len(faces)])
        n += 1
        return picture, institution.entry(first), TREATMENTS[treatment][2]

    for klass in POSITIVE:
        for i in range(ctx.per_class):
            picture, expected, ground = one()
            image = _place(klass, picture, ground, photos[i % len(photos)], rng)
            fmt = "JPEG" if klass in ("sig-slide", "sig-angle", "sig-small") else "PNG"
            yield Case(f"{klass}-{i}", klass, expected), encode(image, fmt, 88)
    yield from _negatives(ctx, svg, institutions, faces, photos)
    # Its own stream (spawning draws nothing from ``rng``): every other class's pictures stay as they were.
    yield from _turned(ctx, svg, institutions, faces, photos, rng.spawn(1)[0])
    yield from _text_photos(ctx, faces, photos, rng.spawn(1)[0])


def _turned(ctx: Context, svg: bytes, institutions, faces, photos, rng) -> Iterator[tuple[Case, bytes]]:
    for i in range(ctx.per_class):
        institution = institutions[(i * 5 + 3) % len(institutions)]
        first = "en" if rng.random() < 0.5 else "fr"
        treatment = str(rng.choice(["colour", "black"]))
        lines = int(rng.choice([1, 2, 2, 3])) if len(institution.en) > 30 else int(rng.choice([1, 2]))
        picture = signature(svg, institution.en, institution.fr, height=int(rng.integers(60, 110)), lines=lines,
                            first=first, treatment=treatment, font=faces[i % len(faces)])
        page = _place("sig-letterhead", picture, (255, 255, 255), photos[i % len(photos)], rng)
        page = page.resize((round(page.width * 0.7), round(page.height * 0.7)), Image.Resampling.LANCZOS)
        angle = float(rng.uniform(8, 30)) * (1 if rng.random() < 0.5 else -1)
        desk = _on_desk(page, angle, photos[(i + 1) % len(photos)], 1600)
        yield Case(f"{TURNED}-{i}", TURNED, institution.entry(first)), encode(desk, "JPEG", 88)


def _on_desk(page: Image.Image, angle: float, photo: Image.Image, least: int) -> Image.Image:
    """``page`` turned ``angle`` degrees and laid in the middle of ``photo``, at least ``least`` px wide."""
    turned = page.convert("RGBA").rotate(angle, Image.Resampling.BICUBIC, expand=True)
    desk = canvas(photo, max(least, turned.width + 100))
    if desk.height < turned.height + 100:
        desk = desk.resize((desk.width, turned.height + 100))
    desk.paste(turned, ((desk.width - turned.width) // 2, (desk.height - turned.height) // 2), turned)
    return desk


#: What the photographed pages say: a letter's body in both languages, with headings.
PAGE_TEXT = ("Dear client, we have received your request and will reply within thirty days.",
             "Nous avons bien reçu votre demande et nous vous répondrons dans les trente jours.",
             "Please bring two pieces of identification and the completed form to the office.",
             "Veuillez apporter deux pièces d'identité et le formulaire rempli au bureau.",
             "Hours: Monday to Friday, 8:30 to 16:30. Closed on statutory holidays.")
HEADINGS = ("Notice to travellers", "Avis aux voyageurs", "Important", "Next steps", "Prochaines étapes")


def _text_photos(ctx: Context, faces, photos, rng) -> Iterator[tuple[Case, bytes]]:
    for i in range(ctx.per_class):
        page = Image.new("RGB", (1275, 1650), "white")
        draw = ImageDraw.Draw(page)
        y = 80
        while y < 1500:
            if rng.random() < 0.25:  # a heading, in FIP red half the time: red strokes beside type
                size = int(rng.integers(30, 56))
                ink = (235, 45, 55) if rng.random() < 0.5 else (0, 0, 0)
                draw.text((90, y), str(rng.choice(HEADINGS)), font=face(faces[(i + 1) % len(faces)], size), fill=ink)
            else:
                size = int(rng.integers(18, 34))
                draw.text((90, y), str(rng.choice(PAGE_TEXT)), font=face(faces[i % len(faces)], size),
                          fill=(30, 30, 30))
            y += round(size * 1.6)
        page = page.resize((round(page.width * rng.uniform(0.35, 0.7)), round(page.height * rng.uniform(0.35, 0.7))),
                           Image.Resampling.LANCZOS)
        desk = _on_desk(page, float(rng.uniform(-25, 25)), photos[i % len(photos)], 1400)
        yield Case(f"{TEXT_PHOTO}-{i}", TEXT_PHOTO, None), encode(desk, "JPEG", 85)


def _place(klass: str, picture: Image.Image, ground: tuple, photo: Image.Image, rng) -> Image.Image:
    if klass == "sig-alone":
        width = int(np.exp(rng.uniform(np.log(120), np.log(1600))))
        return resize_w(picture, width)
    if klass == "sig-letterhead":
        page = Image.new("RGB", (1275, 1650), "white")
        if ground != (255, 255, 255):  # a reversed signature sits on a dark band
            ImageDraw.Draw(page).rectangle([0, 0, 1275, 220], fill=ground)
        page.paste(resize_w(picture, int(rng.integers(380, 640))), (90, 70))
        draw = ImageDraw.Draw(page)
        body = face(fonts()[0], 22)
        for row in range(24):
            draw.text((90, 320 + row * 44), "Dear client, we have received your request and will reply within "
                                            "thirty days.", font=body, fill=(30, 30, 30))
        return page
    if klass == "sig-slide":
        slide = canvas(photo, 1280).crop((0, 0, 1280, 720)).resize((1280, 720))
        band = Image.new("RGB", (1280, 130), ground)
        slide.paste(band, (0, 590))
        mark = resize_w(picture, int(rng.integers(320, 560)))
        slide.paste(mark, (40, 590 + (130 - mark.height) // 2))
        ImageDraw.Draw(slide).text((60, 60), "Quarterly results", font=face(fonts()[-1], 64), fill="white")
        return slide
    rgba = picture.convert("RGBA")
    if klass == "sig-web-header":
        return screenshot(rgba, photo, rng, plate=ground)
    if klass == "sig-small":
        return paste(photo, rgba, rng.uniform(120, 250) / 1200, rng)
    return perspective(photo, rgba, ground, rng)


def _negatives(ctx: Context, svg: bytes, institutions, faces, photos) -> Iterator[tuple[Case, bytes]]:
    rng = ctx.rng
    for i in range(ctx.per_class):
        caption = CAPTIONS[i % len(CAPTIONS)]
        picture = signature(svg, caption, "", height=int(rng.integers(50, 110)), lines=1, font=faces[i % len(faces)],
                            treatment=str(rng.choice(list(TREATMENTS))), title=False)
        image = picture if i % 2 else paste(photos[i % len(photos)], picture.convert("RGBA"), rng.uniform(0.3, 0.6),
                                            rng)
        yield Case(f"flag-with-caption-{i}", "flag-with-caption", None, ("canada-flag",)), encode(image, "PNG")
    for i in range(ctx.per_class):
        institution = institutions[(i * 7) % len(institutions)]
        typeface = face(faces[i % len(faces)], int(rng.integers(28, 60)))
        page = Image.new("RGB", (1400, 260), "white")
        draw = ImageDraw.Draw(page)
        draw.text((40, 40), institution.en, font=typeface, fill="black")
        draw.text((40, 140), institution.fr, font=typeface, fill="black")
        yield Case(f"title-without-symbol-{i}", "title-without-symbol", None), encode(page, "PNG")
    for i in range(ctx.per_class):
        photo = photos[i % len(photos)]
        image = paste(photo, ctx.flag, rng.uniform(0.2, 0.5), rng)
        yield Case(f"flag-in-photo-{i}", "flag-in-photo", None, ("canada-flag",)), encode(image, "JPEG", 88)
    flags = foreign_flags()
    for i in range(ctx.per_class):
        flag = resize_w(flags[i % len(flags)], int(rng.integers(80, 200)))
        page = Image.new("RGB", (1200, 300), "white")
        page.paste(flag, (40, 40))
        draw = ImageDraw.Draw(page)
        draw.text((60 + flag.width, 50), FOREIGN_TEXTS[i % len(FOREIGN_TEXTS)],
                  font=face(faces[i % len(faces)], max(20, flag.height // 3)), fill="black")
        yield Case(f"foreign-flag-with-text-{i}", "foreign-flag-with-text", None), encode(flatten(
            page.convert("RGBA"), (255, 255, 255)), "PNG")


SUITE = Suite(
    name="signatures",
    positive={klass: 0.97 for klass in (*POSITIVE, TURNED)},
    negative=NEGATIVE,
    make=make,
    about=("Federal Identity Program signatures made from the official flag symbol (cut from the fetched GC "
           "signature file) beside the titles of data/institutions.toml, cycling through all 72 institutions, "
           "in Liberation Sans, Nimbus Sans and DejaVu Sans (regular, bold), 1-3 lines, English or French "
           "first, colour, black or reversed: alone (120-1600 px wide), on a letterhead, on a slide over a "
           "photo, in a web page header, small (120-250 px wide in a 1200 px photo), tilted up to 25 "
           "degrees about an axis in its plane (perspective), and on a letterhead photographed on a desk, "
           "turned 8-30 degrees in its plane. Recall is the signature named right (`fip-signature-<id>`, "
           "or `gc-signature-en`/`-fr` by the language on the left); restricted recall any restricted "
           "finding. Negatives: the flag "
           "symbol with captions that are not titles (`canada-flag` allowed), titles typed without the "
           "symbol, the National Flag in photos (`canada-flag` allowed), other countries' flags beside "
           "government-like text, pages of type (some headings in FIP red) photographed on a desk, turned "
           "up to 25 degrees."),
)


def ocr_timing(corpus: Path) -> str:
    """Median seconds of the symbol search (upright and tilted) on every corpus picture, and of reading
    each located symbol's title (OCR, matching and, where they name no one, the lexicon read and the
    silhouette), and of those the silhouette named."""
    import time

    from emblemcheck.engine.ocr import alphabet, line_frames, read_lines
    from emblemcheck.engine.signatures import SHAPED, Speller, read_signatures, read_tilted
    from emblemcheck.engine.silhouettes import match_blocks
    from emblemcheck.engine.symbols import Inks, locate_symbols, locate_tilted
    from emblemcheck.media.decode import read_file
    from emblemcheck.media.frames import iter_frames

    institutions = load_institutions()
    speller = Speller(institutions, line_frames, alphabet)
    search: dict[str, list[float]] = {"with a symbol": [], "without": []}
    per_symbol: list[float] = []
    shaped: list[float] = []  # of those, the symbols whose title was named by its silhouette
    read_lines(np.zeros((32, 32, 3), np.uint8))  # the models load once per process, outside the timings
    speller.lexicon()
    match_blocks(institutions, [np.eye(4, 40, dtype=np.float32)])  # the titles are set once per process too
    for path in sorted(corpus.glob("*")):
        if path.suffix not in (".png", ".jpg", ".webp"):
            continue
        rgb = next(iter_frames(read_file(path), path.name)).image.rgb
        start = time.perf_counter()
        inks = Inks.of(rgb)
        boxes = [s.box for s in locate_symbols(rgb, inks)][:4]
        tilted = locate_tilted(rgb, boxes, inks)[:4 - len(boxes)]
        search["with a symbol" if boxes or tilted else "without"].append(time.perf_counter() - start)
        decided = (read_signatures(rgb, boxes, institutions, read_lines, speller)
                   + read_tilted(rgb, tilted, institutions, read_lines, speller))
        per_symbol += [s.seconds for s in decided]
        shaped += [s.seconds for s in decided if s.note == SHAPED]
    lines = ["| measure | pictures or symbols | median seconds |", "|---|---|---|"]
    for name, values in search.items():
        lines.append(f"| symbol search, pictures {name} | {len(values)} | {np.median(values) if values else 0:.4f} |")
    lines.append(f"| title read per located symbol | {len(per_symbol)} | "
                 f"{np.median(per_symbol) if per_symbol else 0:.3f} |")
    lines.append(f"| of which named by the title's silhouette | {len(shaped)} | "
                 f"{np.median(shaped) if shaped else 0:.3f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    import argparse
    import time

    from corpus import machine
    from results import replace_section

    parser = argparse.ArgumentParser(description="Time the symbol search and the OCR per located symbol "
                                                 "on a corpus written by detection.py.")
    parser.add_argument("corpus", type=Path, help="the corpus folder, e.g. benchmarks/out/corpus")
    args = parser.parse_args()
    table = ocr_timing(args.corpus)
    print(table)
    replace_section("signatures-ocr", "\n".join([
        "## Signatures: symbol search and OCR time (`python benchmarks/suite_signatures.py CORPUS`)", "",
        f"Run on {time.strftime('%Y-%m-%d')}, corpus {args.corpus}; {machine()}. Timings on a shared machine "
        "are noisy: compare within a run.",
        "The symbol search (upright and tilted) runs on every picture; OCR only on the title zones of located "
        "symbols, and the lexicon read and the silhouette only where the free read names no one.", "", table]))
