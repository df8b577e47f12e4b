"""Every picture inside one file: animation frames, TIFF pages, the largest ICO size.

An emblem can hide in frame 40 of an animated GIF or on page 3 of a TIFF,
so a bulk scan looks past the first frame:

* TIFF pages are all scanned, up to :data:`MAX_PAGES` (a fax-sized document).
* Animations (GIF, animated WebP and PNG) are scanned whole up to
  :data:`MAX_ANIMATION_FRAMES` frames; longer ones are sampled evenly, first
  and last frame always included. Neighbouring frames of an animation are
  near-duplicates, so 16 evenly spaced frames of a 500-frame GIF see every
  scene that lasts more than 1/16 of it, at 1/30 of the cost.
* PDF pages are rendered by :mod:`emblemcheck.media.pdf`, up to its page
  limit; a Frame's ``count`` is the document's page count, so the scanner
  can tell the pages left unscanned.
* Videos (MP4, MOV, WebM, MKV) are sampled by :mod:`emblemcheck.media.video`;
  their Frames carry ``seconds``.
* Office documents (PowerPoint, Word, Excel, OpenDocument) are read by
  :mod:`emblemcheck.media.office`: each embedded picture is a Frame naming
  its ``member`` (and in a deck its slide as ``page``).
* ICO and CUR files hold one picture at several sizes; Pillow opens the
  largest, which is the one worth matching.
* HEIC needs the ``pillow-heif`` plugin (registered here when installed);
  AVIF is read by Pillow itself when built with libavif.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from ..errors import ImageError, ImageTooLarge
from .content import is_pdf, is_video, is_zip
from .decode import MAX_PIXELS, WORK_PIXELS, LoadedImage, decode_opened, is_svg, open_image, shrunk, to_rgb
from .office import iter_office
from .pdf import iter_pages
from .video import iter_video

#: Animations with more frames than this are sampled (see the module docstring).
MAX_ANIMATION_FRAMES = 16

#: TIFF pages scanned; a longer document is refused rather than half-checked.
MAX_PAGES = 200

try:  # HEIC/HEIF support from the package index; optional.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - depends on the environment
    HEIF_SUPPORTED = False


@dataclass(frozen=True)
class Frame:
    """One picture of a file: ``index`` of ``count`` frames or pages, decoded at working size.

    Every medium yields these, so the scanner treats a still, an animation
    frame and a document page alike. ``page`` is the 1-based page of a paged
    medium (TIFF, MPO, PDF), ``None`` for stills and animations;
    ``seconds`` is a frame's time in a video; ``member`` the zip member a
    picture inside an office document is (its ``page`` then the slide showing it).
    """

    index: int
    count: int
    image: LoadedImage
    page: int | None = None
    seconds: float | None = None
    member: str | None = None


def sample_indices(count: int, *, paged: bool) -> list[int]:
    """Which of ``count`` frames to scan: all pages of a document, an even sample of a long animation."""
    if count < 1:
        return []
    if paged:
        if count > MAX_PAGES:
            raise ImageError(f"{count} pages is over the limit of {MAX_PAGES}")
        return list(range(count))
    if count <= MAX_ANIMATION_FRAMES:
        return list(range(count))
    step = (count - 1) / (MAX_ANIMATION_FRAMES - 1)
    return sorted({round(i * step) for i in range(MAX_ANIMATION_FRAMES)})


def iter_frames(data: bytes, name: str = "image", *, work_pixels: int | None = WORK_PIXELS,
                max_pixels: int = MAX_PIXELS, notes: list[str] | None = None) -> Iterator[Frame]:
    """Decode the frames of ``data`` to scan, one at a time (only one is in memory at once).

    The bytes are opened once; a still picture is decoded from that same opening.
    What a document left unread (see :mod:`.office`) is appended to ``notes``.
    """
    if is_zip(data):
        for inside in iter_office(data, name, work_pixels=work_pixels, max_pixels=max_pixels, notes=notes):
            yield Frame(inside.index, inside.count, inside.image, page=inside.slide, member=inside.member)
        return
    if is_pdf(data):
        for index, count, page in iter_pages(data, name, work_pixels=work_pixels, max_pixels=max_pixels):
            yield Frame(index, count, page, page=index + 1)
        return
    if is_video(data):
        for index, count, seconds, picture in iter_video(data, name, work_pixels=work_pixels, max_pixels=max_pixels):
            yield Frame(index, count, picture, seconds=seconds)
        return
    image = open_image(data, name, max_pixels=max_pixels)
    svg = is_svg(data)
    count = 1 if svg else _frame_count(image, name)
    if count == 1:
        fmt = "SVG" if svg else image.format or ""
        yield Frame(0, 1, decode_opened(image, name, fmt=fmt, work_pixels=work_pixels))
        return
    paged = image.format in ("TIFF", "MPO")
    try:
        indices = sample_indices(count, paged=paged)
    except ImageError as exc:
        raise ImageError(f"{name}: {exc}") from None
    for index in indices:
        yield Frame(index, count, _decode_frame(image, index, name, work_pixels, max_pixels),
                    page=index + 1 if paged else None)


def _frame_count(image: Image.Image, name: str) -> int:
    """How many frames ``image`` has; counting reads every frame header, so a cut-off file fails here."""
    try:
        return getattr(image, "n_frames", 1) or 1
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, struct.error) as exc:  # Pillow's GIF reader
        raise ImageError(f"{name}: truncated: the file ends inside an animation frame ({exc})") from None


def _decode_frame(image: Image.Image, index: int, name: str, work_pixels: int | None,
                  max_pixels: int) -> LoadedImage:
    try:
        image.seek(index)
        width, height = image.size
        if width * height > max_pixels:
            raise ImageTooLarge(f"{name}: frame {index} is {width}x{height}, over the pixel limit of {max_pixels:,}")
        frame = to_rgb(ImageOps.exif_transpose(image.copy()))
        width, height = frame.size
        frame = shrunk(frame, work_pixels)
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, struct.error,
            Image.DecompressionBombError) as exc:
        raise ImageError(f"{name}: frame {index} unreadable ({exc or 'truncated'})") from None
    rgb = np.asarray(frame, dtype=np.uint8)
    return LoadedImage(rgb=rgb, width=width, height=height, format=image.format or "")
