"""Artwork files to flattened RGB references: colour variants x backgrounds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

import numpy as np
from PIL import Image

from ..errors import ArtworkSourceError
from ..media.decode import BACKGROUNDS, is_svg, open_image, to_rgb
from ..media.svg import render_svg
from .manifest import ORIGINAL, Artwork, Variant

#: Longest side of a stored reference. Large enough for local features of the
#: signature's small French words; larger adds keypoints that never match.
REFERENCE_SIDE = 1024

#: Margin kept around the artwork's visible content, as a fraction of its size.
MARGIN = 0.03


@dataclass(frozen=True)
class Flattened:
    """One reference picture: a variant of an artwork on one background."""

    variant: str
    rgb: np.ndarray


def flatten_artwork(data: bytes, artwork: Artwork, variants: dict[str, Variant], name: str) -> list[Flattened]:
    """Render every variant of ``artwork`` and flatten transparent ones on each background."""
    out = []
    for variant_name in artwork.variants:
        variant = variants.get(variant_name, ORIGINAL)
        image = _crop_to_content(_render(data, variant, name))
        if _is_opaque(image):
            out.append(Flattened(variant_name, np.asarray(to_rgb(image))))
            continue
        for background in variant.backgrounds:
            flat = to_rgb(image, BACKGROUNDS[background])
            out.append(Flattened(f"{variant_name}-on-{background}", np.asarray(flat)))
    return out


def _render(data: bytes, variant: Variant, name: str) -> Image.Image:
    if is_svg(data):
        image = render_svg(data, width=REFERENCE_SIDE, name=name, style_sheet=variant.style or None)
    else:
        image = open_image(data, name)
        image.seek(0)  # an animated GIF contributes its first frame
        image = image.convert("RGBA")
    image.thumbnail((REFERENCE_SIDE, REFERENCE_SIDE), Image.Resampling.LANCZOS)
    return image


def _is_opaque(image: Image.Image) -> bool:
    return image.mode != "RGBA" or image.getchannel("A").getextrema()[0] == 255


def _crop_to_content(image: Image.Image) -> Image.Image:
    if image.mode != "RGBA":
        return image
    box = image.getchannel("A").point(lambda a: 255 if a > 8 else 0).getbbox()
    if box is None:
        raise ArtworkSourceError("artwork is fully transparent")
    pad_x = round((box[2] - box[0]) * MARGIN)
    pad_y = round((box[3] - box[1]) * MARGIN)
    return image.crop((max(0, box[0] - pad_x), max(0, box[1] - pad_y),
                       min(image.width, box[2] + pad_x), min(image.height, box[3] + pad_y)))


def rendering_id(emblem_id: str, artwork: Artwork, variant: str) -> str:
    """A stable id: ``<emblem>/<file stem or short sha>/<variant>``."""
    stem = artwork.sha256[:8] if artwork.source == "user" else PurePath(artwork.file).stem
    return f"{emblem_id}/{stem}/{variant}"
