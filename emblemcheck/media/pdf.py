"""PDF pages, rendered by PDFium (pypdfium2, whose wheel ships the library).

A memo, a poster or a slide deck exported to PDF is a picture per page, so
each page is rendered and scanned like a still:

* Pages are rendered at :data:`RENDER_DPI` (a letter page is 1275 x 1650
  pixels), but never with more pixels than a picture's working copy
  (decode.WORK_PIXELS), so a page costs at most what a picture costs and a
  200 x 200 inch page (PDF's largest) is rendered at 2215 x 2215, not
  30000 x 30000. Boxes are in pixels of the page at :data:`RENDER_DPI`.
* Vector pages and scanned (image-only) pages are rendered alike.
* Only the first :data:`MAX_PDF_PAGES` pages are scanned; the scanner reports
  the pages beyond as not scanned, with their count.
* A password-protected, truncated or corrupt PDF is an :class:`ImageError`
  with its reason, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator

import pypdfium2 as pdfium

from ..errors import ImageError
from .decode import MAX_PIXELS, WORK_PIXELS, LoadedImage

#: Page resolution, in dots per inch: the signature on a letter memo (about an
#: inch wide) keeps about 150 pixels, as in a picture the detector finds it in.
RENDER_DPI = 150

#: Pages scanned per PDF. A page costs about as much as a 1600-pixel picture
#: (rendering plus detection, under a second on one core), so 50 pages stay
#: inside the per-file time limit of a folder scan (60 s).
MAX_PDF_PAGES = 50

#: PDF points (the unit of a page's size) per inch.
POINTS_PER_INCH = 72


class PdfLocked(ImageError):
    """A PDF needs a password to open: emblemcheck cannot read its pages."""


def open_pdf(data: bytes, name: str) -> pdfium.PdfDocument:
    """Open PDF bytes, turning PDFium's failures into one-line :class:`ImageError`."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise PdfLocked(f"{name}: PDF is password-protected; remove the password to scan it") from None
        raise ImageError(f"{name}: unreadable PDF, truncated or corrupt ({_detail(exc)})") from None


def iter_pages(data: bytes, name: str = "document.pdf", *, work_pixels: int | None = WORK_PIXELS,
               max_pixels: int = MAX_PIXELS, max_pages: int = MAX_PDF_PAGES) -> Iterator[tuple[int, int, LoadedImage]]:
    """Render the first ``max_pages`` pages as ``(index, count, image)``, one page in memory at a time."""
    document = open_pdf(data, name)
    try:
        count = len(document)
        if count < 1:
            raise ImageError(f"{name}: PDF has no pages")
        for index in range(min(count, max_pages)):
            yield index, count, render_page(document, index, name, work_pixels=work_pixels, max_pixels=max_pixels)
    finally:
        document.close()


def render_page(document: pdfium.PdfDocument, index: int, name: str, *,
                work_pixels: int | None = WORK_PIXELS, max_pixels: int = MAX_PIXELS) -> LoadedImage:
    """One page as RGB at :data:`RENDER_DPI`, or smaller to keep within ``work_pixels`` and ``max_pixels``.

    Its geometry (``width``, ``height``) is the page's at :data:`RENDER_DPI`,
    so boxes are in those pixels whatever size it was rendered at.
    """
    try:
        page = document[index]
        try:
            width_pt, height_pt = page.get_size()
            if width_pt <= 0 or height_pt <= 0:
                raise ImageError(f"{name}: page {index + 1} has no area ({width_pt:g} x {height_pt:g} points)")
            bound = min(work_pixels or max_pixels, max_pixels)
            # PDFium rounds the bitmap's sides up: a thousandth less keeps it within the bound.
            scale = min(RENDER_DPI / POINTS_PER_INCH, 0.999 * (bound / (width_pt * height_pt)) ** 0.5)
            bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255), rev_byteorder=True)
            rgb = bitmap.to_numpy()[:, :, :3].copy()
        finally:
            page.close()
    except pdfium.PdfiumError as exc:
        raise ImageError(f"{name}: page {index + 1} unreadable ({_detail(exc)})") from None
    if rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise ImageError(f"{name}: page {index + 1} has no pixels")
    width = max(1, round(width_pt * RENDER_DPI / POINTS_PER_INCH))
    height = max(1, round(height_pt * RENDER_DPI / POINTS_PER_INCH))
    return LoadedImage(rgb=rgb, width=width, height=height, format="PDF")


def _detail(exc: pdfium.PdfiumError) -> str:
    """PDFium's own reason, without pypdfium2's wrapping ("Failed to load document (PDFium: ...)")."""
    text = str(exc)
    detail = text[text.find("PDFium: ") + 8:].rstrip(").") if "PDFium: " in text else text
    # PDFium fails some documents (an empty page tree) without setting an error code.
    return "PDFium gave no reason" if detail == "Success" else detail
