"""Suite ``materials``: the drawn emblems as objects photographed on a uniform (issue 17).

Positives: an embroidered flash on a curved sleeve (10-35 % of the photo's
width), a cast metal badge in gold or silver relief (8-30 %), a small enamel
pin (5-12 %), each under perspective, uneven light, blur and JPEG.
Negatives: plain uniforms, patches and badges of emblems not in the
catalogue made the same way, fabric textures, coins and medals.

The object simulator here is written independently of the references the
catalogue synthesises (emblemcheck/engine/materials.py) and uses different
models and parameters: threads from a fixed palette instead of k-means,
stitch direction from a coarse random field instead of one per area, a
merrowed zigzag edge, relief from the design's light and dark areas (not
its colour boundaries) lit from any direction at any height, enamel
outlines from Canny edges, a cylindrical sleeve and a glossy highlight.
Were both made by the same code the benchmark would measure nothing.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from corpus import USER_EMBLEMS, Case, Context, Suite, encode, font
from PIL import Image, ImageDraw

CANVAS = (1200, 900)

#: Embroidery thread colours (RGB), a made-up card of the usual shades.
THREADS = np.array([
    (250, 250, 245), (20, 20, 22), (200, 30, 40), (150, 20, 30), (30, 50, 130), (20, 30, 80), (60, 110, 190),
    (20, 100, 55), (10, 70, 40), (225, 185, 40), (190, 140, 30), (120, 70, 30), (160, 160, 165), (240, 120, 30),
    (90, 40, 110), (230, 220, 180),
], np.float32)

#: Uniform cloths: navy, black, olive, RCMP-like blue-grey, dark brown.
CLOTHS = ((28, 32, 52), (22, 22, 24), (62, 66, 44), (54, 62, 78), (58, 44, 34))

#: Metal tones of the simulated badges (not the engine's).
METALS = {"gold": (236, 196, 112), "silver": (214, 214, 220)}


# --- cloth and light ----------------------------------------------------------------------


def cloth(rng, size=CANVAS, colour=None) -> np.ndarray:
    """A uniform's cloth: a twill weave, some fibre noise and soft folds, RGB float."""
    w, h = size
    base = np.array(colour if colour is not None else CLOTHS[int(rng.integers(len(CLOTHS)))], np.float32)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    period = rng.uniform(3, 6)
    twill = np.sin(2 * np.pi * (x + y) / period) * 0.06
    fibres = cv2.GaussianBlur(rng.normal(0, 0.08, (h, w)).astype(np.float32), (0, 0), 0.7)
    folds = cv2.GaussianBlur(rng.normal(0, 1, (h // 40 + 2, w // 40 + 2)).astype(np.float32), (0, 0), 1.5)
    folds = cv2.resize(folds, (w, h), interpolation=cv2.INTER_CUBIC) * 0.25
    return base * (1 + twill + fibres + folds)[..., None]


def uneven_light(image: np.ndarray, rng) -> np.ndarray:
    """A light falling off across the picture from a random side (0.55-1.2 of its brightness)."""
    h, w = image.shape[:2]
    a = rng.uniform(0, 2 * np.pi)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = ((x / w - 0.5) * np.cos(a) + (y / h - 0.5) * np.sin(a)) + 0.5
    low, high = rng.uniform(0.55, 0.8), rng.uniform(1.0, 1.2)
    return image * (low + (high - low) * ramp)[..., None]


def camera(image: np.ndarray, rng) -> Image.Image:
    """Uneven light, defocus blur, sensor noise: what the phone adds (JPEG at encoding)."""
    image = uneven_light(image, rng)
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.4, 1.4))
    image = image + rng.normal(0, rng.uniform(1.5, 4), image.shape)
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))


# --- the objects ----------------------------------------------------------------------------


def _arrays(rgba: Image.Image, width: int) -> tuple[np.ndarray, np.ndarray]:
    height = max(8, round(rgba.height * width / rgba.width))
    im = rgba.resize((width, height), Image.Resampling.LANCZOS)
    a = np.asarray(im, np.float32)
    return a[..., :3], a[..., 3] / 255


