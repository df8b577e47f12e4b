"""Materials: a flat artwork rendered as the object a camera meets (an embroidered flash, a cast badge, a pin).

Pure core: an RGB ``uint8`` artwork and its object mask in, an RGB
``uint8`` rendering out. The catalogue indexes these beside the flat
renderings, each marked with the material it stands for, so that a photo of
a shoulder flash or a belt badge is matched against something that looks
like it: the flat artwork has colours and hard edges that thread and metal
do not keep (issue 17).

What each material changes, and so what its rendering imitates:

- ``embroidered``: colours reduced to a few threads, a stitch texture whose
  direction differs between areas, outlines softened by the thread's fuzz,
  a satin (merrowed) border around the patch, on a dark uniform cloth;
- ``woven``: the same palette with a finer, flatter weave and no border;
- ``metal``: no colour of its own; the design's structure (its colour
  boundaries) becomes relief, shaded by a light, in gold, silver or bronze;
- ``enamel``: flat colours inside raised metal outlines (cloisonne).

The random texture is seeded, so a build is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import cv2
import numpy as np

Material = Literal["flat", "embroidered", "woven", "metal", "enamel"]
MATERIALS: tuple[Material, ...] = get_args(Material)


#: Longest side (px) the synthesis works at: textures and borders are sized
#: for it. The flat references are at most 1024 px (artwork.REFERENCE_SIDE);
#: 512 px is what an emblem 10-35 % of a photo's width spans at FEATURE_SIDE
#: (130-450 px), so a rendering at this size has the detail a photo keeps.
SIDE = 512

#: Cloth around the object on each side, as a share of SIDE: room for its rim and its blur. A guess.
MARGIN = 0.04

#: Threads in an embroidered rendering: flashes are stitched in 4-8 colours
#: (a guess from the drawn emblems, which use 4-6); enamel has as many pots.
THREADS = 6

#: Stitch period in px at SIDE, and its contrast (share of the thread's
#: brightness): a satin stitch 2-3 mm wide on a 80 mm flash, rendered lightly
#: so SIFT does not describe the texture instead of the design. A guess.
STITCH_PERIOD = 5.0
STITCH_CONTRAST = 0.18

#: Satin border width as a share of the longest side (a 3 mm merrow on a 80 mm flash). A guess.
BORDER = 0.03

#: Width of an enamel pin's metal wires (and rim) as a share of its longest side: a wire of
#: 0.5 mm on a 20 mm pin, so thin areas of a design (a roundel's rings) become mostly metal.
#: Chosen on 20 simulated pins (suite_materials.py, seed 3, not the benchmark's seed 7), direct
#: matching of one rendering against the photo: 0.006 of the side (a 3 px line at SIDE, as first
#: written) gave 10 inliers or more in 5 of 20, 0.015 in 11, 0.025 in 12, 0.035 in 9.
WIRE = 0.025

#: The dark uniform cloth a flash or badge is shown on, RGB (a navy serge).
UNIFORM = (32, 36, 48)

#: Metal tones, RGB, as the base colour of the shaded relief.
TONES: dict[str, tuple[int, int, int]] = {"gold": (214, 172, 72), "silver": (196, 198, 204),
                                          "bronze": (170, 110, 60)}

#: Light directions (azimuth in degrees, clockwise from the top) a metal relief is shaded from.
LIGHTS = (315.0, 45.0, 135.0, 225.0, 0.0, 90.0, 180.0, 270.0)

#: The relief's profile: the blur (Gaussian sigma, px at SIDE) that rounds its steps and the
#: height scale its shading is computed with. Chosen on 20 simulated badges (suite_materials.py,
#: seed 3, not the benchmark's seed 7), direct matching of the eight lights' renderings against
#: each photo, badges with 10 inliers or more: sigma 1.5 and scale 12 (as first written) 9 of 20;
#: sigma 3 with scale 6, 12, 24: 7, 12, 15. A cast badge's steps are rounded and
#: deep: thin sharp lines describe a die's drawing, not its casting. Measured again on 30 badges
#: (seed 3, 2026-12-02) in the direction the index matches (each picture keypoint against a
#: rendering's two nearest): sigma 3 keeps 22 of 30 at >= 10 inliers, sigma 1.5 17, scale 36 at
#: sigma 3 19, and the scanner agreed (sigma 1: 17 -> 12 badges found). Matched the other way (the
#: rendering's keypoints against the picture's) sharper reliefs look better (sigma 1-1.5: 26-30 of
#: 30 against 22): measure in the index's direction. Domed fields (height from a distance transform
#: of each colour area) gave 16, with raised rims 18, rims alone 16 (in that other direction).
#: Kept at SIDE: shrunk to 256 px the reliefs found 18 badges and 28 pins of 30 at seed 3 (17 and 25
#: at 512 px), but 17 and 27 at seed 7 against 20 and 27 (benchmarks/RESULTS.md, branch metal3).
RELIEF_BLUR = 3.0
RELIEF_STRENGTH = 24.0


@dataclass(frozen=True)
class MaterialRendering:
    """One synthesised rendering: its material, a short name for its id, and the RGB pixels."""

    material: Material
    name: str
    rgb: np.ndarray


def object_mask(on_white: np.ndarray, on_black: np.ndarray | None = None) -> np.ndarray:
    """Where the object is (``bool``): where the artwork flattened on white and on black differ
    (its transparent ground), or, for an opaque artwork, everything."""
    if on_black is None or on_black.shape != on_white.shape:
        return np.ones(on_white.shape[:2], bool)
    differs = np.abs(on_white.astype(np.int16) - on_black.astype(np.int16)).max(axis=2) < 128
    if differs.mean() < 0.05:  # opaque after all: nothing, or almost nothing, shows through
        return np.ones(on_white.shape[:2], bool)
    return cv2.morphologyEx(differs.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8)).astype(bool)


def synthesise(rgb: np.ndarray, mask: np.ndarray, materials: tuple[str, ...]) -> list[MaterialRendering]:
    """The renderings of an artwork (RGB, its object mask) in each of ``materials``."""
    rgb, mask = _working(rgb, mask)
    # One palette and one height map for all: k-means and the relief are the same for every light.
    palette = quantise(rgb, mask)
    height: np.ndarray | None = None
    out: list[MaterialRendering] = []
    for material in materials:
        if material == "embroidered":
            out.append(MaterialRendering("embroidered", "embroidered", embroidered(rgb, mask, palette)))
        elif material == "woven":
            out.append(MaterialRendering("woven", "woven", woven(rgb, mask, palette)))
        elif material == "enamel":
            out.append(MaterialRendering("enamel", "enamel", enamel(rgb, mask, palette)))
        elif material.startswith("metal"):
            _, tone, light = (material.split("-") + ["gold", str(LIGHTS[0])])[:3]
            height = relief(rgb, mask, palette) if height is None else height
            out.append(MaterialRendering("metal", material, metal(rgb, mask, tone, float(light), height)))
    return out


def artwork_box(width: int, height: int) -> tuple[float, float, float, float]:
    """Where the artwork lies (x0, y0, x1, y1) in a rendering :func:`synthesise` made, seen at ``width`` x
    ``height`` px: inside the cloth margin (MARGIN of SIDE on each side), so that a finding outlines the
    object, as large as the flat artwork's own finding, not the cloth around it."""
    pad = round(MARGIN * SIDE)
    inset = pad / (SIDE + 2 * pad) * max(width, height)
    return inset, inset, width - inset, height - inset


