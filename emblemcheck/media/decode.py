"""Image loading: the only code that decodes files.

Everything downstream receives an RGB ``numpy`` array (channel order RGB,
``uint8``, shape ``(height, width, 3)``); conversion to OpenCV's BGR happens
at the one place that needs it.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import FileVanished, ImageError, ImageTooLarge
from .content import MAX_PIXELS, is_svg
from .svg import render_svg

# Pillow's own guard warns from 89.5 megapixels and refuses from twice its
# limit; set it to ours, so every image Pillow opens anywhere in emblemcheck
# (thumbnails, catalogue artwork) meets the one documented limit.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# Pillow's UserWarnings say which metadata it skipped ("Tag data larger than
# file", "Corrupt EXIF data"): the picture is still read, emblemcheck already
# ignores an EXIF it cannot use, and the verdict does not depend on them, so
# they carry nothing for the user and must not land between the report's
# lines on stderr. (The decompression-bomb warning is a RuntimeWarning, kept.)
warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL(\.|$)")

#: Most pixels of the working copy the matchers see: an area bound, whatever
#: the shape, so a 390 x 2400 phone screenshot keeps its full width and a
#: 4032 x 3024 photo is kept at 2560 x 1920, where a badge at 3 % of the width
#: still has 77 px. The detector looks at the whole picture at 1280 px and at
#: the detail of a bigger one in tiles covering this many pixels
#: (engine.tiles.DETAIL_PIXELS, the same number: more would be thrown away).
WORK_PIXELS = 2560 * 1920

#: The filter that shrinks a bigger picture to its working size. Shrinking, Pillow's
#: bilinear filter is a triangle as wide as the reduction (no aliasing), the filter
#: WordPress's Imagick editor makes its sub-sizes with. On 12-50 megapixel photos the
#: decode's median fell from 0.50 s (Lanczos) to 0.36 s with the same emblems found
#: and no false alarm (benchmarks/decode_filter.py, section decode-filter of RESULTS.md).
#: The box filter is faster still (0.26 s) but, after a JPEG draft decode, leaves
#: WordPress copies up to 34 apart from their original in scan.derived's check
#: (its MAX_DIFFERENCE is 24; bilinear 17 at most, Lanczos 18: tests/test_derived.py's tree).
SHRINK_FILTER = Image.Resampling.BILINEAR

#: SVG inputs are rasterised at this width.
SVG_WIDTH = 1024

BACKGROUNDS: dict[str, tuple[int, int, int]] = {
    "white": (255, 255, 255),
    "black": (0, 0, 0),
    "grey": (128, 128, 128),
}


def working_size(width: int, height: int, work_pixels: int | None = WORK_PIXELS) -> tuple[int, int]:
    """The size of the working copy of a ``width`` x ``height`` picture: at most ``work_pixels``, same shape."""
    if not work_pixels or width * height <= work_pixels:
        return width, height
    factor = math.sqrt(work_pixels / (width * height))
    return max(1, int(width * factor)), max(1, int(height * factor))


@dataclass(frozen=True)
class LoadedImage:
    """A decoded image: RGB pixels at working size, and the original's geometry."""

    rgb: np.ndarray
    width: int
    height: int
    format: str

    @property
    def scale(self) -> float:
        """Working pixels per original pixel (<= 1)."""
        return self.rgb.shape[1] / self.width if self.width else 1.0


