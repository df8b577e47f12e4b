"""Pictures for tests, generated in code.

Official artwork is only ever read from the session's build cache: nothing
derived from it is written outside pytest's temporary folders.
"""

from __future__ import annotations

import io
from contextlib import closing
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from emblemcheck.catalogue.manifest import load_manifest
from emblemcheck.catalogue.sources import cache_path
from emblemcheck.home import Home
from emblemcheck.media.decode import BACKGROUNDS
from emblemcheck.media.svg import render_svg


def official_svg(home: Home, emblem_id: str) -> bytes:
    """The cached official SVG of a shipped emblem (fetched by the session build)."""
    manifest = load_manifest()
    artwork = manifest.entry(emblem_id).artwork[0]
    return cache_path(home.cache, manifest.sources[artwork.source], artwork).read_bytes()


VARIANT_STYLES = {name: v.style for name, v in load_manifest().variants.items()}
VARIANT_BACKGROUND = {"black": "white", "colour": "white", "reversed": "black", "white": "black"}


def rendered(home: Home, emblem_id: str, variant: str = "colour", width: int = 600) -> Image.Image:
    """An official emblem rendered in a colour variant, flattened on its usual background."""
    rgba = render_svg(official_svg(home, emblem_id), width=width, style_sheet=VARIANT_STYLES[variant])
    canvas = Image.new("RGBA", rgba.size, BACKGROUNDS[VARIANT_BACKGROUND[variant]] + (255,))
    canvas.alpha_composite(rgba)
    return canvas.convert("RGB")


def jpeg(image: Image.Image, path: Path, quality: int = 80) -> Path:
    image.convert("RGB").save(path, "JPEG", quality=quality)
    return path


def photo_like(width: int = 640, height: int = 480, seed: int = 0) -> Image.Image:
    """A picture with no emblem: smooth gradients, blobs and noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([
        128 + 100 * np.sin(x / (37 + seed) + y / 53),
        128 + 90 * np.cos(y / (29 + seed)),
        128 + 80 * np.sin((x + y) / 71),
    ], axis=2)
    noisy = base + rng.normal(0, 12, base.shape)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def flagged_paths(home: Home) -> list[str]:
    """The paths scans.db records as flagged, sorted."""
    import sqlite_utils

    with closing(sqlite_utils.Database(home.scans_db)) as db:
        return sorted(r["path"] for r in db.query("select path from files where status = 'flagged'"))


def shield(size: int = 480) -> np.ndarray:
    """A drawn heraldic shield in blue, gold and white (RGB): colour describes every part of it."""
    w, h = size, round(size * 1.15)
    im = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(im)
    d.polygon([(10, 10), (w - 10, 10), (w - 10, h * 0.55), (w / 2, h - 10), (10, h * 0.55)],
              fill=(25, 60, 150), outline=(200, 160, 30), width=14)
    d.line([(30, h * 0.6), (w / 2, h * 0.2), (w - 30, h * 0.6)], fill=(235, 235, 235), width=size // 9)
    stars = ((w * 0.25, h * 0.18, size * 0.07), (w * 0.75, h * 0.18, size * 0.07), (w / 2, h * 0.72, size * 0.08))
    for cx, cy, r in stars:
        radii = [r if i % 2 == 0 else r * 0.45 for i in range(10)]
        d.polygon([(cx + q * np.sin(i * np.pi / 5), cy - q * np.cos(i * np.pi / 5)) for i, q in enumerate(radii)],
                  fill=(210, 170, 30))
    return np.asarray(im)


def stones(width: int = 900, height: int = 700, seed: int = 0) -> Image.Image:
    """Grey gravel: 2500 small polygons in grey shades, busy texture without colour."""
    rng = np.random.default_rng(seed)
    im = Image.new("L", (width, height), 120)
    d = ImageDraw.Draw(im)
    for _ in range(2500):
        x, y, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(6, 16)
        d.polygon([(x + r * np.cos(a), y + r * np.sin(a)) for a in np.sort(rng.uniform(0, 2 * np.pi, 6))],
                  fill=int(rng.integers(60, 200)))
    return im.convert("RGB")


def pdf_of(pages: list[Image.Image], dpi: float = 150) -> bytes:
    """A scanned-style PDF: each picture one image-only page, ``dpi`` pixels per inch (Pillow's PDF writer)."""
    out = io.BytesIO()
    first, *rest = [p.convert("RGB") for p in pages]
    first.save(out, "PDF", resolution=dpi, save_all=True, append_images=rest)
    return out.getvalue()


def raw_pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF written by hand: ``objects`` numbered from 1 (the first is the catalogue), a valid xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


def vector_page_pdf(width_pt: float, height_pt: float, content: bytes = b"") -> bytes:
    """A one-page vector PDF of ``width_pt`` x ``height_pt`` points drawing ``content`` (PDF operators)."""
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Contents 4 0 R >>" % (width_pt, height_pt),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ])


def video_of(frames: list[np.ndarray], fps: float = 2, codec: str = "libx264", container: str = "mp4") -> bytes:
    """A video of RGB ``frames`` (all one size) encoded with PyAV; no frames gives a container with none."""
    import av

    out = io.BytesIO()
    with av.open(out, mode="w", format=container) as output:
        stream = output.add_stream(codec, rate=Fraction(fps).limit_denominator(1000))
        stream.height, stream.width = frames[0].shape[:2] if frames else (64, 64)
        stream.pix_fmt = "yuv420p"
        for array in frames:
            output.mux(stream.encode(av.VideoFrame.from_ndarray(array, format="rgb24")))
        output.mux(stream.encode())
    return out.getvalue()
