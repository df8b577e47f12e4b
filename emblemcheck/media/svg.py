"""Safe SVG rasterising: refuse anything that reaches outside the document, then render with resvg.

resvg has no network client, but it does resolve ``href`` to local files, and
XML parsers expand entities; so every reference is checked here first, on the
parsed tree, and an SVG that points anywhere but inside itself is refused:
DOCTYPE and entities, processing instructions (``<?xml-stylesheet?>``),
scripts, ``on*`` event attributes, ``<foreignObject>``, ``href`` to anything
but a ``#fragment`` or a ``data:`` URI (a ``data:`` SVG is checked the same
way, recursively), ``url(...)`` to anything but a fragment in any attribute
or stylesheet, and ``@import`` in any letter case.

The output size is worked out from ``width``, ``height`` and ``viewBox``
before rendering, and refused over the pixel limit or at an extreme aspect
ratio; the file size is capped. Rendering runs in a child process with a time
and memory limit: resvg is native code, so a thread could neither be stopped
at a deadline nor survive resvg aborting on a huge canvas, while a child can
be killed and its crash is one refused file. It costs about 0.1 s per SVG.
"""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys
import urllib.parse
import xml.etree.ElementTree as ET

from PIL import Image

from ..errors import ImageTooLarge, UnsafeSvg

#: Largest SVG accepted, in bytes. Official artwork is tens of kilobytes; a
#: 100 MB single-path SVG took resvg over a gigabyte and minutes.
MAX_SVG_BYTES = 10_000_000

#: Largest rendered canvas, in pixels: the decoder's documented limit, ``decode.MAX_PIXELS``
#: (which imports this module, hence the copy; a test holds them equal).
MAX_SVG_PIXELS = 100_000_000

#: Longest side over shortest side accepted: a 1 x 100 000 000 px SVG is not artwork.
MAX_ASPECT = 100

#: Seconds one SVG may take to rasterise, in every command.
RENDER_TIMEOUT = 30.0

#: Memory the rasterising child may map, in bytes (a 100-megapixel RGBA canvas is 400 MB).
RENDER_MEMORY = 2_000_000_000

#: How deep ``data:`` SVGs inside SVGs are checked before being refused.
MAX_NESTING = 3

# url(...) that is not a same-document fragment: url(#id) is fine.
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
_IMPORT = re.compile(r"@import", re.IGNORECASE)
_DECLARATIONS = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
# Any processing instruction but the XML declaration itself.
_PROCESSING = re.compile(rb"<\?(?!xml[\s?])", re.IGNORECASE)
_FORBIDDEN_TAGS = {"script": "a script", "foreignobject": "a <foreignObject>"}
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?)\s*(px|pt|pc|mm|cm|in|em|ex)?\s*$", re.IGNORECASE)
_PX_PER_UNIT = {"px": 1, "pt": 4 / 3, "pc": 16, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96, "em": 16, "ex": 8}


def check_svg(data: bytes, name: str = "SVG", *, depth: int = 0) -> ET.Element:
    """Parse ``data`` and raise :class:`UnsafeSvg` if it refers to anything outside itself."""
    if len(data) > MAX_SVG_BYTES:
        raise UnsafeSvg(f"{name}: SVG of {len(data):,} bytes is over the limit of {MAX_SVG_BYTES:,}; refused")
    if _DECLARATIONS.search(data):
        raise UnsafeSvg(f"{name}: SVG declares a DOCTYPE or entities; refused")
    if _PROCESSING.search(data):
        raise UnsafeSvg(f"{name}: SVG has a processing instruction (such as <?xml-stylesheet?>); refused")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise UnsafeSvg(f"{name}: not a well-formed SVG ({exc})") from None
    if not root.tag.endswith("svg"):
        raise UnsafeSvg(f"{name}: root element is <{root.tag}>, not <svg>")
    for element in root.iter():
        _check_element(element, name, depth)
    return root


def _check_element(element: ET.Element, name: str, depth: int) -> None:
    tag = element.tag.rsplit("}", 1)[-1].lower() if isinstance(element.tag, str) else ""
    if tag in _FORBIDDEN_TAGS:
        raise UnsafeSvg(f"{name}: SVG contains {_FORBIDDEN_TAGS[tag]}; refused")
    for attribute, value in element.attrib.items():
        local = attribute.rsplit("}", 1)[-1].lower()
        if local.startswith("on"):
            raise UnsafeSvg(f"{name}: SVG has an event attribute ({local}); refused")
        if local == "href":
            _check_href(value.strip(), name, depth)
        elif _EXTERNAL_URL.search(value) or _IMPORT.search(value):
            raise UnsafeSvg(f"{name}: SVG attribute {local} refers to an outside resource; refused")
    if tag == "style" and element.text and (_IMPORT.search(element.text) or _EXTERNAL_URL.search(element.text)):
        raise UnsafeSvg(f"{name}: SVG stylesheet imports an outside resource; refused")


