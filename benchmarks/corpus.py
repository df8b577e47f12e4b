"""The pictures the detection benchmark is made of, shared by its suites.

``detection.py`` builds one corpus from suites: its own ``core`` classes and
every ``benchmarks/suite_<name>.py`` module, each of which defines ``SUITE``, a
:class:`Suite` naming its positive classes (with their recall targets), its
negative classes and a ``make`` function that returns labelled pictures. The
helpers here (drawn user emblems, bundled photographs, pasting, perspective,
screenshots, encoding) are what suites compose their pictures from.
"""

from __future__ import annotations

import io
import math
import os
import platform
import shutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from emblemcheck.catalogue import build_catalogue  # noqa: E402
from emblemcheck.home import Home  # noqa: E402
from emblemcheck.media.svg import render_svg  # noqa: E402

SIBLINGS = {"gc-signature-en", "gc-signature-fr", "canada-wordmark"}
GC_STYLES = {  # the manifest's colour variants, with the background each is usually seen on
    "black": (".fip_flag,.fip_text{fill:#000000}", (255, 255, 255)),
    "colour": (".fip_flag{fill:#eb2d37}.fip_text{fill:#000000}", (255, 255, 255)),
    "reversed": (".fip_flag{fill:#eb2d37}.fip_text{fill:#ffffff}", (0, 0, 0)),
    "white": (".fip_flag,.fip_text{fill:#ffffff}", (0, 0, 0)),
}
#: Composites are made on photos scaled to this width: a typical blog or
#: social-media picture (within the detector's FEATURE_SIDE, so nothing is shrunk or tiled).
CANVAS_WIDTH = 1200



# --- emblems -------------------------------------------------------------------


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size)


