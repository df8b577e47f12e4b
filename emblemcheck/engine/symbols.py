"""The flag symbol located by its structure: two upright bars with a leaf between them.

The Federal Identity Program's flag symbol is the National Flag's red bars and
leaf without the white square's outline: in the official file (``fip_flag``
in the GC signature SVG) each bar is 36.84 x 75.01 units (height 2.04 times
the width), the bars stand 81.70 units apart (2.22 bar widths) and the leaf
between them reaches from 4.9 to about 70 units down (0.87 of the height).
Those proportions, with tolerances for print, screens, JPEG and a tilt of up to
25 degrees, are what :func:`locate_symbols` looks for in three inks: FIP red,
black (the all-black signature) and white on a dark ground (reversed).

A signature set without clear space of its own (a logo file cropped to its
ink, pasted over a photo) has its left bar and top touching whatever is
around it; where that is ink of the same class (an orange sleeve, a dark
sky) the left bar is no component of its own, and the symbol is looked for
leftwards of its right bar (which stands beside the title's clear space) by
its column profile and the leaf's shape.

It is cheap (one threshold and one connected-component pass per ink, a few
milliseconds at the working size), so every picture gets it; only a located
symbol costs an OCR of its title zone (titles.py, signatures.py). The National
Flag on a white ground has the same structure and is located too: what tells a
signature from the flag is the title beside it, not the symbol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from ..models import Box

Ink = Literal["red", "black", "white"]

#: Bar height over width: 2.04 in the official file; 1.4-3.0 admits a tilt of
#: up to 25 degrees about either axis and antialiased edges at 8 px (a guess,
#: checked on the signatures benchmark's perspective class).
BAR_ASPECT = (1.4, 3.0)
#: Gap between the bars over the bar width: 2.22 in the official file.
GAP_RATIO = (1.5, 3.1)
#: A bar fills most of its bounding box (1.0 upright; 0.75 at a 10-degree rotation).
MIN_BAR_FILL = 0.7
#: The smallest bar height located, in working pixels: a signature 120 px wide
#: has a symbol about 11 px tall (the symbol is 19 % of the GC signature's width).
MIN_BAR_HEIGHT = 8
#: Leaf height over the bar height: 0.87 in the official file.
LEAF_HEIGHT = (0.55, 1.05)
#: Longest side searched; larger pictures are shrunk first (the symbol of a
#: 4000 px scan is still over 8 px tall at this size).
SEARCH_SIDE = 2400


@dataclass(frozen=True)
class Symbol:
    """A flag symbol located in a picture: its box (in the given array's pixels) and its ink."""

    box: Box
    ink: Ink

    @property
    def height(self) -> int:
        return self.box[3]


def ink_masks(rgb: np.ndarray) -> dict[Ink, np.ndarray]:
    """Where each ink is, as 0/255 masks: FIP red (#eb2d37), black, and white."""
    r, g, b = (rgb[..., i].astype(np.int32) for i in range(3))
    grey = (r * 299 + g * 587 + b * 114) // 1000
    red = (r > 130) & (r - g > 70) & (r - b > 55)
    return {"red": red.astype(np.uint8) * 255, "black": (grey < 90).astype(np.uint8) * 255,
            "white": (grey > 185).astype(np.uint8) * 255}


def locate_symbols(rgb: np.ndarray) -> list[Symbol]:
    """Every flag symbol in an RGB ``uint8`` picture, largest first, boxes in its pixels."""
    factor = 1.0
    if max(rgb.shape[:2]) > SEARCH_SIDE:
        factor = SEARCH_SIDE / max(rgb.shape[:2])
        size = (round(rgb.shape[1] * factor), round(rgb.shape[0] * factor))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    found: list[Symbol] = []
    masks = ink_masks(rgb)
    for ink, mask in masks.items():
        # White ink is the reversed symbol: it stands on a dark ground (the white between a black
        # text's strokes has the same shapes, on a white page).
        for box in _symbols_in(mask, masks["black"] if ink == "white" else None):
            if not any(overlap(box, s.box) > 0.5 for s in found):
                found.append(Symbol(box, ink))
    scaled = [Symbol(tuple(round(v / factor) for v in s.box), s.ink) for s in found]  # type: ignore[arg-type]
    return sorted(scaled, key=lambda s: -s.box[2] * s.box[3])


def _symbols_in(mask: np.ndarray, dark: np.ndarray | None = None) -> list[Box]:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    bars = [i for i in range(1, count) if _is_bar(stats[i])]
    out: list[Box] = []
    paired: set[int] = set()
    bars.sort(key=lambda i: stats[i][0])
    for n, left in enumerate(bars):
        for right in bars[n + 1:]:
            box = _pair(stats[left], stats[right])
            if box is None or not _on_ground(mask, box):
                continue
            if dark is not None and _ring_share(dark, box) < MIN_DARK_RING:
                continue
            if _has_leaf(stats, labels, box, left, right) or _leaf_ink(mask, box, stats[left][2]):
                out.append(box)
                paired.update((left, right))
                break
    # The right bar stands beside the title's clear space; the left one may touch what lies outside a
    # signature set without clear space of its own (a photo's orange, a shadow): then the symbol is
    # looked for leftwards of a right bar.
    for bar in bars:
        if bar in paired:
            continue
        box = _anchored(mask, stats[bar])
        if box is None or any(overlap(box, b) > 0.5 for b in out):
            continue
        if _right_share(mask, box) <= MAX_RING_INK and (dark is None or _right_share(dark, box) >= MIN_DARK_RING):
            out.append(box)
    return out


def _box(stat: np.ndarray) -> Box:
    return (int(stat[0]), int(stat[1]), int(stat[2]), int(stat[3]))


def _right_share(mask: np.ndarray, box: Box) -> float:
    """The share of ``mask`` in a strip a quarter of the box's height wide on its right."""
    x, y, w, h = box
    strip = mask[y:y + h, x + w:x + w + max(2, h // 4)]
    return float(np.count_nonzero(strip)) / strip.size if strip.size else 1.0


#: A column of the left bar has ink in at least this share of the right bar's rows (a guess: the
#: left bars of the signatures benchmark's small and tilted symbols, JPEG-compressed, filled 0.8-1.0).
FULL_COLUMN = 0.75
#: Beside each bar the official symbol's gap is empty for 0.14 of its width (the leaf spans 0.14-0.86
#: of it, measured on the fetched fip_flag path rendered 400 px tall): this share of the gap next to
#: each bar has less than CLEAR_COLUMN ink in every column (a guess with room for antialiasing).
CLEAR_STRIP = 0.1
CLEAR_COLUMN = 0.25


def _anchored(mask: np.ndarray, stat: np.ndarray) -> Box | None:
    """The symbol whose right bar is ``stat`` and whose left bar joins other ink of the same class.

    That bar is no component of its own: it is looked for in the column profile of the right bar's
    rows, leftwards: an empty strip, the leaf's columns, an empty strip, then full columns as wide
    as the bar.
    """
    x, y, w, h = _box(stat)
    rows = mask[y:y + h, :x]
    ahead = (np.count_nonzero(rows, axis=0) / max(1, rows.shape[0]))[::-1]
    full = ahead >= FULL_COLUMN
    for gap in range(int(GAP_RATIO[0] * w), min(int(np.ceil(GAP_RATIO[1] * w)), len(ahead) - w) + 1):
        if not full[gap] or full[gap - 1] or np.count_nonzero(full[gap:gap + w]) < 0.8 * w:
            continue
        strip = max(1, round(CLEAR_STRIP * gap))
        if ahead[1:1 + strip].max() >= CLEAR_COLUMN or ahead[gap - 1 - strip:gap - 1].max() >= CLEAR_COLUMN:
            continue
        if _leaf_shaped(mask[y:y + h, x - gap:x]):
            return (x - gap - w, y, 2 * w + gap, h)
    return None


#: The leaf in a 3 x 3 grid over the gap between the bars (ink share per cell; the fetched fip_flag
#: path rendered 8-400 px tall: corners 0.00-0.08, the middle row's sides 0.34-0.51, its centre
#: 0.92-0.96, the top centre 0.30-0.39). A letter's stem between two strokes fills the middle column
#: from top to bottom instead and leaves its sides empty. The bounds leave room for JPEG and a tilt:
#: the benchmark's small symbols (8-20 px) had corners up to 0.19, sides from 0.19, the text strokes
#: taken for bars corners from 0.33 or a top centre from 0.67, or empty sides (signatures benchmark,
#: --per-class 10, seed 7).
LEAF_CORNER = 0.25
LEAF_SIDE = 0.12
LEAF_TIP = 0.6


def _leaf_shaped(gap: np.ndarray) -> bool:
    """Whether the ink of a gap between two bars is laid out as the leaf: a cross with empty corners."""
    rows, columns = gap.shape
    if rows < 3 or columns < 3:
        return False
    cells = [[float(np.count_nonzero(part)) / max(1, part.size) for part in np.array_split(band, 3, axis=1)]
             for band in np.array_split(gap, 3, axis=0)]
    corners = max(cells[0][0], cells[0][2], cells[2][0], cells[2][2])
    return (corners <= LEAF_CORNER and min(cells[1][0], cells[1][2]) >= LEAF_SIDE and cells[0][1] <= LEAF_TIP
            and cells[1][1] > max(cells[1][0], cells[1][2]))


def _is_bar(stat: np.ndarray) -> bool:
    x, y, w, h, area = (int(v) for v in stat)
    return (h >= MIN_BAR_HEIGHT and w >= 3 and BAR_ASPECT[0] <= h / w <= BAR_ASPECT[1]
            and area / (w * h) >= MIN_BAR_FILL)


def _pair(a: np.ndarray, b: np.ndarray) -> Box | None:
    """The symbol's box if bars ``a`` (left) and ``b`` stand as the symbol's two bars do."""
    ax, ay, aw, ah = (int(v) for v in a[:4])
    bx, by, bw, bh = (int(v) for v in b[:4])
    height = max(ah, bh)
    if min(ah, bh) < 0.8 * height or min(aw, bw) < 0.7 * max(aw, bw):
        return None
    if abs(ay - by) > 0.2 * height:
        return None
    gap = bx - (ax + aw)
    width = (aw + bw) / 2
    if not GAP_RATIO[0] * width <= gap <= GAP_RATIO[1] * width:
        return None
    top = min(ay, by)
    return (ax, top, bx + bw - ax, max(ay + ah, by + bh) - top)


def _has_leaf(stats: np.ndarray, labels: np.ndarray, box: Box, left: int, right: int) -> bool:
    """Whether the ink between the bars holds a leaf: one component centred in the gap, most of its height."""
    x, y, w, h = box
    inner_x0 = x + int(stats[left][2])
    inner_x1 = x + w - int(stats[right][2])
    centre = (inner_x0 + inner_x1) / 2
    window = labels[y:y + h, inner_x0:inner_x1]
    for label in np.unique(window):
        if label == 0 or label in (left, right):
            continue
        lx, ly, lw, lh, area = (int(v) for v in stats[label])
        if not LEAF_HEIGHT[0] * h <= lh <= LEAF_HEIGHT[1] * h:
            continue
        if abs(lx + lw / 2 - centre) > 0.2 * (inner_x1 - inner_x0) or lw > (inner_x1 - inner_x0) * 1.05:
            continue
        if 0.25 <= area / max(1, lw * lh) <= 0.8:  # a leaf fills about half its box, never all of it
            return True
    return False


#: The symbol stands on a ground of another colour: at most this share of a ring around it (a quarter
#: of its height wide) is of its ink. Rejects the white gaps between a black text's strokes.
MAX_RING_INK = 0.3


#: A white symbol's ring is nearly all dark (0.65 around the counters of a bold "m" on a white page).
MIN_DARK_RING = 0.85


def _on_ground(mask: np.ndarray, box: Box) -> bool:
    return _ring_share(mask, box) <= MAX_RING_INK


def _ring_share(mask: np.ndarray, box: Box) -> float:
    """The share of ``mask`` in a ring a quarter of the box's height wide around it."""
    x, y, w, h = box
    pad = max(2, h // 4)
    x0, y0 = max(0, x - pad), max(0, y - pad)
    outer = mask[y0:y + h + pad, x0:x + w + pad]
    ring = int(np.count_nonzero(outer)) - int(np.count_nonzero(mask[y:y + h, x:x + w]))
    area = outer.size - w * h
    return ring / area if area > 0 else 1.0


#: Below this height the leaf of a JPEG-compressed symbol falls apart into pieces: it is then told by
#: the share of ink between the bars (0.45 in the official file at 20 px), not by one component.
SMALL_SYMBOL = 20
LEAF_INK = (0.2, 0.75)


def _leaf_ink(mask: np.ndarray, box: Box, bar_width: int) -> bool:
    x, y, w, h = box
    if h >= SMALL_SYMBOL:
        return False
    inner = mask[y:y + h, x + int(bar_width) + 1:x + w - int(bar_width) - 1]
    if inner.size == 0:
        return False
    share = float(np.count_nonzero(inner)) / inner.size
    columns = np.count_nonzero(inner, axis=0)
    centre = float((columns * np.arange(len(columns))).sum() / max(1, columns.sum())) / max(1, len(columns) - 1)
    return LEAF_INK[0] <= share <= LEAF_INK[1] and abs(centre - 0.5) < 0.15


def overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller box's area."""
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    if x1 <= x0 or y1 <= y0:
        return 0.0
    return (x1 - x0) * (y1 - y0) / max(1, min(a[2] * a[3], b[2] * b[3]))

