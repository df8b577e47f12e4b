"""Shared helpers for the bulk-scan tests: a real catalogue with a drawn emblem, a WordPress-like tree.

The emblem is a made-up badge drawn here with Pillow (never official
artwork), added through the same ``add_artwork`` path a user takes, so
every scan in these tests runs the real engine.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from emblemcheck.catalogue.build import build_catalogue
from emblemcheck.catalogue.edit import add_artwork
from emblemcheck.home import Home
from emblemcheck.scan.derived import Cut, centre_crop, fit_size

EMBLEM_ID = "test-badge"


def badge(size: int = 256) -> Image.Image:
    """A distinctive drawn badge: concentric shapes in blue and gold on white."""
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    s = size / 256
    draw.ellipse([16 * s, 16 * s, 240 * s, 240 * s], fill=(20, 40, 140))
    draw.polygon([(128 * s, 40 * s), (210 * s, 200 * s), (46 * s, 200 * s)], fill=(230, 180, 30))
    draw.rectangle([100 * s, 120 * s, 156 * s, 176 * s], fill=(200, 20, 40))
    draw.line([(40 * s, 128 * s), (216 * s, 128 * s)], fill="white", width=max(1, int(6 * s)))
    return image


def photo(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A clean picture that matches nothing: smooth gradients and a few shapes, varied by ``seed``."""
    image = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    draw = ImageDraw.Draw(image)
    for i in range(6):
        x, y = (seed * 13 + i * 47) % size[0], (seed * 29 + i * 31) % size[1]
        draw.rectangle([x, y, x + 40 + i * 7, y + 25 + i * 5],
                       fill=((seed + i * 70) % 256, (seed * 3 + i * 40) % 256, (i * 90) % 256))
    return image


def save(image: Image.Image, path: Path, fmt: str | None = None, **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, fmt, **kwargs)
    return path


def make_home(root: Path) -> Home:
    """A home with a built catalogue (no official artwork) plus the drawn badge as a restricted emblem."""
    home = Home(root)
    empty = root / "no-official-artwork"
    empty.mkdir(parents=True, exist_ok=True)
    build_catalogue(home, from_dir=empty)
    artwork = save(badge(), root / "badge.png")
    add_artwork(home, artwork, fields={"id": EMBLEM_ID, "name": "Test badge", "agency": "Test agency",
                                       "kind": "badge", "restriction": "restricted"})
    return home


def home_with_added(root: Path, image, emblem_id: str, name: str) -> Home:
    """A home with a built catalogue (no official artwork) and ``image`` added through `catalogue add`,
    as a user would: a restricted badge named ``name``."""
    from typer.testing import CliRunner

    from emblemcheck.cli import app

    home = Home(root / "home")
    (root / "none").mkdir(parents=True, exist_ok=True)
    build_catalogue(home, from_dir=root / "none")
    artwork = save(image, root / f"{emblem_id}.png")
    result = CliRunner().invoke(app, ["catalogue", "add", str(artwork), "--id", emblem_id, "--name", name,
                                      "--agency", "Test agency", "--kind", "badge", "--restriction", "restricted",
                                      "--home", str(home.root)])
    assert result.exit_code == 0, result.output
    return home


def wordpress_tree(root: Path, originals: int = 4, flagged: tuple[int, ...] = (1,)) -> Path:
    """uploads/2024/05 with originals, their size variants and WebP siblings; ``flagged`` ones are the badge."""
    folder = root / "uploads" / "2024" / "05"
    for n in range(originals):
        image = badge(480) if n in flagged else photo(n, (480, 360))
        save(image, folder / f"photo{n}.jpg", quality=92)
        for w, h in ((300, 200), (150, 150)):
            save(image.resize((w, h)), folder / f"photo{n}-{w}x{h}.jpg", quality=85)
        save(image.resize((300, 225)), folder / f"photo{n}-300x225.webp")
    return root / "uploads"