def drawn_shield(size: int = 600) -> Image.Image:
    """A user's heraldic shield: per chevron, three stars, a motto scroll."""
    im = Image.new("RGBA", (size, int(size * 1.2)), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    w, h = im.size
    outline = [(0.05 * w, 0.05 * h), (0.95 * w, 0.05 * h), (0.95 * w, 0.5 * h), (0.5 * w, 0.95 * h),
               (0.05 * w, 0.5 * h)]
    d.polygon(outline, fill=(20, 60, 140, 255), outline=(200, 160, 20, 255), width=size // 40)
    d.polygon([(0.1 * w, 0.6 * h), (0.5 * w, 0.25 * h), (0.9 * w, 0.6 * h), (0.9 * w, 0.48 * h),
               (0.5 * w, 0.13 * h), (0.1 * w, 0.48 * h)], fill=(230, 230, 230, 255))
    for cx, cy in ((0.25, 0.2), (0.75, 0.2), (0.5, 0.7)):
        _star(d, cx * w, cy * h, size * 0.08, 5, (200, 160, 20, 255))
    d.text((0.5 * w, 0.45 * h), "FIDES", font=font(size // 9), fill=(140, 20, 30, 255), anchor="mm")
    return im


def drawn_badge(size: int = 600) -> Image.Image:
    """A user's round badge: a ring with lettering around a star and a key."""
    im = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    c = size / 2
    d.ellipse([4, 4, size - 4, size - 4], fill=(10, 90, 50, 255), outline=(230, 190, 40, 255), width=size // 30)
    d.ellipse([size * 0.2, size * 0.2, size * 0.8, size * 0.8], fill=(245, 240, 220, 255))
    letters = "PORT AUTHORITY * SERVICE * "
    for i, ch in enumerate(letters):
        a = 2 * math.pi * i / len(letters) - math.pi / 2
        d.text((c + 0.4 * size * math.cos(a), c + 0.4 * size * math.sin(a)), ch, font=font(size // 14),
               fill=(255, 255, 255, 255), anchor="mm")
    _star(d, c, c - size * 0.08, size * 0.14, 6, (10, 90, 50, 255))
    d.rectangle([c - size * 0.02, c, c + size * 0.02, c + size * 0.2], fill=(120, 60, 20, 255))
    d.rectangle([c, c + size * 0.15, c + size * 0.09, c + size * 0.19], fill=(120, 60, 20, 255))
    return im


def drawn_roundel(size: int = 600) -> Image.Image:
    """A user's roundel: concentric rings, a wing-like chevron and initials."""
    im = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    for i, colour in enumerate(((30, 30, 120), (255, 255, 255), (200, 30, 40), (255, 255, 255))):
        m = i * size * 0.09
        d.ellipse([m, m, size - m, size - m], fill=colour + (255,))
    d.polygon([(size * 0.2, size * 0.55), (size * 0.5, size * 0.35), (size * 0.8, size * 0.55),
               (size * 0.7, size * 0.6), (size * 0.5, size * 0.47), (size * 0.3, size * 0.6)], fill=(30, 30, 120, 255))
    d.text((size / 2, size * 0.7), "RCSU", font=font(size // 10), fill=(30, 30, 120, 255), anchor="mm")
    return im


def _star(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, points: int, fill) -> None:
    pts = []
    for i in range(points * 2):
        rad = r if i % 2 == 0 else r * 0.45
        a = math.pi * i / points - math.pi / 2
        pts.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    d.polygon(pts, fill=fill)


USER_EMBLEMS = {"bench-shield": ("shield", drawn_shield), "bench-badge": ("badge", drawn_badge),
                "bench-roundel": ("badge", drawn_roundel)}


def foreign_flags() -> list[Image.Image]:
    """Other countries' flags, drawn from their simple geometry (none has a maple leaf)."""
    out = []
    def flag(w, h, draw):
        im = Image.new("RGB", (w, h), "white")
        draw(ImageDraw.Draw(im), w, h)
        out.append(im)
    flag(900, 600, lambda d, w, h: d.ellipse([w / 2 - h * 0.3, h * 0.2, w / 2 + h * 0.3, h * 0.8], fill=(188, 0, 45)))
    flag(900, 600, lambda d, w, h: (d.rectangle([0, 0, w / 3, h], fill=(0, 85, 164)),
                                    d.rectangle([2 * w / 3, 0, w, h], fill=(239, 65, 53))))
    flag(600, 600, lambda d, w, h: (d.rectangle([0, 0, w, h], fill=(218, 41, 28)),
                                    d.rectangle([w * 0.4, h * 0.19, w * 0.6, h * 0.81], fill="white"),
                                    d.rectangle([w * 0.19, h * 0.4, w * 0.81, h * 0.6], fill="white")))
    # Peru: a red-white-red vertical triband, the National Flag without its leaf.
    flag(900, 600, lambda d, w, h: (d.rectangle([0, 0, w / 3, h], fill=(217, 16, 35)),
                                    d.rectangle([2 * w / 3, 0, w, h], fill=(217, 16, 35))))
    # Lebanon-like: red-white-red horizontal with a green tree.
    flag(900, 600, lambda d, w, h: (d.rectangle([0, 0, w, h / 4], fill=(238, 22, 31)),
                                    d.rectangle([0, 3 * h / 4, w, h], fill=(238, 22, 31)),
                                    d.polygon([(w / 2, h * 0.28), (w * 0.62, h * 0.7), (w * 0.38, h * 0.7)],
                                              fill=(0, 166, 81))))
    flag(900, 600, lambda d, w, h: (d.rectangle([0, 0, w, h / 3], fill=(200, 16, 46)),
                                    d.rectangle([0, 2 * h / 3, w, h], fill=(200, 16, 46))))
    return out


def look_alike_texts() -> list[Image.Image]:
    """"Government of Canada" and "Canada" typed in another font, without the flag symbol."""
    out = []
    for lines, size in ((("Government", "of Canada"), 90),
                        (("Government   Gouvernement", "of Canada      du Canada"), 70),
                        (("Canada",), 200), (("Gouvernement", "du Canada"), 90)):
        f = font(size)
        w = int(max(f.getlength(t) for t in lines)) + 40
        im = Image.new("RGB", (w, int(size * 1.25 * len(lines)) + 40), "white")
        d = ImageDraw.Draw(im)
        for i, t in enumerate(lines):
            d.text((20, 20 + i * size * 1.2), t, font=f, fill="black")
        out.append(im)
    return out


# --- backgrounds ---------------------------------------------------------------


def photos() -> dict[str, Image.Image]:
    """Photographs bundled in the scikit-image wheel and matplotlib's sample_data."""
    import matplotlib
    import skimage

    sk = Path(skimage.__file__).parent / "data"
    mpl = Path(matplotlib.__file__).parent / "mpl-data" / "sample_data"
    files = [sk / n for n in ("astronaut.png", "camera.png", "chelsea.png", "coffee.png", "coins.png",
                              "hubble_deep_field.jpg", "motorcycle_left.png", "retina.jpg", "rocket.jpg",
                              "grass.png", "gravel.png", "brick.png", "page.png", "moon.png")]
    files += [mpl / "grace_hopper.jpg", mpl / "Minduka_Present_Blue_Pack.png"]
    out = {}
    for f in files:
        if f.is_file():
            out[f.stem] = Image.open(f).convert("RGB")
    if len(out) < 8:
        raise SystemExit("install the bench extra (scikit-image, matplotlib): too few bundled photographs found")
    return out


def canvas(photo: Image.Image, width: int = CANVAS_WIDTH) -> Image.Image:
    return photo.resize((width, round(photo.height * width / photo.width)), Image.Resampling.LANCZOS)


# --- transformations -------------------------------------------------------------


def encode(im: Image.Image, fmt: str, quality: int = 85) -> bytes:
    out = io.BytesIO()
    im = im.convert("RGB")
    if fmt == "JPEG":
        im.save(out, "JPEG", quality=quality)
    elif fmt == "WEBP":
        im.save(out, "WEBP", quality=quality)
    else:
        im.save(out, "PNG")
    return out.getvalue()


def flatten(rgba: Image.Image, background) -> Image.Image:
    base = Image.new("RGBA", rgba.size, tuple(background) + (255,))
    base.alpha_composite(rgba)
    return base.convert("RGB")


def resize_w(im: Image.Image, width: int) -> Image.Image:
    width = max(8, int(width))
    return im.resize((width, max(1, round(im.height * width / im.width))), Image.Resampling.LANCZOS)


def paste(photo: Image.Image, rgba: Image.Image, frac: float, rng, opacity: float = 1.0,
          plate: tuple | None = None) -> Image.Image:
    """``rgba`` at ``frac`` of the photo's width, at a random place; on a plate colour if given."""
    pic = canvas(photo).convert("RGBA")
    em = resize_w(rgba, pic.width * frac)
    if plate is not None:
        em = flatten(em, plate).convert("RGBA")
    if em.height > pic.height * 0.9:
        em = resize_w(em, em.width * pic.height * 0.9 / em.height)
    if opacity < 1:
        alpha = np.asarray(em.getchannel("A"), np.float32) * opacity
        em.putalpha(Image.fromarray(alpha.astype(np.uint8)))
    x = int(rng.integers(0, max(1, pic.width - em.width)))
    y = int(rng.integers(0, max(1, pic.height - em.height)))
    pic.alpha_composite(em, (x, y))
    return pic.convert("RGB")


def watermark(photo: Image.Image, sources: dict, emblem_id: str, rng) -> Image.Image:
    """The emblem's ink at 45-70 % opacity over the photo, in the variant that shows on that spot
    (dark ink over a light area, light ink over a dark one), as a person making a watermark would."""
    pic = canvas(photo).convert("RGBA")
    ink, _ = emblem_picture(sources, emblem_id, rng)
    em = resize_w(ink, pic.width * rng.uniform(0.3, 0.6))
    if em.height > pic.height * 0.9:
        em = resize_w(em, em.width * pic.height * 0.9 / em.height)
    x = int(rng.integers(0, max(1, pic.width - em.width)))
    y = int(rng.integers(0, max(1, pic.height - em.height)))
    spot = np.asarray(pic.convert("L").crop((x, y, x + em.width, y + em.height)), np.float32).mean()
    if "svg:" + emblem_id in sources:
        style = GC_STYLES["colour" if spot >= 128 else "reversed"][0]
        em = resize_w(render_svg(sources["svg:" + emblem_id], width=900, style_sheet=style), em.width)
    alpha = np.asarray(em.getchannel("A"), np.float32) * rng.uniform(0.45, 0.7)
    em.putalpha(Image.fromarray(alpha.astype(np.uint8)))
    pic.alpha_composite(em, (x, y))
    return pic.convert("RGB")


def degrade(im: Image.Image, rng) -> Image.Image:
    kind = rng.choice(["blur", "noise", "greyscale", "contrast", "small"])
    if kind == "blur":
        return im.filter(ImageFilter.GaussianBlur(float(rng.uniform(1.0, 2.0))))
    if kind == "noise":
        a = np.asarray(im, np.float32) + rng.normal(0, float(rng.uniform(8, 16)), (im.height, im.width, 3))
        return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if kind == "greyscale":
        return ImageOps.grayscale(im).convert("RGB")
    if kind == "contrast":
        a = np.asarray(im, np.float32)
        f = float(rng.uniform(0.45, 0.7))
        return Image.fromarray(np.clip((a - 128) * f + 128, 0, 255).astype(np.uint8))
    return resize_w(im, int(rng.integers(80, 161)))


def crop_pad_rotate(im: Image.Image, rng) -> Image.Image:
    w, h = im.size
    c = [float(rng.uniform(0.0, 0.10)) for _ in range(4)]
    im = im.crop((int(w * c[0] * 0.5), int(h * c[1] * 0.5), w - int(w * c[2] * 0.5), h - int(h * c[3] * 0.5)))
    pad = int(max(im.size) * rng.uniform(0.05, 0.3))
    colour = tuple(int(v) for v in rng.integers(0, 256, 3))
    im = ImageOps.expand(im, pad, colour)
    angle = float(rng.uniform(-10, 10))
    return im.rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor=colour)


def perspective(photo: Image.Image, rgba: Image.Image, background: tuple, rng) -> Image.Image:
    """The emblem on a plate tilted up to 25 degrees about a random axis, seen by a pinhole camera."""
    pic = canvas(photo)
    em = resize_w(rgba, pic.width * rng.uniform(0.3, 0.5))
    if em.height > pic.height * 0.6:
        em = resize_w(em, em.width * pic.height * 0.6 / em.height)
    plate = flatten(em, background)
    w, h = plate.size
    ax, ay = np.radians(rng.uniform(-25, 25)), np.radians(rng.uniform(-25, 25))
    corners = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]])
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    p = corners @ (ry @ rx).T
    focal = 1.5 * max(w, h)
    proj = np.stack([p[:, 0] * focal / (p[:, 2] + focal), p[:, 1] * focal / (p[:, 2] + focal)], axis=1)
    proj -= proj.min(axis=0)
    ox = rng.uniform(0, max(1, pic.width - proj[:, 0].max()))
    oy = rng.uniform(0, max(1, pic.height - proj[:, 1].max()))
    dst = (proj + [ox, oy]).astype(np.float32)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    size = (pic.width, pic.height)
    warped = cv2.warpPerspective(np.asarray(plate), m, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, size) > 127
    out = np.asarray(pic).copy()
    out[mask] = warped[mask]
    return Image.fromarray(out)


def screenshot(rgba: Image.Image, photo: Image.Image, rng, plate: tuple = (255, 255, 255)) -> Image.Image:
    """A web page: a header bar with the emblem at its left, navigation, a photo and text.

    The header is dark when the emblem's variant is made for dark grounds
    (reversed, white) and white otherwise, as a designer would choose.
    """
    dark = sum(plate) < 384
    page = Image.new("RGB", (1280, 800), (250, 250, 250))
    d = ImageDraw.Draw(page)
    header = (38, 55, 74) if dark else (255, 255, 255)
    d.rectangle([0, 0, 1280, 90], fill=header)
    em = rgba.copy()
    target_h = int(rng.integers(36, 60))
    em = em.resize((max(8, round(em.width * target_h / em.height)), target_h), Image.Resampling.LANCZOS)
    if em.width > 520:
        em = resize_w(em, 520)
    page.paste(flatten(em, header), (24, (90 - em.height) // 2))
    nav = font(18)
    for i, word in enumerate(("Services", "News", "Contact", "About")):
        d.text((760 + i * 120, 36), word, font=nav, fill=(255, 255, 255) if dark else (40, 40, 40))
    page.paste(photo.resize((560, 380)), (40, 130))
    body = font(20)
    for i in range(14):
        d.text((640, 140 + i * 34), "Lorem ipsum dolor sit amet, consectetur adipiscing", font=body, fill=(60, 60, 60))
    return page


# --- the home -------------------------------------------------------------------


def setup_home(out: Path) -> tuple[Home, dict[str, Image.Image], Image.Image]:
    """A fresh home: the shipped catalogue built by npm pack, plus the drawn emblems added by the CLI."""
    from typer.testing import CliRunner

    from emblemcheck.catalogue.manifest import load_manifest
    from emblemcheck.catalogue.sources import cache_path
    from emblemcheck.cli import app

    root = out / "home"  # under --out: git-ignored, replaced on every run
    shutil.rmtree(root, ignore_errors=True)
    home = Home(root)
    report = build_catalogue(home)
    if report.problems:
        raise SystemExit("catalogue build failed: " + "; ".join(report.problems))
    manifest = load_manifest()
    sources = {}
    for emblem_id in sorted(SIBLINGS):
        artwork = manifest.entry(emblem_id).artwork[0]
        sources[emblem_id] = cache_path(home.cache, manifest.sources[artwork.source], artwork).read_bytes()
    drawn = {}
    art = out / "user-artwork"
    art.mkdir(parents=True, exist_ok=True)
    for emblem_id, (kind, draw) in USER_EMBLEMS.items():
        image = draw()
        path = art / f"{emblem_id}.png"
        image.save(path)
        result = CliRunner().invoke(app, ["catalogue", "add", str(path), "--id", emblem_id, "--name", emblem_id,
                                          "--agency", "Benchmark", "--kind", kind, "--restriction", "restricted",
                                          "--home", str(home.root)])
        if result.exit_code != 0:
            raise SystemExit(f"catalogue add {emblem_id} failed: {result.output}")
        drawn[emblem_id] = image
    flag = render_svg((ROOT / "assets" / "canada-flag.svg").read_bytes(), width=900)
    return home, {"svg:" + k: v for k, v in sources.items()} | drawn, flag


def emblem_picture(sources: dict, emblem_id: str, rng, width: int = 900) -> tuple[Image.Image, tuple]:
    """The emblem as RGBA ink on transparency, and the background it is normally printed on."""
    svg = sources.get("svg:" + emblem_id)
    if svg is None:
        return sources[emblem_id].copy(), (255, 255, 255)
    variant = str(rng.choice(list(GC_STYLES)))
    style, background = GC_STYLES[variant]
    return render_svg(svg, width=width, style_sheet=style), background


@dataclass
class Case:
    name: str
    klass: str
    expected: str | None  # emblem id, or None for a negative
    allowed: tuple[str, ...] = ()  # findings that are not false alarms on a negative
    path: str = ""
    results: dict = field(default_factory=dict)
    #: The corpus file's extension; empty: guessed from the bytes (see :func:`extension`).
    ext: str = ""


@dataclass(frozen=True)
class Context:
    """What a suite's ``make`` gets: the built home, the emblems' sources and the photographs."""

    out: Path
    home: Home
    #: ``"svg:<id>"`` -> the GC signatures' and wordmark's SVG bytes; ``<id>`` -> a drawn user emblem (RGBA).
    sources: dict
    flag: Image.Image  # the National Flag, RGBA, 900 px wide
    backgrounds: dict[str, Image.Image]
    per_class: int
    rng: np.random.Generator  # seeded per suite, so one suite's pictures do not depend on another's


@dataclass(frozen=True)
class Suite:
    """A group of benchmark classes, built by one module."""

    name: str
    #: positive class -> recall target (the share of its pictures in which the expected emblem is reported).
    positive: dict[str, float]
    negative: tuple[str, ...]
    make: Callable[[Context], Iterable[tuple[Case, bytes]]]
    #: Runs once on the fresh home before any picture is made (to add emblems as a user would).
    setup: Callable[[Home, dict], None] | None = None
    #: One paragraph for RESULTS.md: what the classes are.
    about: str = ""


#: File extensions by leading bytes, for the corpus's file names (the scanner sniffs content, not names).
_MAGIC = ((b"\x89PNG", "png"), (b"\xff\xd8", "jpg"), (b"RIFF", "webp"), (b"GIF8", "gif"), (b"%PDF", "pdf"),
          (b"PK\x03\x04", "zip"), (b"\x1aE\xdf\xa3", "webm"), (b"<svg", "svg"), (b"<?xml", "svg"))


def extension(case: Case, data: bytes) -> str:
    """``case.ext`` if the suite set it, else one guessed from the bytes (an MP4 has ``ftyp`` at offset 4)."""
    if case.ext:
        return case.ext
    if data[4:8] == b"ftyp":
        return "mp4"
    for magic, ext in _MAGIC:
        if data.startswith(magic):
            return ext
    raise ValueError(f"{case.name}: cannot tell the file type; set Case.ext")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, OpenCV {cv2.__version__}")
