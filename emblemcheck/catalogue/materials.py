"""Material renderings at ``catalogue build`` and ``add``, and photos of the object used as artwork.

An emblem that is worn (a badge, a flash, a shield, a coat of arms) is met
by the camera as an object: embroidered thread, cast metal, enamel. For each
artwork of such an emblem the build adds the renderings the engine
synthesises (engine/materials.py), each marked with its material in the
``renderings.material`` column. A user may instead attach a photo of the real
object (``catalogue add photo.jpg --material metal``): it is cropped to the
object (or to the user's ``--box``), checked for size, sharpness and angle,
and stored as a rendering of that material.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ..engine import materials as engine
from ..errors import UsageError
from .artwork import Flattened

#: Kinds of emblem that are worn or mounted as objects, and so get material renderings.
WORN_KINDS = frozenset({"coat-of-arms", "shield", "badge", "flash"})

#: The synthesised renderings kept in the index. On 12 simulated photos per
#: class (suite_materials.py's simulator, 2026-12-01): embroidered found
#: flashes the flat artwork missed; the flat artwork found no metal badge.
#: A relief matches a badge only when lit within about 25 degrees of the
#: photo's light: on 20 simulated badges (seed 3, 2026-12-02, direct matching)
#: the best of four lights gave 10 inliers or more in 5, the best of eight in
#: 9 (15 with the deeper relief of engine.materials.RELIEF_BLUR), so eight
#: lights, one an octant, alternately gold and silver (opposite lights also
#: stand for a design raised the other way). Enamel: the flat artwork gave 10
#: inliers or more in 2 of 20 simulated pins, the enamel rendering with its
#: wires (engine.materials.WIRE) in 12. Woven is left out: a woven patch is
#: close to flat. ``benchmarks/materials_cost.py`` measures each against its cost.
SYNTHESISED: tuple[str, ...] = ("embroidered", "enamel") + tuple(
    f"metal-{'gold' if n % 2 == 0 else 'silver'}-{light:g}" for n, light in enumerate(engine.LIGHTS))

#: What ``--material`` accepts: the material the attached picture shows.
PHOTO_MATERIALS: tuple[str, ...] = tuple(m for m in engine.MATERIALS)

#: A photo of the object should show it at least this many px on its longest
#: side: the synthesised renderings are made at engine.materials.SIDE (512),
#: and a crop under half that keeps too few keypoints (a guess, from
#: features.MIN_REFERENCE_SIDE's 128 px for flat artwork, doubled for texture).
MIN_PHOTO_SIDE = 256

#: Sharpness: the 99th percentile of the gradient magnitude over the range of
#: grey levels (2nd to 98th percentile), at most 512 px on the longest side:
#: about 1 / (2.5 x the edges' blur in px), whatever the contrast. Measured on
#: the three drawn emblems as benchmarks/suite_materials.py simulates them
#: (embroidered, cast, enamel; 250-400 px): in focus 0.21-0.39, after a
#: Gaussian blur of sigma 2 px 0.13-0.18, of sigma 3 px 0.09-0.12. Below 0.12
#: the photo's edges are blurred by 3 px or more: too soft to describe.
MIN_SHARPNESS = 0.12

#: A quadrilateral outline whose opposite sides differ by more than this
#: factor was taken at a steep angle: about 35 degrees of tilt (fitting.py
#: measures 1.4 at 25 degrees and refuses fits beyond 2.0).
MAX_SIDE_RATIO = 1.6

#: A roughly round object whose outline's axes differ by more than this
#: factor is seen obliquely (cos 45 degrees is 0.71): an oval badge is warned about too.
MAX_AXIS_RATIO = 1.4


def material_renderings(flats: Sequence[Flattened], materials: Sequence[str] = SYNTHESISED
                        ) -> list[tuple[str, str, np.ndarray]]:
    """``(variant, material, rgb)`` of the synthesised renderings of an artwork's first variant."""
    if not flats or not materials:
        return []
    first = flats[0].variant.split("-on-")[0]
    by_ground = {f.variant.split("-on-")[-1]: f.rgb for f in flats if f.variant.split("-on-")[0] == first}
    on_white = by_ground.get("white", flats[0].rgb)
    mask = engine.object_mask(on_white, by_ground.get("black"))
    return [(f"{first}@{r.name}", r.material, r.rgb) for r in engine.synthesise(on_white, mask, tuple(materials))]


def parse_box(text: str | None) -> tuple[int, int, int, int] | None:
    """``"x,y,w,h"`` as four integers (``None`` for ``None``); raises UsageError with the expected form."""
    if text is None or text == "":
        return None
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise UsageError(f"--box must be x,y,width,height in pixels, e.g. 120,80,400,400 (got {text!r})") from None
    if x < 0 or y < 0 or w <= 0 or h <= 0:
        raise UsageError(f"--box needs x, y >= 0 and a positive width and height (got {text!r})")
    return x, y, w, h


def object_photo(rgb: np.ndarray, box: tuple[int, int, int, int] | None, name: str) -> tuple[np.ndarray, list[str]]:
    """A photo of the object cropped to it (``box``, or found by GrabCut), and warnings about its use."""
    height, width = rgb.shape[:2]
    if box is not None:
        x, y, w, h = box
        if x + w > width or y + h > height:
            raise UsageError(f"--box {x},{y},{w},{h} lies outside {name} ({width}x{height} px)")
        crop, outline = rgb[y:y + h, x:x + w], None
    else:
        x, y, w, h, outline = find_object(rgb)
        crop = rgb[y:y + h, x:x + w]
    return np.ascontiguousarray(crop), photo_warnings(crop, outline)


