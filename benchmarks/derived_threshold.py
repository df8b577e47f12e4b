"""Where scan/derived.py's MAX_DIFFERENCE comes from: differences of genuine WordPress copies and of edited ones.

Run: python benchmarks/derived_threshold.py [--out DIR]. Prints the largest difference over genuine
copies and the smallest over edited ones, by resizer; nothing is written to RESULTS.md.

Originals: noisy gradients, grey gravel (sharp texture) and the drawn badge on a photo, at a phone's
4032x3024 and a web 1200x900. Each gets WordPress core's sub-sizes (tests/bulk_tree.wordpress_cuts) made by:
Pillow (Lanczos and unsharp, JPEG 82); ImageMagick as WordPress's Imagick editor calls it (triangle filter,
unsharp 0.25x0.25+8+0.065, JPEG 82), when `convert` is installed; GD-like box and bilinear filters; WebP 80;
JPEG 60. Edited copies: the drawn badge pasted at the smallest size the detector finds (40 px of its 1600 px
working copy, at least 40 px), and at a quarter of the width at 35 % opacity (a faint watermark).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bulk_tree import badge, imagick_resize, imagick_works, pillow_resize, save, wordpress_cuts  # noqa: E402
from pictures import photo_like, stones  # noqa: E402

from emblemcheck.media.decode import decode, read_file  # noqa: E402
from emblemcheck.scan.derived import COMPARE_SIDE, Cut, check, reference  # noqa: E402

#: A copy is decoded as the scanner decodes it for the check (scanner._inherited).
COPY_PIXELS = (2 * COMPARE_SIDE) ** 2


def _box(cut: Cut) -> tuple[int, int, int, int]:
    return cut.x, cut.y, cut.x + cut.width, cut.y + cut.height


def pillow_filter(resample: Image.Resampling, fmt: str = "JPEG", quality: int = 82):
    def resize(image: Image.Image, cut: Cut, path: Path) -> None:
        image.resize((cut.to_width, cut.to_height), resample, box=_box(cut)).save(path, fmt, quality=quality)
    return resize


def originals() -> dict[str, Image.Image]:
    out = {}
    for w, h in ((4032, 3024), (1200, 900)):
        out[f"gradients-{w}"] = photo_like(w, h, seed=w % 7)
        out[f"gravel-{w}"] = stones(w, h, seed=3).resize((w, h))
        scene = photo_like(w, h, seed=5)
        scene.paste(badge(h // 3), (w // 3, h // 3))
        out[f"badge-{w}"] = scene
    return out


def edited(copy: Image.Image, how: str) -> Image.Image:
    copy = copy.convert("RGB")
    w, h = copy.size
    if how == "pasted":
        side = max(40, round(max(w, h) / 40))
        copy.paste(badge(side), (w - side - 2, 2))
        return copy
    side = max(16, w // 4)
    mark = badge(side)
    region = copy.crop((2, 2, 2 + side, 2 + side))
    copy.paste(Image.blend(region, mark, 0.35), (2, 2))
    return copy


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="derived-threshold-"))
    resizers = {"pillow": pillow_resize, "gd-box": pillow_filter(Image.Resampling.BOX),
                "gd-bilinear": pillow_filter(Image.Resampling.BILINEAR),
                "webp80": pillow_filter(Image.Resampling.LANCZOS, "WEBP", 80),
                "jpeg60": pillow_filter(Image.Resampling.LANCZOS, "JPEG", 60)}
    if imagick_works():
        resizers["imagick"] = imagick_resize
    genuine: dict[str, float] = {}
    edits: dict[str, float] = {}
    for name, image in originals().items():
        path = save(image, out / f"{name}.jpg", quality=90)
        original = reference(decode(read_file(path), name))
        for label, resize in resizers.items():
            for suffix, cut in wordpress_cuts(*image.size):
                copy_path = out / f"{name}{suffix}-{label}.jpg"
                resize(image, cut, copy_path)
                _cut, gap = check(original, decode(read_file(copy_path), copy_path.name, work_pixels=COPY_PIXELS))
                genuine[label] = max(genuine.get(label, 0.0), gap)
                if label != "pillow":
                    continue
                for how in ("pasted", "watermark"):
                    changed = save(edited(Image.open(copy_path), how), out / f"{name}{suffix}-{how}.jpg", quality=82)
                    _cut, gap = check(original, decode(read_file(changed), changed.name, work_pixels=COPY_PIXELS))
                    edits[how] = min(edits.get(how, 1e9), gap)
                    if gap < 30:
                        print(f"  close edit: {changed.name} {gap:.1f}")
    for label, gap in genuine.items():
        print(f"genuine copies, {label}: largest difference {gap:.1f}")
    for how, gap in edits.items():
        print(f"edited copies, {how}: smallest difference {gap:.1f}")


if __name__ == "__main__":
    main()
