"""Federal Identity Program signatures made in code: the official flag symbol (from the build cache)
beside an institution's titles, typeset as the FIP specifications lay them out. Shared by
tests/test_signatures.py and benchmarks/suite_signatures.py."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from emblemcheck.catalogue.institutions import flag_symbol_svg
from emblemcheck.media.svg import render_svg

#: Ink of the symbol and of the type, and the ground, for each colour treatment.
TREATMENTS = {
    "colour": ((235, 45, 55), (0, 0, 0), (255, 255, 255)),
    "black": ((0, 0, 0), (0, 0, 0), (255, 255, 255)),
    "reversed": ((235, 45, 55), (255, 255, 255), (38, 38, 38)),
}
#: Helvetica-like faces installed by packages: Debian's Liberation and Nimbus, matplotlib's DejaVu.
FONT_FILES = (
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf",
    "/usr/share/fonts/opentype/urw-base35/NimbusSans-Bold.otf",
)


def fonts() -> list[str]:
    """Font files available here: the Debian ones installed, matplotlib's DejaVu Sans (regular, bold)."""
    found = [f for f in FONT_FILES if Path(f).is_file()]
    try:
        import matplotlib

        mpl = Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf"
        found += [str(mpl / n) for n in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf") if (mpl / n).is_file()]
    except ImportError:
        pass
    return found or [""]  # "": Pillow's own default font


def face(path: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)


def symbol(signature_svg: bytes, ink: tuple[int, int, int], height: int) -> Image.Image:
    """The flag symbol in ``ink``, ``height`` px tall, on transparency."""
    colour = "#{:02x}{:02x}{:02x}".format(*ink)
    art = render_svg(flag_symbol_svg(signature_svg), width=max(64, height * 12),
                     style_sheet=f".fip_flag{{fill:{colour}}}")
    art = art.crop(art.getchannel("A").getbbox())
    return art.resize((round(art.width * height / art.height), height), Image.Resampling.LANCZOS)


def broken(title: str, lines: int) -> list[str]:
    """``title`` over ``lines`` lines of about equal length, broken between words."""
    words = title.split()
    lines = max(1, min(lines, len(words)))
    out, target = [], len(title) / lines
    current = ""
    for word in words:
        if current and len(current) + len(word) / 2 > target * (len(out) + 1) - sum(map(len, out)) and \
                len(out) < lines - 1:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return out + [current]


def signature(signature_svg: bytes, en: str, fr: str, *, height: int = 60, lines: int = 2,
              first: str = "en", treatment: str = "colour", font: str = "", title: bool = True) -> Image.Image:
    """A signature: the symbol ``height`` px tall, then the two titles side by side (``first`` on the left).

    ``title=False`` gives the symbol with ``en`` alone beside it, as a caption is set.
    """
    flag_ink, type_ink, ground = TREATMENTS[treatment]
    mark = symbol(signature_svg, flag_ink, height)
    size = round(height * (0.55 if lines == 1 else 0.46 if lines == 2 else 0.33))
    typeface = face(font, size)
    columns = [broken(en, lines), broken(fr, lines)] if title else [[en]]
    if title and first == "fr":
        columns.reverse()
    widths = [max(typeface.getlength(line) for line in column) for column in columns]
    gap = round(height * 0.4)
    width = mark.width + gap + round(sum(widths)) + height * (len(columns) - 1) + gap
    picture = Image.new("RGB", (width, round(height * 1.15) + 4), ground)
    picture.paste(mark, (0, 2), mark)
    draw = ImageDraw.Draw(picture)
    x = mark.width + gap
    for column, column_width in zip(columns, widths, strict=True):
        for n, line in enumerate(column):
            draw.text((x, 2 + n * size * 1.12), line, font=typeface, fill=type_ink)
        x += round(column_width) + height
    return picture