def _working(rgb: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    factor = SIDE / max(rgb.shape[:2])
    size = (max(1, round(rgb.shape[1] * factor)), max(1, round(rgb.shape[0] * factor)))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    small = cv2.resize(np.ascontiguousarray(rgb), size, interpolation=interpolation)
    small_mask = cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
    # Cloth all round: an artwork drawn to its edges (a disc touching its box) would otherwise have
    # its rim cut off, and the blurs mirror it at the border (tabs where a roundel touches its box).
    pad = round(MARGIN * SIDE)
    small = cv2.copyMakeBorder(small, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    small_mask = cv2.copyMakeBorder(small_mask, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    return small, small_mask.astype(bool)


#: A quantised artwork: its pixels in thread colours (float32 RGB) and each pixel's label.
Palette = tuple[np.ndarray, np.ndarray]


def quantise(rgb: np.ndarray, mask: np.ndarray, colours: int = THREADS) -> Palette:
    """The artwork in ``colours`` colours (k-means over the object's pixels) and each pixel's label."""
    object_pixels = rgb[mask]
    # Distinct colours counted as packed integers: np.unique over rows sorts them lexically, 50x slower.
    packed = (object_pixels[:, 0].astype(np.uint32) << 16) | (object_pixels[:, 1].astype(np.uint32) << 8) \
        | object_pixels[:, 2]
    pixels = object_pixels.astype(np.float32)
    k = max(1, min(colours, len(np.unique(packed))))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)
    cv2.setRNGSeed(17)
    # OpenCV's stubs before 5.1 refuse None for bestLabels, 5.1's accept it: the ignore covers both.
    _compactness, _labels, centres = cv2.kmeans(pixels, k, None, criteria, 2,  # type: ignore[call-overload,unused-ignore]
                                                cv2.KMEANS_PP_CENTERS)
    distances = ((rgb.astype(np.float32)[:, :, None, :] - centres[None, None]) ** 2).sum(axis=3)
    labels = distances.argmin(axis=2)
    # A label map smoothed like thread: stitches do not follow single-pixel detail.
    labels = cv2.medianBlur(labels.astype(np.uint8), 5)
    return centres[labels].astype(np.float32), labels


def _stitches(shape: tuple[int, int], labels: np.ndarray, period: float, seed: int) -> np.ndarray:
    """A satin-stitch modulation (mean 0, amplitude 1) whose direction changes from one thread area to the next."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32)
    out = np.zeros(shape, np.float32)
    for label in np.unique(labels):
        angle = rng.uniform(0, np.pi)
        wave = np.sin(2 * np.pi * (x * np.cos(angle) + y * np.sin(angle)) / period)
        out[labels == label] = wave[labels == label]
    return out


def _on_cloth(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    soft = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 1.0)[..., None]
    return rgb * soft + np.array(UNIFORM, np.float32) * (1 - soft)


def embroidered(rgb: np.ndarray, mask: np.ndarray, palette: Palette | None = None) -> np.ndarray:
    """The artwork as an embroidered flash: threads, stitches, fuzzed outlines, a satin border, on cloth."""
    threads, labels = palette or quantise(rgb, mask)
    stitch = _stitches(mask.shape, labels, STITCH_PERIOD, seed=1)
    image = threads * (1 + STITCH_CONTRAST * stitch[..., None])
    image = np.asarray(cv2.GaussianBlur(image, (0, 0), 1.2), np.float32)  # the thread's fuzz at region boundaries
    width = max(2, round(BORDER * max(mask.shape)))
    ring = mask & ~cv2.erode(mask.astype(np.uint8), np.ones((width, width), np.uint8)).astype(bool)
    border_colour = threads[ring].mean(axis=0) if ring.any() else np.array(UNIFORM, np.float32)
    rope = _stitches(mask.shape, np.zeros(mask.shape, np.uint8), STITCH_PERIOD * 0.8, seed=2)
    image[ring] = border_colour * (1 + STITCH_CONTRAST * rope[ring, None])
    return _finish(_on_cloth(image, mask))


def woven(rgb: np.ndarray, mask: np.ndarray, palette: Palette | None = None) -> np.ndarray:
    """The artwork as a woven patch: the thread palette with a fine, flat weave."""
    threads, labels = palette or quantise(rgb, mask)
    y, x = np.mgrid[0:mask.shape[0], 0:mask.shape[1]]
    weave = np.where((x // 2 + y // 2) % 2 == 0, 1.0, -1.0).astype(np.float32)
    image = cv2.GaussianBlur(threads * (1 + 0.08 * weave[..., None]), (0, 0), 0.8)
    return _finish(_on_cloth(image, mask))


def relief(rgb: np.ndarray, mask: np.ndarray, palette: Palette | None = None) -> np.ndarray:
    """A height map (0-1) of the design's structure: the plate raised, and its lighter areas raised on it.

    A cast badge keeps the design's shapes, not its colours: each colour area
    (of the quantised artwork, so anti-aliasing does not add steps) stands at
    a height that follows its lightness, so every colour boundary is a step.
    Which side of a step is the higher one only flips its shading, as a light
    from the opposite side does: the renderings lit from several sides cover both.
    """
    threads, _labels = palette or quantise(rgb, mask)
    lightness = threads @ np.array([0.299, 0.587, 0.114], np.float32)
    span = float(np.ptp(lightness[mask])) if mask.any() else 0.0
    levels = (lightness - float(lightness[mask].min())) / span if span > 1e-6 else np.zeros_like(lightness)
    plate = mask.astype(np.float32)
    return np.asarray(cv2.GaussianBlur(0.5 * plate + 0.5 * levels * plate, (0, 0), RELIEF_BLUR), np.float32)


def shade(height: np.ndarray, azimuth: float, strength: float = RELIEF_STRENGTH) -> np.ndarray:
    """Lambertian shading (0-1) of a height map lit from ``azimuth`` degrees at 45 degrees elevation."""
    gy, gx = np.gradient(height * strength)
    normal = np.stack([-gx, -gy, np.ones_like(height)], axis=2)
    normal /= np.linalg.norm(normal, axis=2, keepdims=True)
    a = np.radians(azimuth)
    light = np.array([np.sin(a), -np.cos(a), 1.0]) / np.sqrt(2.0)
    return np.clip(normal @ light, 0, 1).astype(np.float32)


def metal(rgb: np.ndarray, mask: np.ndarray, tone: str = "gold", azimuth: float = LIGHTS[0],
          height: np.ndarray | None = None) -> np.ndarray:
    """The artwork as a cast or stamped metal badge: its structure in relief, one tone, shaded from ``azimuth``.

    ``height`` is the artwork's relief (:func:`relief`), when the caller already made it for another light.
    """
    height = relief(rgb, mask) if height is None else height
    light = shade(height, azimuth)
    base = np.array(TONES.get(tone, TONES["gold"]), np.float32)
    image = base * (0.35 + 0.9 * light[..., None]) + 40 * light[..., None] ** 8  # diffuse, then a sheen
    return _finish(_on_cloth(image, mask))


def enamel(rgb: np.ndarray, mask: np.ndarray, palette: Palette | None = None) -> np.ndarray:
    """The artwork as an enamel pin: flat colours inside raised gold wires (WIRE wide), with a glossy sheen."""
    colours, labels = palette or quantise(rgb, mask)
    wire = np.ones((max(3, round(WIRE * max(mask.shape))),) * 2, np.uint8)
    lines = cv2.morphologyEx(labels.astype(np.uint8), cv2.MORPH_GRADIENT, wire) > 0
    lines |= mask & ~cv2.erode(mask.astype(np.uint8), wire).astype(bool)
    image = colours.copy()
    image[lines] = TONES["gold"]
    y = np.linspace(1.08, 0.92, mask.shape[0], dtype=np.float32)[:, None, None]
    return _finish(_on_cloth(image * y, mask))


def _finish(image: np.ndarray) -> np.ndarray:
    return np.clip(image, 0, 255).astype(np.uint8)