def embroider(rgba: Image.Image, width: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """A flash: nearest thread colours, stitches along a coarse random direction field, a merrowed edge."""
    rgb, alpha = _arrays(rgba, width)
    rgb = cv2.medianBlur(np.clip(rgb, 0, 255).astype(np.uint8), 5).astype(np.float32)
    nearest = ((rgb[:, :, None, :] - THREADS[None, None]) ** 2).sum(axis=3).argmin(axis=2)
    image = THREADS[nearest]
    h, w = alpha.shape
    field = cv2.resize(rng.uniform(0, np.pi, (4, 4)).astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    period = rng.uniform(2.5, 4.5) * width / 300
    stitch = np.sin(2 * np.pi * (x * np.cos(field) + y * np.sin(field)) / period)
    image = image * (1 + 0.22 * stitch[..., None] + rng.normal(0, 0.05, (h, w, 1)))
    image = cv2.GaussianBlur(image, (0, 0), 0.9 * width / 300)
    solid = (alpha > 0.5).astype(np.uint8)
    edge = max(3, round(width * rng.uniform(0.025, 0.045)))
    ring = solid.astype(bool) & ~cv2.erode(solid, np.ones((edge, edge), np.uint8)).astype(bool)
    colour = THREADS[int(rng.choice([1, 9, 10, 12, 0]))]
    zigzag = np.abs(((x + y) / max(2.0, edge * 0.6)) % 2 - 1)
    image[ring] = colour * (0.75 + 0.35 * zigzag[ring, None])
    return image, alpha


def relief_height(rgb: np.ndarray, alpha: np.ndarray, rng) -> np.ndarray:
    """Height of a cast badge: the plate, with the design's light (or dark) areas raised (Otsu)."""
    grey = cv2.cvtColor(np.clip(rgb, 0, 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)
    _t, raised = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if rng.random() < 0.5:
        raised = 1 - raised
    plate = cv2.GaussianBlur((alpha > 0.5).astype(np.float32), (0, 0), 1.5)
    design = cv2.GaussianBlur(raised.astype(np.float32), (0, 0), max(1.0, alpha.shape[1] / 250))
    return plate * (0.6 + 0.4 * design)


def cast(rgba: Image.Image, width: int, rng, tone: str) -> tuple[np.ndarray, np.ndarray]:
    """A cast badge: relief lit by one light (any azimuth, 30-60 degrees high), Phong highlights, fine scratches."""
    rgb, alpha = _arrays(rgba, width)
    height = relief_height(rgb, alpha, rng) * rng.uniform(4, 9) * width / 300
    gy, gx = np.gradient(height)
    n = np.stack([-gx, -gy, np.ones_like(gx)], axis=2)
    n /= np.linalg.norm(n, axis=2, keepdims=True)
    az, el = rng.uniform(0, 2 * np.pi), np.radians(rng.uniform(30, 60))
    light = np.array([math.cos(el) * math.sin(az), -math.cos(el) * math.cos(az), math.sin(el)])
    diffuse = np.clip(n @ light, 0, 1)
    half = light + np.array([0, 0, 1.0])
    specular = np.clip(n @ (half / np.linalg.norm(half)), 0, 1) ** 30
    scratches = cv2.GaussianBlur(rng.normal(0, 0.06, alpha.shape).astype(np.float32), (0, 0), 0.6)
    base = np.array(METALS[tone], np.float32)
    image = base * (0.25 + 0.85 * diffuse + scratches)[..., None] + 90 * specular[..., None]
    return image, alpha


def enamel_pin(rgba: Image.Image, width: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """An enamel pin: the colours as they are (enamel keeps them), metal lines from Canny edges, a gloss band."""
    rgb, alpha = _arrays(rgba, width)
    edges = cv2.Canny(np.clip(rgb, 0, 255).astype(np.uint8), 60, 140) > 0
    edges = cv2.dilate(edges.astype(np.uint8), np.ones((2, 2), np.uint8)).astype(bool)
    solid = (alpha > 0.5).astype(np.uint8)
    edges |= solid.astype(bool) & ~cv2.erode(solid, np.ones((3, 3), np.uint8)).astype(bool)
    metal = np.array(METALS[str(rng.choice(list(METALS)))], np.float32)
    image = rgb.copy()
    image[edges] = metal
    h, w = alpha.shape
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    band = np.exp(-(((x - y) / max(w, h) - rng.uniform(-0.4, 0.4)) / 0.08) ** 2) * rng.uniform(0.15, 0.35)
    return image * (1 - band[..., None]) + 255 * band[..., None], alpha


# --- placing an object on the sleeve --------------------------------------------------------


def on_sleeve(ground: np.ndarray, image: np.ndarray, alpha: np.ndarray, rng, curve: float,
              tilt: float) -> np.ndarray:
    """``image`` sewn or pinned on ``ground``: bent around a cylinder (``curve``), tilted up to ``tilt`` degrees,
    with a soft shadow, at a random place."""
    h, w = alpha.shape
    pad = max(h, w) // 4
    rgba = np.zeros((h + 2 * pad, w + 2 * pad, 4), np.float32)
    rgba[pad:pad + h, pad:pad + w, :3] = image
    rgba[pad:pad + h, pad:pad + w, 3] = alpha
    H, W = rgba.shape[:2]
    # A sleeve is a cylinder: x is compressed towards the sides, y bows.
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    u = (x - W / 2) / (W / 2)
    radius = 1 / max(curve, 1e-3)
    map_x = W / 2 + (W / 2) * np.clip(np.arcsin(np.clip(u / radius * 0.999, -1, 1)) * radius, -1.5, 1.5)
    map_y = y - curve * 0.08 * H * (u ** 2)
    bent = cv2.remap(rgba, map_x.astype(np.float32), map_y.astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
    # Perspective: the plane turned by up to ``tilt`` degrees about each axis, seen by a pinhole camera.
    ax, ay = np.radians(rng.uniform(-tilt, tilt, 2))
    corners = np.array([[-W / 2, -H / 2, 0], [W / 2, -H / 2, 0], [W / 2, H / 2, 0], [-W / 2, H / 2, 0]])
    turn = (np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
            @ np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]]))
    turned = corners @ turn.T
    focal = 2.0 * max(W, H)
    seen = turned[:, :2] * (focal / (focal + turned[:, 2:3])) + [W / 2, H / 2]
    src = np.float32([[0, 0], [W, 0], [W, H], [0, H]])
    m = cv2.getPerspectiveTransform(src, seen.astype(np.float32))
    bent = cv2.warpPerspective(bent, m, (W, H), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))
    gh, gw = ground.shape[:2]
    ox = int(rng.integers(0, max(1, gw - W)))
    oy = int(rng.integers(0, max(1, gh - H)))
    region = ground[oy:oy + H, ox:ox + W]
    a = bent[:region.shape[0], :region.shape[1], 3:4]
    shadow = cv2.GaussianBlur(np.roll(a[..., 0], (3, 3), axis=(0, 1)), (0, 0), 3)[..., None] * 0.45
    region *= 1 - shadow
    region[:] = region * (1 - a) + bent[:region.shape[0], :region.shape[1], :3] * a
    return ground


def photograph(rgba: Image.Image, material: str, rng) -> bytes:
    """A simulated phone photo of ``rgba`` as the object ``material`` on a uniform."""
    w = CANVAS[0]
    if material == "embroidered":
        image, alpha = embroider(rgba, round(w * rng.uniform(0.10, 0.35)), rng)
        curve, tilt = rng.uniform(0.2, 0.6), 20.0
    elif material == "metal":
        image, alpha = cast(rgba, round(w * rng.uniform(0.08, 0.30)), rng, str(rng.choice(list(METALS))))
        curve, tilt = rng.uniform(0.0, 0.2), 25.0
    else:
        image, alpha = enamel_pin(rgba, round(w * rng.uniform(0.05, 0.12)), rng)
        curve, tilt = 0.0, 20.0
    ground = on_sleeve(cloth(rng), image, alpha, rng, curve, tilt)
    return encode(camera(ground, rng), "JPEG", int(rng.integers(60, 88)))


# --- negatives ------------------------------------------------------------------------------


def other_emblems() -> list[Image.Image]:
    """Emblems not in the catalogue, drawn alike: a shield, a round badge with lettering, an anchor roundel."""
    out = []
    im = Image.new("RGBA", (600, 720), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.polygon([(30, 36), (570, 36), (570, 360), (300, 690), (30, 360)], fill=(120, 20, 30, 255),
              outline=(220, 220, 220, 255), width=14)
    d.rectangle([270, 60, 330, 560], fill=(240, 240, 240, 255))
    d.rectangle([80, 230, 520, 290], fill=(240, 240, 240, 255))
    d.text((300, 420), "VIGIL", font=font(70), fill=(230, 190, 40, 255), anchor="mm")
    out.append(im)
    im = Image.new("RGBA", (600, 600), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse([4, 4, 596, 596], fill=(20, 30, 90, 255), outline=(200, 200, 200, 255), width=18)
    d.ellipse([150, 150, 450, 450], fill=(200, 200, 210, 255))
    letters = "HARBOUR POLICE - EST 1911 - "
    for i, ch in enumerate(letters):
        a = 2 * math.pi * i / len(letters) - math.pi / 2
        d.text((300 + 225 * math.cos(a), 300 + 225 * math.sin(a)), ch, font=font(40), fill=(255, 255, 255, 255),
               anchor="mm")
    d.polygon([(300, 180), (330, 280), (420, 280), (345, 330), (375, 420), (300, 365), (225, 420), (255, 330),
               (180, 280), (270, 280)], fill=(20, 30, 90, 255))
    out.append(im)
    im = Image.new("RGBA", (600, 600), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse([10, 10, 590, 590], fill=(230, 230, 230, 255), outline=(30, 30, 30, 255), width=20)
    d.rectangle([285, 120, 315, 470], fill=(30, 30, 30, 255))
    d.arc([160, 300, 440, 500], 0, 180, fill=(30, 30, 30, 255), width=30)
    d.rectangle([220, 160, 380, 185], fill=(30, 30, 30, 255))
    d.text((300, 540), "MARINE", font=font(48), fill=(30, 30, 30, 255), anchor="mm")
    out.append(im)
    return out


def medal(rng) -> Image.Image:
    """A medal or coin's design: a disc, a ring of text, a star or a profile-like shape."""
    im = Image.new("RGBA", (600, 600), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse([0, 0, 600, 600], fill=(180, 180, 180, 255))
    d.ellipse([40, 40, 560, 560], outline=(90, 90, 90, 255), width=10)
    if rng.random() < 0.5:
        d.ellipse([200, 130, 420, 390], fill=(90, 90, 90, 255))
        d.rectangle([250, 360, 380, 470], fill=(90, 90, 90, 255))
    else:
        d.polygon([(300, 120), (350, 250), (480, 250), (375, 330), (420, 470), (300, 390), (180, 470), (225, 330),
                   (120, 250), (250, 250)], fill=(90, 90, 90, 255))
    text = str(rng.choice(["1914 - 1918", "ELIZABETH II", "PRO PATRIA", "25 CENTS"]))
    d.text((300, 520), text, font=font(44), fill=(90, 90, 90, 255), anchor="mm")
    return im


def fabric(rng) -> np.ndarray:
    """A fabric texture filling the picture: twill, tartan, a knit or a camouflage pattern."""
    w, h = CANVAS
    kind = int(rng.integers(4))
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == 0:
        return cloth(rng, colour=tuple(int(v) for v in rng.integers(30, 200, 3)))
    if kind == 1:
        a = (np.sin(x / rng.uniform(20, 40)) > 0.3).astype(np.float32)
        b = (np.sin(y / rng.uniform(20, 40)) > 0.3).astype(np.float32)
        colours = rng.integers(20, 230, (3, 3)).astype(np.float32)
        return (colours[0] * (1 - a[..., None]) * (1 - b[..., None]) + colours[1] * a[..., None]
                + colours[2] * b[..., None] * (1 - a[..., None])) * (1 + 0.05 * np.sin((x + y) / 1.5))[..., None]
    if kind == 2:
        knit = np.abs(np.sin(x / 3.0 + np.abs(np.sin(y / 6.0)) * 2)) * 0.3 + 0.7
        return np.array(rng.integers(40, 220, 3), np.float32) * knit[..., None]
    blobs = cv2.GaussianBlur(rng.normal(0, 1, (h // 20, w // 20)).astype(np.float32), (0, 0), 2)
    level = np.digitize(cv2.resize(blobs, (w, h)), [-0.3, 0.0, 0.3])
    palette = np.array([(50, 60, 40), (90, 100, 60), (120, 110, 80), (40, 40, 30)], np.float32)
    return palette[level]


# --- the suite --------------------------------------------------------------------------------

MATERIALS = {"embroidered-flash": "embroidered", "metal-badge": "metal", "enamel-pin": "enamel"}


def make(ctx: Context) -> list[tuple[Case, bytes]]:
    """Every class's files; the emblem and the material's random draws cycle through the drawn emblems."""
    rng = ctx.rng
    emblems = sorted(USER_EMBLEMS)
    cases = []
    for klass, material in MATERIALS.items():
        for i in range(ctx.per_class):
            emblem_id = emblems[i % len(emblems)]
            data = photograph(ctx.sources[emblem_id], material, rng)
            cases.append((Case(f"{klass}-{i:03d}-{emblem_id}", klass, emblem_id), data))
    negatives = max(6, ctx.per_class // 2)
    others = other_emblems()
    for i in range(negatives):
        ground = cloth(rng)
        if i % 2:  # a seam and buttons
            ground[:, 590:596] *= 0.6
            for cy in (200, 450, 700):
                cv2.circle(ground, (640, cy), 18, (150, 140, 110), -1)
        cases.append((Case(f"plain-uniform-{i:03d}", "plain-uniform", None),
                      encode(camera(ground, rng), "JPEG", 80)))
        other = others[i % len(others)]
        cases.append((Case(f"other-patch-{i:03d}", "other-patch", None),
                      photograph(other, ("embroidered", "metal", "enamel")[i % 3], rng)))
        cases.append((Case(f"fabric-{i:03d}", "fabric", None), encode(camera(fabric(rng), rng), "JPEG", 82)))
        if i == 0 and "coins" in ctx.backgrounds:
            picture = ctx.backgrounds["coins"].resize(CANVAS)
        else:
            picture = Image.fromarray(np.clip(on_sleeve(cloth(rng), *cast(medal(rng), int(rng.integers(150, 350)),
                                                                             rng, str(rng.choice(list(METALS)))),
                                                        rng, 0.0, 20.0), 0, 255).astype(np.uint8))
        cases.append((Case(f"coin-medal-{i:03d}", "coin-medal", None), encode(picture, "JPEG", 85)))
    return cases


SUITE = Suite(
    "materials",
    {"embroidered-flash": 0.90, "metal-badge": 0.80, "enamel-pin": 0.90},
    ("plain-uniform", "other-patch", "fabric", "coin-medal"),
    make,
    about="The three drawn user emblems as objects on a uniform, simulated independently of the catalogue's "
          "material renderings: an embroidered flash on a curved sleeve (10-35 % of the width), a cast gold or "
          "silver badge in relief (8-30 %), an enamel pin (5-12 %), each tilted, unevenly lit, blurred and "
          "JPEG-compressed; negatives: plain uniforms, patches and badges of emblems not in the catalogue, "
          "fabric textures, coins and medals.",
)