def find_object(rgb: np.ndarray) -> tuple[int, int, int, int, np.ndarray | None]:
    """The box around the photo's object (GrabCut from the picture less a 5 % margin) and its outline.

    Object photos are framed on the object: GrabCut (Rother et al. 2004)
    started from the central rectangle separates it from the cloth or table
    around it. When nothing stands out, the whole photo is the object.
    """
    height, width = rgb.shape[:2]
    factor = min(1.0, 400 / max(height, width))
    small = cv2.resize(rgb, (max(1, round(width * factor)), max(1, round(height * factor))),
                       interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    rect = (round(sw * 0.05), round(sh * 0.05), max(1, round(sw * 0.9)), max(1, round(sh * 0.9)))
    mask = np.zeros((sh, sw), np.uint8)
    cv2.setRNGSeed(17)
    cv2.grabCut(cv2.cvtColor(small, cv2.COLOR_RGB2BGR), mask, rect, np.zeros((1, 65), np.float64),
                np.zeros((1, 65), np.float64), 3, cv2.GC_INIT_WITH_RECT)
    foreground = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    contours, _ = cv2.findContours(foreground, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours or cv2.contourArea(max(contours, key=cv2.contourArea)) < 0.02 * sh * sw:
        return 0, 0, width, height, None
    largest = max(contours, key=cv2.contourArea)
    bx, by, bw, bh = cv2.boundingRect(largest)
    pad = round(0.03 * max(bw, bh))
    x0, y0 = max(0, bx - pad), max(0, by - pad)
    x1, y1 = min(sw, bx + bw + pad), min(sh, by + bh + pad)
    x, y = round(x0 / factor), round(y0 / factor)
    return (x, y, min(width - x, round((x1 - x0) / factor)), min(height - y, round((y1 - y0) / factor)),
            largest.reshape(-1, 2).astype(np.float64) / factor)


def photo_warnings(crop: np.ndarray, outline: np.ndarray | None) -> list[str]:
    """Why a photo of the object would serve poorly as a reference: too small, blurred, too steep."""
    warnings = []
    side = max(crop.shape[:2])
    if side < MIN_PHOTO_SIDE:
        warnings.append(f"the object spans only {side} px in the photo; photograph it closer "
                        f"(at least {MIN_PHOTO_SIDE} px)")
    value = sharpness(crop)
    if value < MIN_SHARPNESS:
        warnings.append(f"the photo looks blurred (sharpness {value:.2f}, need {MIN_SHARPNESS}); "
                        "take it again in focus")
    if outline is not None:
        steep = steepness(outline)
        if steep is not None:
            warnings.append(f"the object seems photographed at a steep angle ({steep}); "
                            "take it facing the camera")
    return warnings


def sharpness(rgb: np.ndarray) -> float:
    """The strongest gradients over the grey range, at most 512 px on the longest side (see MIN_SHARPNESS)."""
    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY).astype(np.float32)
    factor = 512 / max(grey.shape)
    if factor < 1:
        size = (max(1, round(grey.shape[1] * factor)), max(1, round(grey.shape[0] * factor)))
        grey = np.asarray(cv2.resize(grey, size, interpolation=cv2.INTER_AREA), np.float32)
    magnitude = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)) / 8
    low, high = np.percentile(grey, [2, 98])
    return float(np.percentile(magnitude, 99)) / float(high - low) if high - low > 1e-6 else 0.0


def steepness(outline: np.ndarray) -> str | None:
    """What says the object's outline was seen obliquely, or ``None``: a quadrilateral's side ratio,
    a round shape's axis ratio (see MAX_SIDE_RATIO, MAX_AXIS_RATIO)."""
    hull = cv2.convexHull(outline.astype(np.float32))
    quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True).reshape(-1, 2)
    if len(quad) == 4:
        sides = np.linalg.norm(np.roll(quad, -1, axis=0) - quad, axis=1)
        ratio = max(max(sides[0], sides[2]) / max(min(sides[0], sides[2]), 1e-6),
                    max(sides[1], sides[3]) / max(min(sides[1], sides[3]), 1e-6))
        return f"opposite sides differ by {ratio:.1f}x" if ratio > MAX_SIDE_RATIO else None
    if len(hull) >= 5 and len(quad) >= 7:
        (_cx, _cy), axes, _angle = cv2.fitEllipse(hull)
        ratio = max(axes) / max(min(axes), 1e-6)
        return f"its round outline is {ratio:.1f}x as long as wide" if ratio > MAX_AXIS_RATIO else None
    return None


def renderings(flats: Sequence[Flattened], material: str, box: Sequence[int], kind: str,
               name: str) -> list[tuple[str, str, np.ndarray, str]]:
    """``(variant, material, rgb, warning)`` of every rendering one artwork file gives.

    Flat artwork (``material`` "flat") gives its flattened variants and, for a
    worn kind, the synthesised material renderings; a photo of the object
    gives itself, cropped to the object, with its warnings.
    """
    if material != "flat":
        crop, warnings = object_photo(flats[0].rgb, tuple(box) if box else None, name)  # type: ignore[arg-type]
        return [(flats[0].variant, material, crop, "; ".join(warnings))]
    out = [(f.variant, "flat", f.rgb, "") for f in flats]
    if kind in WORN_KINDS:
        out += [(variant, made, rgb, "") for variant, made, rgb in material_renderings(flats)]
    return out