#: WordPress core's sub-sizes since 5.3 (thumbnail, medium, medium_large, large, 1536x1536, 2048x2048):
#: ``(width, height, hard crop)``, 0 meaning unbounded; and the big-image threshold of the -scaled copy.
WORDPRESS_SIZES = ((150, 150, True), (300, 300, False), (768, 0, False), (1024, 1024, False),
                   (1536, 1536, False), (2048, 2048, False))
BIG_IMAGE_THRESHOLD = 2560


def wordpress_cuts(width: int, height: int) -> list[tuple[str, Cut]]:
    """The copies WordPress core makes of a ``width x height`` upload: ``(name suffix, cut)``."""
    cuts = []
    if max(width, height) > BIG_IMAGE_THRESHOLD:
        size = fit_size(width, height, BIG_IMAGE_THRESHOLD, BIG_IMAGE_THRESHOLD)
        cuts.append(("-scaled", Cut(0, 0, width, height, *size)))
    for w, h, crop in WORDPRESS_SIZES:
        if crop:
            cut = centre_crop(width, height, w, h)
        else:
            cut = Cut(0, 0, width, height, *fit_size(width, height, w or 10**6, h or 10**6))
        if (cut.to_width, cut.to_height) != (width, height):
            cuts.append((f"-{cut.to_width}x{cut.to_height}", cut))
    return cuts


#: Makes one copy: ``(original, cut, path)`` writes the cut of ``original`` resized to ``path``.
Resizer = Callable[[Image.Image, Cut, Path], None]


def pillow_resize(image: Image.Image, cut: Cut, path: Path) -> None:
    """A copy as Pillow makes it: Lanczos, a light unsharp mask on JPEG (as WordPress with Imagick), quality 82."""
    box = (cut.x, cut.y, cut.x + cut.width, cut.y + cut.height)
    copy = image.resize((cut.to_width, cut.to_height), Image.Resampling.LANCZOS, box=box)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        copy = copy.filter(ImageFilter.UnsharpMask(radius=0.5, percent=40, threshold=2))
    save(copy, path, quality=82)


def imagick_works() -> bool:
    """Whether ImageMagick's ``convert`` is installed (some systems ship a stand-in that only prints)."""
    if not shutil.which("convert"):
        return False
    return subprocess.run(["convert", "-version"], capture_output=True).returncode == 0


def imagick_resize(image: Image.Image, cut: Cut, path: Path) -> None:
    """A copy as WordPress's Imagick editor makes it: triangle filter, unsharp 0.25x0.25+8+0.065, JPEG 82.

    From a lossless copy of ``image`` (the uploaded file's pixels), cropped by ImageMagick itself.
    """
    source = path.with_suffix(".source.ppm")
    save(image, source)
    subprocess.run(["convert", str(source), "-crop", f"{cut.width}x{cut.height}+{cut.x}+{cut.y}", "+repage",
                    "-filter", "Triangle", "-resize", f"{cut.to_width}x{cut.to_height}!",
                    "-unsharp", "0.25x0.25+8+0.065", "-quality", "82", str(path)], check=True)
    source.unlink()


def wordpress_upload(image: Image.Image, folder: Path, name: str, *, resize: Resizer = pillow_resize,
                     webp: bool = False) -> list[Path]:
    """Upload ``image`` as ``name.jpg`` the way WordPress core does: the original and every sub-size copy.

    ``webp`` adds the Modern Image Formats plugin's siblings (``name-jpg.webp``, ``name-300x225-jpg.webp``).
    """
    paths = [save(image, folder / f"{name}.jpg", quality=90)]
    for suffix, cut in wordpress_cuts(*image.size):
        paths.append(folder / f"{name}{suffix}.jpg")
        resize(image, cut, paths[-1])
        if webp:
            paths.append(folder / f"{name}{suffix}-jpg.webp")
            resize(image, cut, paths[-1])
    if webp:
        paths.append(save(image, folder / f"{name}-jpg.webp", quality=80))
    return paths


def cli(*args: str, home: Path):
    """Run the real CLI in-process; returns typer's Result."""
    from typer.testing import CliRunner

    from emblemcheck.cli import app

    return CliRunner().invoke(app, [*args, "--home", str(home)], catch_exceptions=False)
