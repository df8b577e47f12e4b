"""Naming a title too small for any recogniser by its silhouette: the listed titles typeset and compared.

Pure: the ink of the blocks of type beside a flag symbol in (titles.ink_blocks),
the listed institution whose titles look most like them (if surely) out.

At 1-3 px type (a signature 120-250 px wide in a larger picture) no letter is
left to read, but a line's silhouette is: where its words and their gaps fall,
its capitals, ascenders and descenders, blurred together. This is analysis by
synthesis: every listed title, in each language and each way its words break
over one to three lines, is typeset in a Helvetica-like face (Pillow's own,
Aileron, so nothing outside the package is needed), stretched to a block's box
(so neither the face's width, nor the type size, nor the leading of the layout
that set it matters) and compared with the block's ink by normalised
correlation. A signature's two blocks are its two titles side by side: English
then French, or French then English.

An institution is named only when its score is high enough (the ink looks like
type set from a title at all) and clear of every other institution's by a margin
(a title not in the list looks about as much like several listed ones).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from .titles import Institution, Language, as_typeset

#: The type size titles are set at before they are stretched to a block (px): the blocks this reads are
#: 1-17 px tall. The 1,889 ways the listed titles are set then take 39 MB as 8-bit ink, and 3-4 s to set,
#: once per process. Measured against 16 px (the 87 symbols of MIN_MARGIN): at 16 a title taken out of the
#: list left a wrong one leading by 0.096 (seed 11 sig-alone-23), 0.033 at 24.
SET_SIZE = 24
#: The line pitch of a title set over several lines, in type sizes (the benchmark's layouts use 1.12;
#: the stretch to the block's height absorbs another leading).
LEADING = 1.12
#: A title is set on at most this many lines per language (FIP: one to three).
MOST_LINES = 3
#: Named only at a lead of MIN_MARGIN over the next institution. Measured (2026-12-03, signatures
#: benchmark --per-class 10 seeds 3 and 7, 30 seed 11 held out: the largest located symbol under 20 px of
#: every signature picture, 87 of them): the wrong institutions ranked first led by 0.072 at most (seed 3
#: sig-small-0), and with the right one taken out of the list (a title that is not listed) the first led
#: the second by 0.072 at most; 33 of the 53 right ones led by 0.08 or more, among them 9 of the 15 titles
#: beside 5-10 px symbols that no read named. Three unlisted titles (a ministry, a provincial ministry, a
#: city), set as one- and two-line signatures shrunk to 120-240 px (30 pictures), let the first lead by
#: 0.032 at most; tests/test_silhouettes.py keeps six of them. Measured again (2026-12-04, the same
#: benchmark at 30 a class, seeds 3, 7 and 11: 152 symbols): wrong institutions ranked first led by
#: 0.054 at most; titles taken out of the list led by 0.054 at most beside symbols of 12 px or less, by
#: up to 0.144 beside larger ones (so signatures.SILHOUETTE_SYMBOL is 14). Blurring the settings by
#: 0.7 px ranked the right title first more often (115 of 152 against 104) but let left-out titles
#: lead by 0.099 beside 4-7 px symbols; at a margin that keeps those out it names no more. Not kept.
MIN_MARGIN = 0.08
#: ... and at a score of MIN_SCORE or more: below it the ink is not much like type set from any title
#: (a guess; the right ones named above scored 0.30-0.86).
MIN_SCORE = 0.3


@dataclass(frozen=True)
class SilhouetteMatch:
    """The listed institution whose typeset titles look most like the blocks, and how clearly."""

    institution: Institution | None
    first: Language | None = None
    #: The mean normalised correlation of its titles with the blocks (1: the same silhouette).
    score: float = 0.0
    #: Its score less the next institution's.
    margin: float = 0.0

    @property
    def named(self) -> bool:
        """Whether the blocks name the institution surely: alike enough, and clear of the next one."""
        return self.institution is not None and self.score >= MIN_SCORE and self.margin >= MIN_MARGIN


def match_blocks(institutions: Sequence[Institution], blocks: Sequence[np.ndarray]) -> SilhouetteMatch:
    """The institution whose titles best explain ``blocks`` (one or two ink arrays, left to right, 0 the
    ground and 1 full ink): two blocks are the two languages side by side, one block one title."""
    blocks = [b for b in blocks[:2] if b.size and b.std() > 0]
    if not institutions or not blocks:
        return SilhouetteMatch(None)
    ranked = sorted((_score(institution, blocks) + (n,) for n, institution in enumerate(institutions)),
                    key=lambda item: item[0], reverse=True)
    best, first, n = ranked[0]
    runner_up = ranked[1][0] if len(ranked) > 1 else -1.0
    return SilhouetteMatch(institutions[n], first, best, best - runner_up)


def _score(institution: Institution, blocks: Sequence[np.ndarray]) -> tuple[float, Language]:
    en = [_likeness(institution.en, block) for block in blocks]
    fr = [_likeness(institution.fr, block) for block in blocks]
    if len(blocks) == 1:
        return (en[0], "en") if en[0] >= fr[0] else (fr[0], "fr")
    english_first, french_first = (en[0] + fr[1]) / 2, (fr[0] + en[1]) / 2
    return (english_first, "en") if english_first >= french_first else (french_first, "fr")


def _likeness(title: str, block: np.ndarray) -> float:
    """The best correlation of ``block`` with ``title`` set over one to three lines, stretched to it."""
    height, width = block.shape
    observed = (block - block.mean()).ravel()
    norm = float(np.linalg.norm(observed))
    best = -1.0
    for lines in _settings(as_typeset(title)):
        template = cv2.resize(_column(lines), (width, height), interpolation=cv2.INTER_AREA).ravel()
        template = template - template.mean(dtype=np.float32)
        denominator = norm * float(np.linalg.norm(template))
        if denominator > 0:
            best = max(best, float(observed @ template) / denominator)
    return best


@lru_cache(maxsize=1024)
def _settings(title: str) -> tuple[tuple[str, ...], ...]:
    """Every way ``title``'s words break over one to MOST_LINES lines."""
    words = title.split()
    out = []
    for count in range(1, min(MOST_LINES, len(words)) + 1):
        for cuts in itertools.combinations(range(1, len(words)), count - 1):
            ends = (0, *cuts, len(words))
            out.append(tuple(" ".join(words[a:b]) for a, b in itertools.pairwise(ends)))
    return tuple(out)


