"""SVG artwork: nothing that reaches outside the document is rendered."""

from __future__ import annotations

import pytest

from emblemcheck.errors import UnsafeSvg
from emblemcheck.media.svg import check_svg, render_svg

HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="20">'


@pytest.mark.parametrize("body, message", [
    ('<image href="http://example.invalid/x.png" width="4" height="4"/>', "outside resource"),
    ('<image xlink:href="file:///etc/passwd" width="4" height="4"/>', "outside resource"),
    ('<image href="../secret.png" width="4" height="4"/>', "outside resource"),
    ('<use href="other.svg#shape"/>', "outside resource"),
    ('<rect width="4" height="4" style="fill:url(http://example.invalid/p)"/>', "style refers"),
    ('<style>@import url(other.css);</style>', "stylesheet imports"),
    ('<script>alert(1)</script>', "script"),
])
def test_outside_references_are_refused(body, message):
    with pytest.raises(UnsafeSvg, match=message):
        check_svg((HEAD + body + "</svg>").encode())


def test_entities_and_non_svg_are_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>'
    with pytest.raises(UnsafeSvg, match="DOCTYPE"):
        check_svg(bomb)
    with pytest.raises(UnsafeSvg, match="not <svg>"):
        check_svg(b"<html></html>")
    with pytest.raises(UnsafeSvg, match="well-formed"):
        check_svg(b"<svg")


def test_internal_references_render():
    svg = (HEAD + '<defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/></linearGradient></defs>'
           '<rect width="40" height="20" fill="url(#g)"/>'
           '<image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/></svg>')
    image = render_svg(svg.encode(), width=80)
    assert image.size == (80, 40)
    assert image.getpixel((10, 10))[:3] == (255, 0, 0)
