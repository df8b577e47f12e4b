"""The National Flag of Canada, drawn from its published geometry.

Proportions 2:1; a 1:2:1 vertical triband red, white, red; an 11-point red
maple leaf centred in the white square. The leaf below is the project's own
outline on the 32-unit grid of the white square (origin at its top-left):
it spans x 3.5 to 28.5 and y 3 to 30, top point (16, 3), outer side points at
(3.5, 16.6) and (28.5, 16.6), a stem about one unit wide ending at y 30, and is
symmetric about x = 16 (geometry from FACTS.md, "National Flag of Canada").
"""

from __future__ import annotations

#: FIP red, as the Canada.ca design tokens give it for the signature flag.
RED = "#eb2d37"

# Right half of the leaf, from the top point clockwise to the stem foot.
# Five points (top-lobe side, three side-lobe points, bottom point) per half
# plus the top point make the eleven points.
_RIGHT_HALF: tuple[tuple[float, float], ...] = (
    (16.0, 3.0),    # top point
    (17.9, 7.0),    # notch
    (20.3, 5.8),    # top-lobe side point
    (19.1, 13.4),   # deep notch between top and side lobes
    (22.6, 10.9),   # side lobe, upper point
    (23.5, 13.3),   # notch
    (27.4, 12.3),   # side lobe, upper-outer point
    (26.0, 15.3),   # notch
    (28.5, 16.6),   # side lobe, outer point
    (25.4, 19.3),   # notch
    (26.4, 22.5),   # bottom point
    (16.55, 24.3),  # base of the leaf, beside the stem
    (16.55, 30.0),  # stem foot (stem 1.1 units wide)
)


def leaf_outline() -> list[tuple[float, float]]:
    """The closed 11-point leaf outline on the 32-unit grid."""
    right = list(_RIGHT_HALF)
    left = [(32.0 - x, y) for x, y in reversed(right[1:])]
    return right + left


def flag_svg(height: int = 500) -> str:
    """The flag as SVG text, ``2 * height`` wide."""
    unit = height / 32.0  # one grid unit; the white square is 32 units wide
    left = height / 2.0   # the red bands are a quarter of the width each
    points = " ".join(f"{left + x * unit:.2f},{y * unit:.2f}" for x, y in leaf_outline())
    width = 2 * height
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">\n'
        f"  <title>National Flag of Canada (drawn by emblemcheck)</title>\n"
        f'  <rect width="{width}" height="{height}" fill="#ffffff"/>\n'
        f'  <rect width="{left:g}" height="{height}" fill="{RED}"/>\n'
        f'  <rect x="{width - left:g}" width="{left:g}" height="{height}" fill="{RED}"/>\n'
        f'  <polygon points="{points}" fill="{RED}"/>\n'
        f"</svg>\n"
    )


if __name__ == "__main__":  # regenerate assets/canada-flag.svg
    import sys

    sys.stdout.write(flag_svg())
