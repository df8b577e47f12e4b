"""Pictures for tests, generated in code.

Official artwork is only ever read from the session's build cache: nothing
derived from it is written outside pytest's temporary folders.
"""

from __future__ import annotations

import io
from contextlib import closing
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from emblemcheck.catalogue.manifest import load_manifest
from emblemcheck.catalogue.sources import cache_path
from emblemcheck.home import Home
from emblemcheck.media.decode import BACKGROUNDS
from emblemcheck.media.svg import render_svg


def official_svg(home: Home, emblem_id: str) -> bytes:
    """The cached official SVG of a shipped emblem (fetched by the session build)."""
    manifest = load_manifest()
    artwork = manifest.entry(emblem_id).artwork[0]
    return cache_path(home.cache, manifest.sources[artwork.source], artwork).read_bytes()


VARIANT_STYLES = {name: v.style for name, v in load_manifest().variants.items()}
VARIANT_BACKGROUND = {"black": "white", "colour": "white", "reversed": "black", "white": "black"}


def rendered(home: Home, emblem_id: str, variant: str = "colour", width: int = 600) -> Image.Image:
    """An official emblem rendered in a colour variant, flattened on its usual background."""
    rgba = render_svg(official_svg(home, emblem_id), width=width, style_sheet=VARIANT_STYLES[variant])
    canvas = Image.new("RGBA", rgba.size, BACKGROUNDS[VARIANT_BACKGROUND[variant]] + (255,))
    canvas.alpha_composite(rgba)
    return canvas.convert("RGB")


def jpeg(image: Image.Image, path: Path, quality: int = 80) -> Path:
    image.convert("RGB").save(path, "JPEG", quality=quality)
    return path


