"""Media suite: emblems on PDF pages, in video clips, in pictures inside slide decks and documents, and in
tall phone screenshots; negatives: the same media without any emblem.

The decks and documents are written by the libraries people's own tools use
(python-pptx, python-docx, odfpy: the ``bench`` extra), the PDFs by Pillow's
PDF writer (image-only pages, as a scanner makes them), the clips by PyAV.
"""

from __future__ import annotations

import io
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
from corpus import SIBLINGS, USER_EMBLEMS, Case, Context, Suite, canvas, emblem_picture, encode, flatten, font, paste
from PIL import Image, ImageDraw, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shapes import svg_emblem, tall_page  # noqa: E402

#: A letter page at 150 dpi, the resolution media/pdf.py renders at.
LETTER = (1275, 1650)
#: Video clips: 1280 x 720 (HD) at 2 frames per second, 12 seconds; the emblem is on screen 4 to 6 seconds.
CLIP_SIZE, CLIP_FPS, CLIP_SECONDS = (1280, 720), 2, 12

POSITIVE = ("pdf", "video", "slide-deck", "document", "tall-screenshot")
NEGATIVE = ("clean-pdf", "clean-video", "clean-deck", "clean-document", "clean-tall-screenshot")


def make_media(ctx: Context) -> list[tuple[Case, bytes]]:
    rng, backgrounds = ctx.rng, ctx.backgrounds
    emblems = sorted(SIBLINGS) + sorted(USER_EMBLEMS)
    photo_list = [backgrounds[k] for k in sorted(backgrounds)]

    def photo():
        return photo_list[int(rng.integers(len(photo_list)))]

    def composite(emblem_id: str, low: float, high: float, background: Image.Image | None = None) -> Image.Image:
        ink, plate = emblem_picture(ctx.sources, emblem_id, rng)
        return paste(background or photo(), ink, rng.uniform(low, high), rng, plate=plate)

    def scene() -> Image.Image:
        """A photo cut to the clip's 16:9 frame (never stretched: an emblem keeps its shape)."""
        return ImageOps.fit(photo(), CLIP_SIZE)

    cases: list[tuple[Case, bytes]] = []
    for i in range(ctx.per_class):
        emblem_id = emblems[i % len(emblems)]
        page = int(rng.integers(1, 4))
        cases.append((Case(f"pdf-{i:03d}-{emblem_id}-p{page}", "pdf", emblem_id),
                      pdf_memo(ctx, rng, emblem_id, page)))
        cases.append((Case(f"video-{i:03d}-{emblem_id}", "video", emblem_id, ext="mp4"),
                      clip(rng, scene(), composite(emblem_id, 0.15, 0.35, scene()))))
        cases.append((Case(f"deck-{i:03d}-{emblem_id}", "slide-deck", emblem_id, ext="pptx"),
                      deck([canvas(photo()), composite(emblem_id, 0.10, 0.30), canvas(photo())], rng)))
        odt = i % 2 == 1
        cases.append((Case(f"document-{i:03d}-{emblem_id}", "document", emblem_id, ext="odt" if odt else "docx"),
                      (odt_of if odt else docx_of)([canvas(photo()), composite(emblem_id, 0.10, 0.30)])))
        # The signature in the header of even pages, the wordmark in the footer of odd ones.
        expected = "gc-signature-en" if i % 2 == 0 else "canada-wordmark"
        cases.append((Case(f"tall-{i:03d}-{expected}", "tall-screenshot", expected),
                      encode(tall_screenshot(ctx, photo_list, rng, expected), "PNG")))
    for i in range(max(4, ctx.per_class // 3)):
        cases.append((Case(f"clean-pdf-{i:03d}", "clean-pdf", None), pdf_memo(ctx, rng, None, 0)))
        cases.append((Case(f"clean-video-{i:03d}", "clean-video", None, ext="mp4"),
                      clip(rng, scene(), scene())))
        cases.append((Case(f"clean-deck-{i:03d}", "clean-deck", None, ext="pptx"),
                      deck([canvas(photo()) for _ in range(3)], rng)))
        odt = i % 2 == 1
        cases.append((Case(f"clean-document-{i:03d}", "clean-document", None, ext="odt" if odt else "docx"),
                      (odt_of if odt else docx_of)([canvas(photo()), canvas(photo())])))
        cases.append((Case(f"clean-tall-{i:03d}", "clean-tall-screenshot", None),
                      encode(tall_page(ctx.home, photo_list, rng, False), "PNG")))
    return cases


def tall_screenshot(ctx: Context, photo_list: list[Image.Image], rng, emblem_id: str) -> Image.Image:
    """shapes.py's tall page without emblems, then one as shapes.py places it: the signature (170-220 px)
    at the top left of the header, or the wordmark (90-120 px) at the right of the grey footer."""
    page = tall_page(ctx.home, photo_list, rng, False)
    if emblem_id == "gc-signature-en":
        page.paste(svg_emblem(ctx.home, emblem_id, int(rng.integers(170, 221))), (14, 18))
        return page
    mark = svg_emblem(ctx.home, emblem_id, int(rng.integers(90, 121)))
    plate = Image.new("RGB", mark.size, (242, 242, 242))
    plate.paste(mark)
    page.paste(plate, (page.width - mark.width - 16, page.height - mark.height - 40))
    return page


def memo_page(rng, lines: int = 30) -> Image.Image:
    """A letter page of text lines."""
    page = Image.new("RGB", LETTER, "white")
    d = ImageDraw.Draw(page)
    for n in range(lines):
        d.text((120, 420 + n * 36), "Lorem ipsum dolor sit amet, consectetur adipiscing"[: int(rng.integers(20, 50))],
               fill=(30, 30, 30), font=font(24))
    return page


def pdf_memo(ctx: Context, rng, emblem_id: str | None, page: int) -> bytes:
    """Three letter pages at 150 dpi; the emblem (15-30 % of the width) in the header of page ``page``."""
    pages = [memo_page(rng) for _ in range(3)]
    if emblem_id is not None:
        ink, plate = emblem_picture(ctx.sources, emblem_id, rng)
        width = int(LETTER[0] * rng.uniform(0.15, 0.30))
        mark = flatten(ink.resize((width, max(1, round(ink.height * width / ink.width)))), plate)
        mark = mark.resize((width, min(mark.height, 380)))
        pages[page - 1].paste(mark, (int(rng.integers(60, LETTER[0] - width - 60)), 60))
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=150, save_all=True, append_images=pages[1:])
    return out.getvalue()


def clip(rng, background: Image.Image, shown: Image.Image) -> bytes:
    """A 12-second H.264 MP4 of ``background``, ``shown`` on screen for 4 to 6 seconds from a random time."""
    import av

    still, marked = (np.asarray(p.convert("RGB").resize(CLIP_SIZE)) for p in (background, shown))
    start = float(rng.uniform(1, 6))
    length = float(rng.uniform(4, 6))
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=Fraction(CLIP_FPS))
        stream.width, stream.height = CLIP_SIZE
        stream.pix_fmt = "yuv420p"
        for n in range(CLIP_SECONDS * CLIP_FPS):
            frame = marked if start <= n / CLIP_FPS < start + length else still
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())
    return out.getvalue()


