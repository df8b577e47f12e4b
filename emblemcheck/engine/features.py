"""Local features: SIFT keypoints and descriptors of references and scanned pictures.

References are described twice: in luminance, and in their blue-yellow tint
channel (see tint_channel) when they carry enough colour to describe.

Pure core: an RGB ``uint8`` array in, a :class:`ReferenceFeatures` value out.
SIFT (Lowe 2004) is the reference detector; its descriptors are integers
0-255 stored in float32, so they are kept as ``uint8`` (a quarter of the
size) and widened back to float32 for the index.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from ..errors import UsageError

#: Keypoints kept per catalogue reference. The shipped references are at most
#: 1024 px on their longest side and yield 170-450 SIFT keypoints (measured on
#: the GC signature and wordmark); the cap only bounds a user's busy artwork.
MAX_REFERENCE_KEYPOINTS = 2000

#: Keypoints kept per scanned picture: bounds matching time on a picture full
#: of texture (a 100 000-keypoint image is cut to the strongest 4000).
MAX_QUERY_KEYPOINTS = 4000

#: Longest side the detector sees. SIFT time grows with pixels; 1280 keeps an
#: emblem at 10 % of the picture's width at >= 128 px, enough for its features.
FEATURE_SIDE = 1280

#: Fewer keypoints than this and an emblem cannot be located reliably: the
#: homography check needs >= 10 inliers (see fitting.MIN_INLIERS) and about
#: a third of a reference's keypoints survive a 4x downscale.
MIN_REFERENCE_KEYPOINTS = 60

#: Below this longest side (px) a user's artwork is too small to describe:
#: SIFT needs features a few pixels across, and an emblem drawn in fewer
#: than 128 px has few of them.
MIN_REFERENCE_SIDE = 128

#: Most parts a template is split into when it is compared with a picture (see parts).
TILES = 6

#: A template whose long side is under this many times its short side is
#: squarish and split 2 x 2 (see parts); longer ones are split along their
#: length. A guess from the shapes catalogued (badges ~1, signatures ~10).
SQUARISH = 1.5

#: Blur (Gaussian sigma, px) of an edge map: a pixel of misregistration costs little. A guess.
EDGE_SIGMA = 1.0

#: ThreatExchange's PDQ documentation treats quality below 50 as too flat to hash.
MIN_PDQ_QUALITY = 50

#: Longest side of the colour thumbnail kept for the region check (see
#: regions.py): it compares pictures of emblems 20-400 px across at 48 px.
COLOUR_SIDE = 64

#: Longest side at which a reference is described in colour (see tint_channel). A
#: watermark covers 30-60 % of a picture searched at TINT_SIDE, so 120-240 px:
#: descriptors match well across the factor of 2-4 from 512.
TINT_REFERENCE_SIDE = 512

#: Longest side at which a picture is searched in colour. Ink that only colour
#: shows (a translucent shield over a photo) is large: on benchmark seed 11 the
#: three shield watermarks that luminance at 1280 px could not place (5-6
#: consistent matches) kept 28-49 inliers at 400 px. 480 px found 3 more
#: colour emblems in other classes, none missed otherwise, for about 45 % more
#: time; 320 px lost 1 more. No wrong emblem was placed at any of the three.
TINT_SIDE = 400

#: Longest side of the small rendering whose keypoints are indexed too (see
#: small_scale): about twice a 40-60 px header badge, within the two octaves
#: across which SIFT descriptors still match well.
SMALL_REFERENCE_SIDE = 128

#: Longest side of the grey template kept for verification (detection checks
#: the located region against it). 256 px keeps the signature's words legible
#: (1024 x 98 becomes 256 x 25) at 6 KB or less per rendering.
TEMPLATE_SIDE = 256


@dataclass(frozen=True)
class ReferenceFeatures:
    """Keypoints and descriptors of one picture.

    ``keypoints`` is ``float32 (n, 4)``: x, y, size, angle in the picture's own
    pixels; ``descriptors`` is ``uint8 (n, 128)``; ``template`` is the
    picture's luminance shrunk to at most :data:`TEMPLATE_SIDE` px; ``colour``
    is the picture in RGB shrunk to at most :data:`COLOUR_SIDE` px (empty in
    catalogues built before it was stored). ``tint`` holds the same kind of
    features of the picture's :func:`tint_channel`, in the same pixels, or
    ``None`` when the picture has too little colour to describe (and in
    catalogues built before it was stored). ``small`` holds the keypoints and
    descriptors of the template seen at :data:`SMALL_REFERENCE_SIDE` px
    (:func:`small_scale`), sharing this value's template and colour, or
    ``None`` in catalogues built before it was stored (then computed at load).
    """

    keypoints: np.ndarray
    descriptors: np.ndarray
    width: int
    height: int
    template: np.ndarray
    colour: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 3), np.uint8))
    tint: ReferenceFeatures | None = None
    small: ReferenceFeatures | None = None

    @property
    def keypoint_count(self) -> int:
        return int(self.keypoints.shape[0])


def grey(rgb: np.ndarray) -> np.ndarray:
    """Luminance of an RGB ``uint8`` array (channel order RGB, not OpenCV's BGR)."""
    return cv2.cvtColor(_checked_rgb(rgb), cv2.COLOR_RGB2GRAY)


def _checked_rgb(rgb: np.ndarray) -> np.ndarray:
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise UsageError("expected an RGB uint8 array of shape (height, width, 3)")
    return np.ascontiguousarray(rgb)


def extract(grey_image: np.ndarray, max_keypoints: int) -> tuple[np.ndarray, np.ndarray]:
    """SIFT keypoints ``(n, 4)`` and ``uint8`` descriptors ``(n, 128)`` of a greyscale image."""
    points, descriptors, _strength = extract_ranked(grey_image, max_keypoints)
    return points, descriptors


def extract_ranked(grey_image: np.ndarray, max_keypoints: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`extract`, with each keypoint's strength (its DoG response, float32 ``(n,)``) beside it."""
    if min(grey_image.shape[:2]) < 8:
        return np.zeros((0, 4), np.float32), np.zeros((0, 128), np.uint8), np.zeros(0, np.float32)
    sift = cv2.SIFT.create(nfeatures=max_keypoints)
    keypoints, descriptors = sift.detectAndCompute(grey_image, None)
    if descriptors is None or not keypoints:
        return np.zeros((0, 4), np.float32), np.zeros((0, 128), np.uint8), np.zeros(0, np.float32)
    points = np.array([(k.pt[0], k.pt[1], k.size, k.angle) for k in keypoints], np.float32)
    strength = np.array([k.response for k in keypoints], np.float32)
    # SIFT descriptors are already integers clipped to 255 (OpenCV scales by 512
    # and saturates); rounding guards against any future float output.
    return points, np.clip(np.rint(descriptors), 0, 255).astype(np.uint8), strength


def strongest_inside(points: np.ndarray, strength: np.ndarray, box: tuple[int, int, int, int],
                     max_keypoints: int) -> np.ndarray:
    """Indices of the at most ``max_keypoints`` strongest keypoints whose centre lies in ``box`` (x, y, w, h),
    as SIFT's own ``nfeatures`` keeps the strongest of one picture."""
    x, y, w, h = box
    inside = np.flatnonzero((points[:, 0] >= x) & (points[:, 0] < x + w) & (points[:, 1] >= y) & (points[:, 1] < y + h))
    if len(inside) > max_keypoints:
        inside = inside[np.argsort(-strength[inside], kind="stable")[:max_keypoints]]
    return np.sort(inside)


#: The smallest keypoint SIFT reports, in its picture's pixels: OpenCV's first octave doubles the
#: picture, and its first layer's size is 2 x 1.6 x 2^(1/6) / 2 (Lowe's sigma 1.6, three layers per
#: octave, the half-layer offset the extremum may have). The keypoints of a picture ``f`` times
#: larger that a search at the smaller size could not have are those below this size times 1/f.
SMALLEST_KEYPOINT = 1.6 * 2 ** (1 / 6)


def seen_smaller(points: np.ndarray, descriptors: np.ndarray, strength: np.ndarray, factor: float,
                 max_keypoints: int) -> tuple[np.ndarray, np.ndarray]:
    """The keypoints of a picture described at full size as a SIFT run on it shrunk by ``factor`` (< 1)
    would keep them: those large enough to be seen there, the ``max_keypoints`` strongest, in its pixels.

    SIFT's octaves are a picture shrunk by halves, so a keypoint of the larger
    picture above the smaller one's smallest size is one the smaller run
    would find (described from sharper pixels). This spares a second run
    over the same picture (benchmarks/RESULTS.md, section reuse).
    """
    kept = np.flatnonzero(points[:, 2] * factor >= SMALLEST_KEYPOINT)
    if len(kept) > max_keypoints:
        kept = np.sort(kept[np.argsort(-strength[kept], kind="stable")[:max_keypoints]])
    scaled = points[kept].copy()
    scaled[:, :3] *= factor
    return scaled, descriptors[kept]


def extract_at(image: np.ndarray, side: int, max_keypoints: int) -> tuple[np.ndarray, np.ndarray]:
    """SIFT features of ``image`` seen at most ``side`` px long, with keypoints (x, y, size) in ``image``'s pixels."""
    small = shrink(image, side)
    points, descriptors = extract(small, max_keypoints)
    points[:, :3] *= image.shape[1] / small.shape[1]
    return points, descriptors


def tint_channel(rgb: np.ndarray) -> np.ndarray:
    """The blue-yellow opponent channel (CIELAB b*) of an RGB ``uint8`` array, doubled around neutral.

    Grey, black and white are all 128 here, so a photo's grey texture vanishes
    and coloured ink stands alone: a translucent blue and gold shield over
    gravel is lost in luminance and plain in this channel. Blue-yellow rather
    than red-green because it separates the inks emblems are drawn in (red,
    gold and blue all sit far from neutral on it) and the greens and browns of
    photos least. Doubled because b* of real inks spans about +-64 of its 255.
    """
    b = cv2.cvtColor(_checked_rgb(rgb), cv2.COLOR_RGB2LAB)[..., 2].astype(np.int16)
    return np.clip((b - 128) * 2 + 128, 0, 255).astype(np.uint8)


def prepare_reference(rgb: np.ndarray) -> ReferenceFeatures:
    """Features of one catalogue rendering, computed once at ``catalogue build``/``add``."""
    luminance = grey(rgb)
    points, descriptors = extract(luminance, MAX_REFERENCE_KEYPOINTS)
    features = ReferenceFeatures(points, descriptors, int(rgb.shape[1]), int(rgb.shape[0]),
                                 shrink(luminance, TEMPLATE_SIDE), shrink(np.ascontiguousarray(rgb), COLOUR_SIDE),
                                 _tint_features(rgb))
    # Stored, not computed at every scanner's load: at 10 000 catalogued
    # emblems this SIFT run was most of a 100-200 s load (benchmarks/RESULTS.md).
    return replace(features, small=small_scale(features))


def small_scale(features: ReferenceFeatures) -> ReferenceFeatures:
    """The reference's keypoints as seen at SMALL_REFERENCE_SIDE px, in the reference's own pixels.

    A badge 40-60 px tall in a page header shares few keypoints with its
    600 px artwork: its details have merged. Keypoints of a small rendering
    (from the stored template, so an older catalogue gets the same ones at
    load) are indexed as their own entry, so the ratio test does not pit them
    against their large-scale twins. The value shares ``features``' template
    and colour thumbnail.
    """
    if features.small is not None:
        return features.small
    points, descriptors = extract_at(features.template, SMALL_REFERENCE_SIDE, MAX_QUERY_KEYPOINTS)
    points[:, :3] *= features.width / features.template.shape[1]  # template pixels -> the reference's own
    return ReferenceFeatures(points, descriptors, features.width, features.height, features.template, features.colour)


def _tint_features(rgb: np.ndarray) -> ReferenceFeatures | None:
    """Features of the rendering's tint channel at TINT_REFERENCE_SIDE, in the rendering's pixels; ``None``
    when colour alone describes too little of it (black artwork, or a few coloured details)."""
    channel = tint_channel(rgb)
    points, descriptors = extract_at(channel, TINT_REFERENCE_SIDE, MAX_REFERENCE_KEYPOINTS)
    if len(points) < MIN_REFERENCE_KEYPOINTS:
        return None
    return ReferenceFeatures(points, descriptors, int(rgb.shape[1]), int(rgb.shape[0]),
                             shrink(channel, TEMPLATE_SIDE))


def shrink(image: np.ndarray, side: int) -> np.ndarray:
    """``image`` scaled down (area averaging) so its longest side is at most ``side``; never enlarged."""
    height, width = image.shape[:2]
    factor = side / max(height, width)
    if factor >= 1:
        return np.ascontiguousarray(image)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def detectability_warning(features: ReferenceFeatures, pdq_quality: int | None = None) -> str:
    """Why a rendering would be hard to find in a picture, or ``""`` if it is fine."""
    problems = []
    if max(features.width, features.height) < MIN_REFERENCE_SIDE:
        problems.append(f"too small ({features.width}x{features.height} px; give at least "
                        f"{MIN_REFERENCE_SIDE} px on the longest side)")
    if features.keypoint_count < MIN_REFERENCE_KEYPOINTS:
        problems.append(f"too little detail to locate inside a bigger picture ({features.keypoint_count} "
                        f"keypoints, need {MIN_REFERENCE_KEYPOINTS}); only whole-image copies will be found")
    if pdq_quality is not None and pdq_quality < MIN_PDQ_QUALITY:
        problems.append(f"too flat for a reliable fingerprint (PDQ quality {pdq_quality}, need {MIN_PDQ_QUALITY})")
    return "; ".join(problems)


def is_detectable(features: ReferenceFeatures) -> bool:
    """Whether the local-feature path can locate this rendering at all."""
    return features.keypoint_count >= MIN_REFERENCE_KEYPOINTS


def edge_map(image: np.ndarray) -> np.ndarray:
    """Gradient magnitude, lightly blurred so a pixel of misregistration costs little."""
    image = image.astype(np.float32)
    gx = cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=3)
    return cv2.GaussianBlur(cv2.magnitude(gx, gy), (0, 0), EDGE_SIGMA)


def parts(shape: tuple[int, int]) -> list[tuple[slice, slice]]:
    """Split a template into parts along its long side (a grid of 2 x 2 for a squarish one).

    Every part must look like the reference, not just the whole on average:
    look-alike words without the flag symbol, or a flag symbol without the
    words, fail on the part that is missing.
    """
    height, width = shape
    if max(width, height) < SQUARISH * min(width, height):
        return [(slice(y, y + height // 2 + 1), slice(x, x + width // 2 + 1))
                for y in (0, height // 2) for x in (0, width // 2)]
    count = int(min(TILES, max(2, round(max(width, height) / min(width, height)))))
    if width >= height:
        step = width / count
        return [(slice(0, height), slice(int(i * step), int((i + 1) * step))) for i in range(count)]
    step = height / count
    return [(slice(int(i * step), int((i + 1) * step)), slice(0, width)) for i in range(count)]