def photo_like(width: int = 640, height: int = 480, seed: int = 0) -> Image.Image:
    """A picture with no emblem: smooth gradients, blobs and noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([
        128 + 100 * np.sin(x / (37 + seed) + y / 53),
        128 + 90 * np.cos(y / (29 + seed)),
        128 + 80 * np.sin((x + y) / 71),
    ], axis=2)
    noisy = base + rng.normal(0, 12, base.shape)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def flagged_paths(home: Home) -> list[str]:
    """The paths scans.db records as flagged, sorted."""
    import sqlite_utils

    with closing(sqlite_utils.Database(home.scans_db)) as db:
        return sorted(r["path"] for r in db.query("select path from files where status = 'flagged'"))


def shield(size: int = 480) -> np.ndarray:
    """A drawn heraldic shield in blue, gold and white (RGB): colour describes every part of it."""
    w, h = size, round(size * 1.15)
    im = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(im)
    d.polygon([(10, 10), (w - 10, 10), (w - 10, h * 0.55), (w / 2, h - 10), (10, h * 0.55)],
              fill=(25, 60, 150), outline=(200, 160, 30), width=14)
    d.line([(30, h * 0.6), (w / 2, h * 0.2), (w - 30, h * 0.6)], fill=(235, 235, 235), width=size // 9)
    stars = ((w * 0.25, h * 0.18, size * 0.07), (w * 0.75, h * 0.18, size * 0.07), (w / 2, h * 0.72, size * 0.08))
    for cx, cy, r in stars:
        radii = [r if i % 2 == 0 else r * 0.45 for i in range(10)]
        d.polygon([(cx + q * np.sin(i * np.pi / 5), cy - q * np.cos(i * np.pi / 5)) for i, q in enumerate(radii)],
                  fill=(210, 170, 30))
    return np.asarray(im)


def stones(width: int = 900, height: int = 700, seed: int = 0) -> Image.Image:
    """Grey gravel: 2500 small polygons in grey shades, busy texture without colour."""
    rng = np.random.default_rng(seed)
    im = Image.new("L", (width, height), 120)
    d = ImageDraw.Draw(im)
    for _ in range(2500):
        x, y, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(6, 16)
        d.polygon([(x + r * np.cos(a), y + r * np.sin(a)) for a in np.sort(rng.uniform(0, 2 * np.pi, 6))],
                  fill=int(rng.integers(60, 200)))
    return im.convert("RGB")


def pdf_of(pages: list[Image.Image], dpi: float = 150) -> bytes:
    """A scanned-style PDF: each picture one image-only page, ``dpi`` pixels per inch (Pillow's PDF writer)."""
    out = io.BytesIO()
    first, *rest = [p.convert("RGB") for p in pages]
    first.save(out, "PDF", resolution=dpi, save_all=True, append_images=rest)
    return out.getvalue()


def raw_pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF written by hand: ``objects`` numbered from 1 (the first is the catalogue), a valid xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


def vector_page_pdf(width_pt: float, height_pt: float, content: bytes = b"") -> bytes:
    """A one-page vector PDF of ``width_pt`` x ``height_pt`` points drawing ``content`` (PDF operators)."""
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Contents 4 0 R >>" % (width_pt, height_pt),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ])


def video_of(frames: list[np.ndarray], fps: float = 2, codec: str = "libx264", container: str = "mp4") -> bytes:
    """A video of RGB ``frames`` (all one size) encoded with PyAV; no frames gives a container with none."""
    import av

    out = io.BytesIO()
    with av.open(out, mode="w", format=container) as output:
        stream = output.add_stream(codec, rate=Fraction(fps).limit_denominator(1000))
        stream.height, stream.width = frames[0].shape[:2] if frames else (64, 64)
        stream.pix_fmt = "yuv420p"
        for array in frames:
            output.mux(stream.encode(av.VideoFrame.from_ndarray(array, format="rgb24")))
        output.mux(stream.encode())
    return out.getvalue()


_MAIN_TYPES = {"PPTX": ("ppt/presentation.xml", "presentationml.presentation"),
               "DOCX": ("word/document.xml", "wordprocessingml.document"),
               "XLSX": ("xl/workbook.xml", "spreadsheetml.sheet")}
_ODF_TYPES = {"ODP": "presentation", "ODT": "text", "ODS": "spreadsheet"}
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def office_of(fmt: str, slides: list[list[tuple[str, bytes]]], extra: dict[str, bytes] | None = None) -> bytes:
    """An office document written by hand as its format lays it out: ``slides`` (for a deck; pages of one
    flow otherwise), each a list of pictures ``(file name, bytes)`` stored in the format's media folder.

    A deck's slide parts are numbered backwards (slide 1 is ``slideN.xml``), so a reader must follow the
    deck's own order. ``extra`` members are added as they are.
    """
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if fmt in _ODF_TYPES:
            archive.writestr("mimetype", f"application/vnd.oasis.opendocument.{_ODF_TYPES[fmt]}",
                             compress_type=zipfile.ZIP_STORED)
            pages = "".join("<draw:page>" + "".join(f'<draw:frame><draw:image xlink:href="Pictures/{name}"/>'
                                                    "</draw:frame>" for name, _ in slide) + "</draw:page>"
                            for slide in slides)
            archive.writestr("content.xml", '<office:document-content '
                             'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                             'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
                             'xmlns:xlink="http://www.w3.org/1999/xlink"><office:body><office:presentation>'
                             f"{pages}</office:presentation></office:body></office:document-content>")
            folder = "Pictures/"
        else:
            main, kind = _MAIN_TYPES[fmt]
            archive.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                             'content-types"><Default Extension="xml" ContentType="application/xml"/>'
                             f'<Override PartName="/{main}" ContentType="application/vnd.openxmlformats-'
                             f'officedocument.{kind}.main+xml"/></Types>')
            archive.writestr("_rels/.rels", f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
                             f'Type="{_DOC_RELS}/officeDocument" Target="{main}"/></Relationships>')
            folder = main.split("/")[0] + "/media/"
            if fmt == "PPTX":
                _deck_parts(archive, slides)
            else:
                archive.writestr(main, "<document/>")
        for slide in slides:
            for name, data in slide:
                if folder + name not in archive.NameToInfo:
                    archive.writestr(folder + name, data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def _deck_parts(archive, slides: list[list[tuple[str, bytes]]]) -> None:
    count = len(slides)
    ids = "".join(f'<p:sldId id="{256 + n}" r:id="rId{n + 1}"/>' for n in range(count))
    archive.writestr("ppt/presentation.xml", '<p:presentation xmlns:p="http://schemas.openxmlformats.org/'
                     f'presentationml/2006/main" xmlns:r="{_DOC_RELS}"><p:sldIdLst>{ids}</p:sldIdLst>'
                     "</p:presentation>")
    rels = "".join(f'<Relationship Id="rId{n + 1}" Type="{_DOC_RELS}/slide" Target="slides/slide{count - n}.xml"/>'
                   for n in range(count))
    archive.writestr("ppt/_rels/presentation.xml.rels", f'<Relationships xmlns="{_RELS}">{rels}</Relationships>')
    for n, slide in enumerate(slides):
        part = f"slide{count - n}.xml"
        archive.writestr(f"ppt/slides/{part}", "<p:sld/>")
        images = "".join(f'<Relationship Id="rId{k + 1}" Type="{_DOC_RELS}/image" Target="../media/{name}"/>'
                         for k, (name, _) in enumerate(slide))
        archive.writestr(f"ppt/slides/_rels/{part}.rels", f'<Relationships xmlns="{_RELS}">{images}</Relationships>')
