"""Made-up emblems drawn in code for the catalogue-scale benchmark: shields, badges and roundels with varied
charges and lettering, each one deterministic from its number (never official artwork)."""

from __future__ import annotations

import io
import math
import random

from PIL import Image, ImageDraw, ImageFont

SHAPES = ("shield", "badge", "roundel")
CHARGES = ("star", "cross", "chevron", "leaf", "crown", "wheel", "bars", "diamond")
PALETTE = ((20, 40, 140), (200, 20, 40), (230, 180, 30), (20, 110, 60), (90, 30, 110), (0, 0, 0),
           (120, 70, 20), (0, 120, 160), (240, 240, 240))
LETTERS = "ABCDEFGHIJKLMNOPRSTUVWY"


def emblem(n: int, size: int = 320) -> Image.Image:
    """Emblem number ``n``: its shape, colours, charge, ring of lettering and initials all follow from ``n``."""
    rng = random.Random(n)
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    field, ink, accent = rng.sample(PALETTE, 3)
    shape = SHAPES[n % len(SHAPES)]
    _outline(draw, shape, size, field, ink)
    for i in range(rng.randint(1, 3)):
        _charge(draw, rng.choice(CHARGES), size, rng, accent if i % 2 == 0 else ink)
    initials = "".join(rng.choice(LETTERS) for _ in range(rng.randint(2, 4)))
    font = ImageFont.load_default(size=int(size * 0.14))
    draw.text((size / 2, size * 0.8), initials, fill=ink if shape != "roundel" else accent, font=font, anchor="mm")
    if shape == "roundel":
        _ring_text(image, "".join(rng.choice(LETTERS) for _ in range(12)), size, ink)
    return image


def png(n: int, size: int = 320) -> bytes:
    """Emblem ``n`` as PNG bytes, as a user would hand the file to ``catalogue add``."""
    out = io.BytesIO()
    emblem(n, size).save(out, "PNG")
    return out.getvalue()


def _outline(draw: ImageDraw.ImageDraw, shape: str, s: int, field, ink) -> None:
    if shape == "shield":
        points = [(0.15 * s, 0.1 * s), (0.85 * s, 0.1 * s), (0.85 * s, 0.5 * s), (0.5 * s, 0.92 * s),
                  (0.15 * s, 0.5 * s)]
        draw.polygon(points, fill=field, outline=ink, width=max(2, s // 40))
    elif shape == "badge":
        points = [(0.5 * s + 0.42 * s * math.cos(a * math.pi / 4 + math.pi / 8),
                   0.5 * s + 0.42 * s * math.sin(a * math.pi / 4 + math.pi / 8)) for a in range(8)]
        draw.polygon(points, fill=field, outline=ink, width=max(2, s // 40))
    else:
        draw.ellipse([0.05 * s, 0.05 * s, 0.95 * s, 0.95 * s], fill=ink)
        draw.ellipse([0.2 * s, 0.2 * s, 0.8 * s, 0.8 * s], fill=field)


def _charge(draw: ImageDraw.ImageDraw, charge: str, s: int, rng: random.Random, colour) -> None:
    cx, cy = s * rng.uniform(0.4, 0.6), s * rng.uniform(0.35, 0.55)
    r = s * rng.uniform(0.1, 0.2)
    turn = rng.uniform(0, math.pi)
    if charge == "star":
        points = [(cx + (r if i % 2 == 0 else r / 2.5) * math.cos(turn + i * math.pi / 5),
                   cy + (r if i % 2 == 0 else r / 2.5) * math.sin(turn + i * math.pi / 5)) for i in range(10)]
        draw.polygon(points, fill=colour)
    elif charge == "cross":
        w = r / 3
        draw.rectangle([cx - w, cy - r, cx + w, cy + r], fill=colour)
        draw.rectangle([cx - r, cy - w, cx + r, cy + w], fill=colour)
    elif charge == "chevron":
        draw.line([(cx - r, cy + r / 2), (cx, cy - r / 2), (cx + r, cy + r / 2)], fill=colour, width=int(r / 3))
    elif charge == "leaf":
        points = [(cx + r * (0.6 + 0.4 * math.cos(5 * t)) * math.cos(t + turn),
                   cy + r * (0.6 + 0.4 * math.cos(5 * t)) * math.sin(t + turn))
                  for t in (i * 2 * math.pi / 40 for i in range(40))]
        draw.polygon(points, fill=colour)
    elif charge == "crown":
        draw.polygon([(cx - r, cy + r / 2), (cx - r, cy - r / 2), (cx - r / 2, cy), (cx, cy - r),
                      (cx + r / 2, cy), (cx + r, cy - r / 2), (cx + r, cy + r / 2)], fill=colour)
    elif charge == "wheel":
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=colour, width=max(2, int(r / 5)))
        for i in range(rng.randint(3, 8)):
            a = turn + i * math.pi / 4
            draw.line([(cx, cy), (cx + r * math.cos(a), cy + r * math.sin(a))], fill=colour, width=max(2, int(r / 8)))
    elif charge == "bars":
        for i in range(rng.randint(2, 4)):
            y = cy - r + i * r * 0.6
            draw.rectangle([cx - r, y, cx + r, y + r * 0.25], fill=colour)
    else:
        draw.polygon([(cx, cy - r), (cx + r * 0.7, cy), (cx, cy + r), (cx - r * 0.7, cy)], fill=colour)


def _ring_text(image: Image.Image, text: str, s: int, colour) -> None:
    """Letters set around a roundel's ring, each turned to follow it."""
    font = ImageFont.load_default(size=int(s * 0.08))
    for i, letter in enumerate(text):
        angle = 2 * math.pi * i / len(text) - math.pi / 2
        glyph = Image.new("L", (int(s * 0.1), int(s * 0.1)), 0)
        ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), letter, fill=255, font=font, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, expand=False)
        x = int(s / 2 + 0.375 * s * math.cos(angle) - glyph.width / 2)
        y = int(s / 2 + 0.375 * s * math.sin(angle) - glyph.height / 2)
        image.paste(Image.new("RGB", glyph.size, (255, 255, 255)), (x, y), glyph)
