"""Titles too small for any recogniser, named by their silhouette against the listed titles."""

from __future__ import annotations

import numpy as np
import pytest
from pictures import official_svg
from PIL import Image
from signature_pictures import fonts, signature

from emblemcheck.catalogue.institutions import load_institutions
from emblemcheck.engine import ocr
from emblemcheck.engine.signatures import SHAPED, read_signatures
from emblemcheck.engine.silhouettes import MIN_MARGIN, match_blocks
from emblemcheck.engine.symbols import locate_symbols
from emblemcheck.engine.titles import ink_blocks

INSTITUTIONS = tuple(load_institutions())
BY_ID = {i.id: i for i in INSTITUTIONS}
#: Titles of no listed institution: a provincial ministry, a city.
UNLISTED = (("Ministry of Transportation", "Ministère des Transports"),
            ("City of Ottawa", "Ville d’Ottawa"))


def tiny(home, en: str, fr: str, width: int, first: str = "en") -> np.ndarray:
    """A one-line signature set with its symbol 90 px tall, shrunk to ``width`` px on a white page."""
    mark = signature(official_svg(home, "gc-signature-en"), en, fr, height=90, lines=1, font=fonts()[0], first=first)
    small = mark.resize((width, round(mark.height * width / mark.width)), Image.Resampling.LANCZOS)
    page = Image.new("RGB", (width + 80, small.height + 80), "white")
    page.paste(small, (40, 40))
    return np.asarray(page)


@pytest.mark.parametrize(("abbr", "width"), [("cra", 120), ("cse", 130)])
def test_a_title_too_small_to_read_is_named_by_its_silhouette(home, abbr, width):
    """Type 3-7 px tall that OCR cannot read still has its words' silhouette: the institution is named."""
    institution = BY_ID[abbr]
    rgb = tiny(home, institution.en, institution.fr, width)
    boxes = [s.box for s in locate_symbols(rgb)]
    assert boxes and boxes[0][3] < 20
    decided = read_signatures(rgb, boxes, INSTITUTIONS, ocr.read_lines)
    assert [(d.emblem_id, d.note) for d in decided] == [(f"fip-signature-{abbr}", SHAPED)]
    assert decided[0].institution == institution


def test_the_language_on_the_left_is_told_by_the_silhouette(home):
    """A French-first signature's blocks match the French title on the left."""
    institution = BY_ID["cra"]
    rgb = tiny(home, institution.en, institution.fr, 120, first="fr")
    symbol = locate_symbols(rgb)[0].box
    match = match_blocks(INSTITUTIONS, [ink for _, ink in ink_blocks(rgb, symbol)])
    assert match.named and match.institution == institution and match.first == "fr"


@pytest.mark.parametrize(("en", "fr"), UNLISTED)
@pytest.mark.parametrize("width", [120, 170, 240])
def test_an_unlisted_title_too_small_to_read_is_not_named(home, en, fr, width):
    """A title of no listed institution looks about as much like several listed ones: none is named."""
    rgb = tiny(home, en, fr, width)
    symbol = locate_symbols(rgb)[0].box
    match = match_blocks(INSTITUTIONS, [ink for _, ink in ink_blocks(rgb, symbol)])
    assert not match.named and match.margin < MIN_MARGIN, (match.institution, match.margin)


def test_blocks_without_ink_name_nothing():
    """Flat blocks (no type) and no blocks at all give no institution."""
    assert match_blocks(INSTITUTIONS, []).institution is None
    assert match_blocks(INSTITUTIONS, [np.zeros((4, 60), np.float32)]).institution is None
    assert match_blocks((), [np.eye(4, 60, dtype=np.float32)]).institution is None


def test_a_title_read_as_an_unlisted_one_is_not_renamed_by_its_silhouette(home):
    """The shape names only a title too small to read: when OCR reads the type beside the symbol as a
    title of no listed institution, the signature stays `fip-signature`, "title not recognised", even
    where the silhouette alone would name one (here the CRA's, as the test above)."""
    from emblemcheck.engine.titles import TextLine

    institution = BY_ID["cra"]
    rgb = tiny(home, institution.en, institution.fr, 120)
    symbol = locate_symbols(rgb)[0].box
    assert match_blocks(INSTITUTIONS, [ink for _, ink in ink_blocks(rgb, symbol)]).institution == institution

    def reads_an_unlisted_title(crop: np.ndarray) -> list[TextLine]:
        # An OCR engine's read of the two blocks of type in the zone (grey type, not the red symbol).
        grey = crop.min(axis=2)
        columns = np.flatnonzero(((grey < 160) & (crop[..., 0] < 160)).any(axis=0))
        rows = np.flatnonzero(((grey < 160) & (crop[..., 0] < 160)).any(axis=1))
        if columns.size == 0:
            return []
        middle = (columns[0] + columns[-1]) // 2
        top, height = int(rows[0]), int(rows[-1] - rows[0] + 1)
        return [TextLine(UNLISTED[0][0], (int(columns[0]), top, int(middle - columns[0]), height), 0.9),
                TextLine(UNLISTED[0][1], (int(middle) + 2, top, int(columns[-1] - middle - 2), height), 0.9)]

    decided = read_signatures(rgb, [symbol], INSTITUTIONS, reads_an_unlisted_title)
    assert [(d.emblem_id, d.note) for d in decided] == [("fip-signature", "title not recognised")]