def read_file(path: Path | str) -> bytes:
    """Read a file's bytes, turning OS errors into one-line :class:`ImageError`."""
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FileVanished(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImageError(f"{path}: is a directory, not an image file") from None
    except PermissionError:
        raise ImageError(f"{path}: permission denied") from None
    except OSError as exc:
        raise ImageError(f"{path}: cannot read ({exc.strerror or exc})") from None


def open_image(data: bytes, name: str = "image", *, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Open image bytes with Pillow (or resvg for SVG), checking the pixel limit before decoding."""
    if not data:
        raise ImageError(f"{name}: empty file (0 bytes)")
    if is_svg(data):
        return render_svg(data, width=SVG_WIDTH, name=name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise ImageError(f"{name}: not an image Pillow can read") from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageTooLarge(f"{name}: over the pixel limit of {max_pixels:,}") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageError(f"{name}: unreadable image ({exc})") from None
    width, height = image.size
    if width * height > max_pixels:
        raise ImageTooLarge(f"{name}: {width}x{height} is over the pixel limit of {max_pixels:,}")
    return image


def to_rgb(image: Image.Image, background: tuple[int, int, int] = BACKGROUNDS["white"]) -> Image.Image:
    """Flatten any mode (alpha, palette, 16-bit, CMYK, greyscale) onto ``background`` as 8-bit RGB."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit (and 32-bit integer) greyscale: scale the full 16-bit range
        # to 8 bits rather than clip at 255, as Pillow's convert("L") does.
        array = np.asarray(image, dtype=np.float64)
        image = Image.fromarray(np.clip(array / 257.0, 0, 255).astype(np.uint8), "L")
    elif image.mode == "F":
        image = Image.fromarray(np.clip(np.asarray(image), 0, 255).astype(np.uint8), "L")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if has_alpha:
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, background + (255,))
        canvas.alpha_composite(rgba)
        return canvas.convert("RGB")
    return image.convert("RGB")


def decode(data: bytes, name: str = "image", *, work_pixels: int | None = WORK_PIXELS,
           max_pixels: int = MAX_PIXELS,
           background: tuple[int, int, int] = BACKGROUNDS["white"]) -> LoadedImage:
    """Decode image bytes once into a :class:`LoadedImage` at working size (see :func:`decode_opened`)."""
    image = open_image(data, name, max_pixels=max_pixels)
    return decode_opened(image, name, fmt=image.format or ("SVG" if is_svg(data) else ""),
                         work_pixels=work_pixels, background=background)


def decode_opened(image: Image.Image, name: str, *, fmt: str, work_pixels: int | None = WORK_PIXELS,
                  background: tuple[int, int, int] = BACKGROUNDS["white"]) -> LoadedImage:
    """Decode a picture :func:`open_image` opened (its first frame) into a :class:`LoadedImage`.

    Applies EXIF orientation, uses JPEG draft mode to decode a reduced image
    when the original is far larger than ``work_pixels``, and flattens
    transparency onto ``background``.
    """
    try:
        orientation = image.getexif().get(0x0112, 1) if fmt != "SVG" else 1
    except Exception:  # noqa: BLE001 - corrupt EXIF must not hide a readable picture
        orientation = 1
    width, height = image.size
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    try:
        if work_pixels and fmt == "JPEG" and width * height > 4 * work_pixels:
            # DCT-domain downscale: decodes 1/2, 1/4 or 1/8 of the pixels, never fewer than asked.
            image.draft("RGB", working_size(*image.size, work_pixels))
        image = ImageOps.exif_transpose(image) if orientation != 1 else image
        image = to_rgb(image, background)
        image = shrunk(image, work_pixels)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageError(f"{name}: unreadable image ({exc})") from None
    rgb = np.asarray(image, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise ImageError(f"{name}: image has no pixels")
    return LoadedImage(rgb=rgb, width=width, height=height, format=fmt)


def load_image(path: Path | str, *, work_pixels: int | None = WORK_PIXELS,
               max_pixels: int = MAX_PIXELS) -> LoadedImage:
    """Read and decode the file at ``path``."""
    return decode(read_file(path), str(path), work_pixels=work_pixels, max_pixels=max_pixels)


def shrunk(image: Image.Image, work_pixels: int | None = WORK_PIXELS) -> Image.Image:
    """``image`` at its working size (see :func:`working_size`), by :data:`SHRINK_FILTER`; never enlarged."""
    size = working_size(*image.size, work_pixels)
    if size == image.size:
        return image
    return image.resize(size, SHRINK_FILTER)