#: A setting is cut to the pixels above this ink level (0.3 of full ink, a guess; titles.ink_blocks bounds
#: a block by its rows of ink in the same way).
EDGE = 76


@lru_cache(maxsize=4096)
def _column(lines: tuple[str, ...]) -> np.ndarray:
    """``lines`` set flush left at SET_SIZE, cut to their ink: uint8, 255 full ink."""
    strips = [_line(line) for line in lines]
    pitch = round(SET_SIZE * LEADING)
    canvas = np.zeros((pitch * (len(lines) - 1) + strips[0].shape[0], max(s.shape[1] for s in strips)), np.uint8)
    for n, strip in enumerate(strips):
        rows = canvas[n * pitch:n * pitch + strip.shape[0], :strip.shape[1]]
        np.maximum(rows, strip, out=rows)
    inked = canvas > EDGE  # the faint antialiased fringe is not where the type's ink ends
    inked_rows, inked_columns = np.nonzero(inked.any(axis=1))[0], np.nonzero(inked.any(axis=0))[0]
    return canvas[inked_rows[0]:inked_rows[-1] + 1, inked_columns[0]:inked_columns[-1] + 1]


def _line(text: str) -> np.ndarray:
    """One line of type at SET_SIZE in Pillow's own face, white on black."""
    from PIL import Image, ImageDraw

    face = _face()
    image = Image.new("L", (int(np.ceil(face.getlength(text))) + 2, round(SET_SIZE * 1.3)), 0)
    ImageDraw.Draw(image).text((1, 0), text, font=face, fill=255)
    return np.asarray(image)


@lru_cache(maxsize=1)
def _face():
    from PIL import ImageFont

    return ImageFont.load_default(SET_SIZE)