def _check_href(value: str, name: str, depth: int) -> None:
    if value.startswith("#"):
        return
    if not value.lower().startswith("data:"):
        raise UnsafeSvg(f"{name}: SVG refers to an outside resource ({value[:80]!r}); refused")
    nested = _data_uri(value, name)
    if nested.lstrip()[:1] == b"<" or nested[:2] == b"\x1f\x8b":
        if depth >= MAX_NESTING or nested[:2] == b"\x1f\x8b":
            raise UnsafeSvg(f"{name}: SVG nests SVG in data: URIs too deep or compressed; refused")
        check_svg(nested, f"{name} (a data: SVG inside it)", depth=depth + 1)


def _data_uri(value: str, name: str) -> bytes:
    """The bytes of a ``data:`` URI (base64 or percent-encoded)."""
    header, _, payload = value[5:].partition(",")
    try:
        if header.lower().endswith(";base64"):
            return base64.b64decode(re.sub(r"\s+", "", payload), validate=False)
        return urllib.parse.unquote_to_bytes(payload)
    except ValueError:
        raise UnsafeSvg(f"{name}: SVG has a data: URI that cannot be decoded; refused") from None


def output_size(root: ET.Element, width: int, name: str = "SVG") -> tuple[int, int]:
    """The ``(width, height)`` in pixels of ``root`` rendered ``width`` pixels wide, checked against the limits.

    The aspect ratio comes from ``width`` and ``height`` where both are
    absolute lengths, else from ``viewBox``, else resvg's default (square).
    """
    aspect = _aspect(root)
    if aspect is None:
        raise UnsafeSvg(f"{name}: SVG has a zero or negative width, height or viewBox; refused")
    if not 1 / MAX_ASPECT <= aspect <= MAX_ASPECT:
        raise UnsafeSvg(f"{name}: SVG's aspect ratio (height/width {aspect:.3g}) is beyond 1:{MAX_ASPECT}; refused")
    height = max(1, round(width * aspect))
    if width * height > MAX_SVG_PIXELS:
        raise ImageTooLarge(f"{name}: SVG would render {width}x{height}, over the pixel limit of {MAX_SVG_PIXELS:,}")
    return width, height


def _aspect(root: ET.Element) -> float | None:
    """height / width of the SVG's canvas, or ``None`` if it is empty."""
    width, height = (_length(root.get(k)) for k in ("width", "height"))
    if (width is not None and width <= 0) or (height is not None and height <= 0):
        return None
    if width is not None and height is not None:
        return height / width
    numbers = [_number(v) for v in re.split(r"[\s,]+", root.get("viewBox", "").strip()) if v]
    box = [n for n in numbers if n is not None]
    if len(numbers) == 4 and len(box) == 4:  # a missing side follows the viewBox's proportions
        return box[3] / box[2] if box[2] > 0 and box[3] > 0 else None
    return 1.0


def _length(value: str | None) -> float | None:
    match = _LENGTH.match(value or "")
    if not match:
        return None  # missing, or a percentage: the viewBox decides
    return float(match.group(1)) * _PX_PER_UNIT[(match.group(2) or "px").lower()]


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


# The child process: SVG text on stdin, the PNG on stdout; it imports resvg alone.
_CHILD = """
import sys
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[3]), int(sys.argv[3])))
except (ImportError, ValueError, OSError):
    pass
import resvg_py
try:
    png = resvg_py.svg_to_bytes(svg_string=sys.stdin.buffer.read().decode("utf-8"), width=int(sys.argv[1]),
                                style_sheet=sys.argv[2] or None, skip_system_fonts=True)
except (ValueError, UnicodeDecodeError) as exc:
    sys.stderr.write(str(exc)[:300])
    sys.exit(3)
sys.stdout.buffer.write(bytes(png))
"""


def render_svg(data: bytes, *, width: int, name: str = "SVG", style_sheet: str | None = None,
               timeout: float | None = None) -> Image.Image:
    """Rasterise a checked SVG to an RGBA image ``width`` pixels wide, within :data:`RENDER_TIMEOUT`."""
    output_size(check_svg(data, name), width, name)
    limit = RENDER_TIMEOUT if timeout is None else timeout
    try:
        child = subprocess.run([sys.executable, "-I", "-c", _CHILD, str(width), style_sheet or "",
                                str(RENDER_MEMORY)], input=data, capture_output=True, timeout=limit, check=False)
    except subprocess.TimeoutExpired:
        raise UnsafeSvg(f"{name}: SVG took longer than {limit:g} s to rasterise; refused") from None
    if child.returncode != 0:
        detail = child.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = detail[-1] if child.returncode == 3 and detail else "the rasteriser failed or ran out of memory"
        raise UnsafeSvg(f"{name}: SVG could not be rendered ({reason})")
    image = Image.open(io.BytesIO(child.stdout))
    image.load()
    return image.convert("RGBA")