def deck(pictures: list[Image.Image], rng) -> bytes:
    """A 16:9 PowerPoint deck by python-pptx, one picture (JPEG) per slide, with a title."""
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = Inches(13.333), Inches(7.5)
    for n, picture in enumerate(pictures):
        slide = presentation.slides.add_slide(presentation.slide_layouts[5])  # title only
        slide.shapes.title.text = f"Slide {n + 1}"
        slide.shapes.add_picture(io.BytesIO(encode(picture, "JPEG", 88)), Inches(1.5), Inches(1.6),
                                 width=Inches(10))
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def docx_of(pictures: list[Image.Image]) -> bytes:
    """A Word document by python-docx: a paragraph, then each picture (JPEG) six inches wide."""
    from docx import Document
    from docx.shared import Inches

    document = Document()
    document.add_paragraph("Notes from the field visit.")
    for picture in pictures:
        document.add_picture(io.BytesIO(encode(picture, "JPEG", 88)), width=Inches(6))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt_of(pictures: list[Image.Image]) -> bytes:
    """An OpenDocument text by odfpy: a paragraph, then each picture (JPEG) in a frame."""
    from odf.draw import Frame
    from odf.draw import Image as Picture
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    document.text.addElement(P(text="Notes from the field visit."))
    for picture in pictures:
        href = document.addPictureFromString(encode(picture, "JPEG", 88), "image/jpeg")
        frame = Frame(width="16cm", height=f"{16 * picture.height / picture.width:.2f}cm", anchortype="paragraph")
        frame.addElement(Picture(href=href))
        paragraph = P()
        paragraph.addElement(frame)
        document.text.addElement(paragraph)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


SUITE = Suite(
    "media", {k: 0.97 for k in POSITIVE}, NEGATIVE, make_media,
    about="The GC signatures, the wordmark and the drawn emblems in the header of one page of a three-page "
          "letter PDF (15-30 % of the page's width, image-only pages from Pillow's PDF writer), on screen 4-6 s "
          "of a 12-s 1280x720 H.264 clip (15-35 % of the width), in one slide picture of a three-slide "
          "python-pptx deck and in one picture of a python-docx or odfpy document (10-30 % of the picture's "
          "width); tall phone screenshots (shapes.py's pages: 390-430 px wide, 2000-9000 px tall, the "
          "signature in the header of even pages, the wordmark in the footer of odd ones, one emblem per page); "
          "negatives: the same media without emblems.",
)
