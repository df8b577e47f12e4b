"""Safe SVG rasterising: refuse anything that reaches outside the document, then render with resvg.

resvg has no network client, but it does resolve ``href`` to local files, and
XML parsers expand entities; so every reference is checked here first, on the
parsed tree, and an SVG that points anywhere but inside itself is refused.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import resvg_py
from PIL import Image

from ..errors import UnsafeSvg

# url(...) in a style that is not a same-document fragment: url(#id) is fine.
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?(?!#)", re.IGNORECASE)
_DECLARATIONS = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def check_svg(data: bytes, name: str = "SVG") -> ET.Element:
    """Parse ``data`` and raise :class:`UnsafeSvg` if it refers to anything outside itself."""
    if _DECLARATIONS.search(data):
        raise UnsafeSvg(f"{name}: SVG declares a DOCTYPE or entities; refused")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise UnsafeSvg(f"{name}: not a well-formed SVG ({exc})") from None
    if not root.tag.endswith("svg"):
        raise UnsafeSvg(f"{name}: root element is <{root.tag}>, not <svg>")
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "script":
            raise UnsafeSvg(f"{name}: SVG contains a script; refused")
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1]
            if local == "href" and not value.startswith(("#", "data:")):
                raise UnsafeSvg(f"{name}: SVG refers to an outside resource ({value[:80]!r}); refused")
            if local == "style" and _EXTERNAL_URL.search(value):
                raise UnsafeSvg(f"{name}: SVG style refers to an outside resource; refused")
        if tag == "style" and element.text and ("@import" in element.text or _EXTERNAL_URL.search(element.text)):
            raise UnsafeSvg(f"{name}: SVG stylesheet imports an outside resource; refused")
    return root


def render_svg(data: bytes, *, width: int, name: str = "SVG", style_sheet: str | None = None) -> Image.Image:
    """Rasterise a checked SVG to an RGBA image ``width`` pixels wide."""
    check_svg(data, name)
    try:
        png = resvg_py.svg_to_bytes(
            svg_string=data.decode("utf-8"),
            width=width,
            style_sheet=style_sheet,
            skip_system_fonts=True,
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnsafeSvg(f"{name}: SVG could not be rendered ({exc})") from None
    image = Image.open(io.BytesIO(bytes(png)))
    image.load()
    return image.convert("RGBA")
