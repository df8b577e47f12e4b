"""SVG artwork: nothing that reaches outside the document is rendered."""

from __future__ import annotations

import base64
import urllib.parse

import pytest

from emblemcheck.errors import ImageTooLarge, UnsafeSvg
from emblemcheck.media import decode, svg
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


@pytest.mark.parametrize("body, message", [
    ('<style>@IMPORT url(other.css);</style>', "stylesheet imports"),
    ('<style>@import "other.css";</style>', "stylesheet imports"),
    ('<style>rect {{ fill: URL(other.svg#p) }}</style>', "stylesheet imports"),
    ('<rect width="4" height="4" fill="url(file:///etc/passwd)"/>', "attribute fill"),
    ('<rect width="4" height="4" filter="url(\'other.svg#f\')"/>', "attribute filter"),
    ('<rect width="4" height="4" onclick="alert(1)"/>', "event attribute"),
    ('<rect width="4" height="4" ONLOAD="alert(1)"/>', "event attribute"),
    ('<foreignObject width="4" height="4"><p>x</p></foreignObject>', "foreignObject"),
    ('<SCRIPT>alert(1)</SCRIPT>', "script"),
    ('<image href="DATA:image/svg+xml;base64,{nested}" width="4" height="4"/>', "data: SVG inside it"),
    ('<image href="data:image/svg+xml,{quoted}" width="4" height="4"/>', "data: SVG inside it"),
])
def test_every_outside_reference_the_readme_names_is_refused_in_any_case(body, message):
    inner = HEAD + '<image href="file:///etc/passwd" width="4" height="4"/></svg>'
    body = body.format(nested=base64.b64encode(inner.encode()).decode(), quoted=urllib.parse.quote(inner))
    with pytest.raises(UnsafeSvg, match=message):
        check_svg((HEAD + body + "</svg>").encode())


def test_a_stylesheet_processing_instruction_is_refused():
    svg = '<?xml version="1.0"?><?xml-stylesheet href="file:///etc/passwd" type="text/css"?>' + HEAD + "</svg>"
    with pytest.raises(UnsafeSvg, match="processing instruction"):
        check_svg(svg.encode())
    check_svg(('<?xml version="1.0" encoding="UTF-8"?>' + HEAD + "</svg>").encode())  # the declaration is fine


def test_a_nested_data_svg_that_stays_inside_renders():
    inner = HEAD + '<rect width="40" height="20" fill="#00f"/></svg>'
    svg = HEAD + f'<image href="data:image/svg+xml;base64,{base64.b64encode(inner.encode()).decode()}" ' \
                 'width="40" height="20"/></svg>'
    assert render_svg(svg.encode(), width=40).getpixel((20, 10))[:3] == (0, 0, 255)


@pytest.mark.parametrize("size, message", [
    ('width="1" height="100000000"', "aspect ratio"),
    ('viewBox="0 0 100000000 1"', "aspect ratio"),
    ('width="0" height="10"', "zero or negative"),
    ('viewBox="0 0 -5 10"', "zero or negative"),
])
def test_the_output_size_is_worked_out_and_checked_before_rendering(size, message):
    with pytest.raises(UnsafeSvg, match=message):
        render_svg(f'<svg xmlns="http://www.w3.org/2000/svg" {size}/>'.encode(), width=1024)


def test_a_canvas_over_the_pixel_limit_is_refused_before_rendering():
    with pytest.raises(ImageTooLarge, match="2048x102400, over the pixel limit of 100,000,000"):
        render_svg(b'<svg xmlns="http://www.w3.org/2000/svg" width="1mm" height="50mm"/>', width=1024 * 2)
    assert svg.MAX_SVG_PIXELS == decode.MAX_PIXELS


def test_output_size_follows_width_height_and_viewbox():
    def size(attributes):
        return svg.output_size(check_svg(f'<svg xmlns="http://www.w3.org/2000/svg" {attributes}/>'.encode()), 100)

    assert size('width="40" height="20"') == (100, 50)
    assert size('viewBox="0 0 10 30"') == (100, 300)
    assert size('width="100%" height="100%" viewBox="0 0 20 10"') == (100, 50)
    assert size('width="1in" height="48pt"') == (100, 67)
    assert size("") == (100, 100)


def test_an_svg_over_the_byte_limit_is_refused():
    big = HEAD.encode() + b'<path d="' + b"M0 0L1 1" * (svg.MAX_SVG_BYTES // 8) + b'"/></svg>'
    with pytest.raises(UnsafeSvg, match="over the limit of 10,000,000"):
        check_svg(big)
