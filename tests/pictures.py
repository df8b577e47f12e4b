"""Pictures for tests, generated in code.

Official artwork is only ever read from the session's build cache: nothing
derived from it is written outside pytest's temporary folders.
"""

from __future__ import annotations

import io
from contextlib import closing
from pathlib import Path

import numpy as np
from PIL import Image

from emblemcheck.catalogue.manifest import load_manifest
from emblemcheck.catalogue.sources import cache_path
from emblemcheck.home import Home
from emblemcheck.imaging import BACKGROUNDS
from emblemcheck.svg import render_svg


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
