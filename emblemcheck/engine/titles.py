"""Reading a signature's title: where it is, how its lines group, which institution it names.

Pure: a symbol's box in, title zones out (:func:`title_zones`); text lines
read by OCR in, the institution they name out (:func:`match_title`).

Where the title is (FIP technical specifications T-125, T-140): beside the
flag symbol on its right, aligned to the symbol's height, one to three lines
per language, the English and the French title side by side with equal
prominence; a stacked form (for video) sets the titles below the symbol.

How it is matched: OCR drops accents, spaces and apostrophes, confuses
letters and breaks lines anywhere, so titles and the text read are compared
as lowercase letters and digits only (``normalise``), with an edit-distance
ratio (rapidfuzz) per column of text and, for columns OCR ran together, the
best-aligned part of all the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from ..models import Box

Language = Literal["en", "fr"]
Form = Literal["beside", "stacked"]

#: A title (in either language) is recognised at this ratio (0-100) of its letters to the text read.
#: A guess checked on the signatures benchmark: OCR of the titles scores 90-100, the closest other
#: institution's title (e.g. "Canada Revenue Agency" for "Canada Border Services Agency") below 75.
MATCH_RATIO = 84
#: An institution is named only when its two titles' ratios together lead every other listed
#: institution's passing MATCH_RATIO by this much; closer, the text is a title that names no one
#: institution surely. Measured on the titles of data/institutions.toml read perfectly (EN then FR, FR
#: then EN, and on one line): the closest pair, FedNor and FedDev Ontario ("... pour le Nord / Sud de
#: l'Ontario"), leads by 8.0-8.9; FedNor's French title read to "... pour le" (signatures benchmark
#: seed 7, sig-slide-7) led FedDev by 0.8 the wrong way. Half the closest perfect margin.
RUNNER_UP_MARGIN = 4.0
#: How far right of the symbol the title zone reaches, in symbol heights: the GC signature's
#: title is 8.9 heights wide; a one-line departmental title in both languages about 15.
ZONE_WIDTH = 18.0
#: A title whose last line runs to the zone's right edge (within one symbol height) is read again in
#: a zone this wide: the longest titles on one line are 26 symbol heights long (FedNor's French title,
#: "Agence fédérale de développement économique pour le Nord de l'Ontario", in Nimbus Sans Bold, read
#: to "... pour le" in the 18-height zone and so named as FedDev Ontario: signatures benchmark,
#: --per-class 10, seed 7, sig-slide-7).
LONG_ZONE_WIDTH = 32.0
#: Above and below the symbol's height the zone takes this share of it (titles align to the symbol).
ZONE_MARGIN = 0.35
#: The first column of a title starts within this many symbol heights of the symbol (0.4 in the
#: official file); the next column within this many of the previous one's end.
FIRST_GAP = 1.5
NEXT_GAP = 3.0
#: Words that only an institution's title uses (normalised): a caption without one is not a title.
TITLE_WORDS = frozenset({
    "agency", "agence", "department", "ministere", "ministry", "office", "bureau", "commission",
    "commissariat", "board", "council", "conseil", "service", "services", "secretariat", "centre", "center",
    "institute", "institut", "authority", "administration", "tribunal", "regie", "government", "gouvernement",
    "registry", "greffe", "directorate", "direction",
})


@dataclass(frozen=True)
class Institution:
    """An institution whose signature the catalogue names: its applied titles and catalogue entries."""

    id: str
    abbr: str
    en: str
    fr: str
    abbr_fr: str = ""
    symbol: str = "unknown"
    source: str = ""
    notes: str = ""
    #: The catalogue entries for its English-first and French-first signatures.
    entries: tuple[str, str] = ("", "")

    def entry(self, first: Language | None) -> str:
        """The catalogue id of its signature with ``first`` language on the left (English by default)."""
        return self.entries[1] if first == "fr" else self.entries[0]

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, row: dict) -> Institution:
        return cls(**{**row, "entries": tuple(row["entries"])})


@dataclass(frozen=True)
class TextLine:
    """One line of text OCR read, its box in the zone's pixels, and the engine's confidence (0-1)."""

    text: str
    box: Box
    confidence: float = 1.0


@dataclass(frozen=True)
class Zone:
    """Where a title may be, in the picture's pixels, and the layout it belongs to."""

    box: Box
    form: Form


@dataclass(frozen=True)
class TitleMatch:
    """What the text beside a symbol says: the institution it names (if any), as read."""

    text: str
    institution: Institution | None = None
    #: The language on the left (or on top): it tells an English-first signature from a French-first one.
    first: Language | None = None
    score: float = 0.0
    #: Whether the text reads as an institution's title even if no listed one matched.
    title_like: bool = False

    @property
    def is_signature(self) -> bool:
        return self.institution is not None or self.title_like


def normalise(text: str) -> str:
    """Lowercase letters and digits only: no accents, spaces, apostrophes (’ or ') or hyphens (- or U+2011)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isascii() and c.isalnum())


def as_typeset(title: str) -> str:
    """A title as type sets it: non-breaking spaces and hyphens as their plain forms."""
    return title.replace("\u00a0", " ").replace("\u2011", "-")


def _words(text: str) -> list[str]:
    return [normalise(w) for w in re.split(r"[\s/|]+", text) if normalise(w)]


def title_zones(symbol: Box, shape: tuple[int, ...], reach: float = ZONE_WIDTH) -> list[Zone]:
    """The zones a title may be in for a symbol at ``symbol`` in a picture of ``shape``: beside (reaching
    ``reach`` symbol heights to its right), then stacked."""
    height, width = shape[:2]
    x, y, w, h = symbol
    beside = _clipped(x + w, y - ZONE_MARGIN * h, x + w + reach * h, y + h * (1 + ZONE_MARGIN), width, height)
    stacked = _clipped(x - 0.5 * w, y + h, x + w + 0.6 * ZONE_WIDTH * h, y + 4.0 * h, width, height)
    zones = (Zone(beside, "beside"), Zone(stacked, "stacked"))
    return [zone for zone in zones if zone.box[2] > 4 and zone.box[3] > 4]


def _clipped(x0: float, y0: float, x1: float, y1: float, width: int, height: int) -> Box:
    left, top = max(0, int(x0)), max(0, int(y0))
    return (left, top, max(0, min(width, int(x1)) - left), max(0, min(height, int(y1)) - top))


def title_columns(lines: Sequence[TextLine], symbol: Box, form: Form = "beside") -> list[list[TextLine]]:
    """The lines grouped into columns left to right (each top to bottom), starting next to the symbol.

    Beside the symbol only the columns that start within :data:`FIRST_GAP` of it
    and follow one another within :data:`NEXT_GAP` are the title's: a web page's
    menu further right is not.
    """
    symbol_height = symbol[3]
    kept = [line for line in lines if normalise(line.text) and line.box[3] <= 1.2 * symbol_height]
    columns: list[list[TextLine]] = []
    for line in sorted(kept, key=lambda item: item.box[0]):
        column = next((c for c in columns if _overlaps(c, line)), None)
        if column is None:
            columns.append([line])
        else:
            column.append(line)
    columns = [sorted(c, key=lambda item: item.box[1]) for c in columns]
    if form == "stacked":
        return [sorted((line for c in columns for line in c), key=lambda item: item.box[1])] if columns else []
    title: list[list[TextLine]] = []
    end = float(symbol[0] + symbol[2])
    for column in columns:
        left = min(line.box[0] for line in column)
        if left - end > (FIRST_GAP if not title else NEXT_GAP) * symbol_height:
            break
        title.append(column)
        end = max(line.box[0] + line.box[2] for line in column)
    return title


def runs_off(lines: Sequence[TextLine], zone: Box, symbol: Box, width: int) -> bool:
    """Whether a line read in a zone beside ``symbol`` ends at the zone's right edge, short of the
    picture's (of ``width`` px): the title may go on beyond the zone."""
    right = zone[0] + zone[2]
    return right < width and any(line.box[0] + line.box[2] >= right - symbol[3] for line in lines)


def _overlaps(column: list[TextLine], line: TextLine) -> bool:
    x0 = min(item.box[0] for item in column)
    x1 = max(item.box[0] + item.box[2] for item in column)
    shared = min(x1, line.box[0] + line.box[2]) - max(x0, line.box[0])
    return shared > 0.3 * min(x1 - x0, line.box[2])


def match_title(columns: Sequence[Sequence[TextLine]], institutions: Sequence[Institution]) -> TitleMatch:
    """The institution whose titles the columns read, the language on the left, and the text as read."""
    texts = [" ".join(line.text for line in column) for column in columns]
    shown = " / ".join(texts)
    if not texts:
        return TitleMatch("")
    from rapidfuzz import fuzz

    normalised = [normalise(t) for t in texts]
    everything = "".join(normalised)
    best: tuple[float, Institution, Language | None, float] | None = None
    runner_up = 0.0
    for institution in institutions:
        en, en_at = _score(normalise(institution.en), normalised, everything, fuzz)
        fr, fr_at = _score(normalise(institution.fr), normalised, everything, fuzz)
        if max(en, fr) < MATCH_RATIO:
            continue
        first: Language | None = _first(en, en_at, fr, fr_at)
        rank = en + fr
        if best is None or rank > best[0]:
            runner_up = best[0] if best is not None else 0.0
            best = (rank, institution, first, max(en, fr))
        else:
            runner_up = max(runner_up, rank)
    if best is not None and best[0] - runner_up < RUNNER_UP_MARGIN:
        return TitleMatch(shown, title_like=True)
    if best is not None:
        return TitleMatch(shown, best[1], best[2], best[3] / 100, True)
    return TitleMatch(shown, title_like=is_title_like(texts))


def _score(title: str, columns: list[str], everything: str, fuzz) -> tuple[float, float]:
    """The best ratio of ``title`` to a column (or to the best-aligned part of all the text), and where."""
    best, at, offset = 0.0, 0.0, 0
    for text in columns:
        if len(text) <= 1.3 * len(title):
            score = fuzz.ratio(title, text)
            where = offset
        else:
            aligned = fuzz.partial_ratio_alignment(title, text)
            score, where = aligned.score * 0.97, offset + aligned.dest_start
        if score > best:
            best, at = score, where
        offset += len(text)
    if best < MATCH_RATIO and len(everything) > len(title):
        aligned = fuzz.partial_ratio_alignment(title, everything)
        if aligned.score * 0.95 > best:
            best, at = aligned.score * 0.95, aligned.dest_start
    return best, at


#: Both titles found at least this well (though one under MATCH_RATIO), and starting apart, say by
#: where they start which is on the left: "Govemmentot Canads / Gouvemement du Canada" (signatures
#: benchmark, seed 3, sig-alone-0, an English-first GC signature 210 px wide) scores 80 for the
#: English title at its start and 100 for the French after it, and was named French-first by the
#: scores. Where both start at one place, one title was read and the other only resembles it (the
#: French GC title scores 76 against the English one): the scores decide. A guess under that 80.
ORDER_RATIO = 78


def _first(en: float, en_at: float, fr: float, fr_at: float) -> Language | None:
    """Which language is read first (on the left, or on top): the one whose title starts earlier."""
    if en >= MATCH_RATIO and fr >= MATCH_RATIO or (min(en, fr) >= ORDER_RATIO and en_at != fr_at):
        return "en" if en_at <= fr_at else "fr"
    return "en" if en >= fr else "fr"


#: A caption is read, not guessed: OCR's mean confidence on its lines is at least this. The
#: signatures benchmark's captions beside the flag (flag-with-caption, --per-class 30, seed 7) read at
#: 0.95-1.00; titles whose type is 4-8 px tall (symbols 8-17 px) read garbled at 0.53-0.89.
READABLE_CONFIDENCE = 0.9
#: A title's lines are smaller than the symbol (FIP layouts: type 0.33-0.55 of its height, line boxes
#: with ascenders and descenders under 0.8); a line as tall as the "symbol" beside it means the
#: "symbol" is a letter's strokes (two such in the benchmark's captions: lines 1.5-1.7 times its height).
TITLE_LINE_HEIGHT = 0.8


def readable(lines: Sequence[TextLine], symbol: Box | None = None) -> bool:
    """Whether OCR read ``lines`` with confidence: what they say can be taken at its word.

    Beside a ``symbol``, only the lines level with it (their middle within its rows, where a title's
    lines are) are judged, if there are any: a photo's texture read as a word below a caption ("Made
    in Canada" at 0.99 over "YAWAHN" at 0.61, signatures benchmark seed 3, flag-with-caption-6) is not
    the caption's.
    """
    if symbol is not None:
        top, bottom = symbol[1], symbol[1] + symbol[3]
        level = [line for line in lines if top <= line.box[1] + line.box[3] / 2 <= bottom]
        lines = level or lines
    return bool(lines) and sum(line.confidence for line in lines) / len(lines) >= READABLE_CONFIDENCE


def title_shaped(lines: Sequence[TextLine], symbol: Box) -> bool:
    """Whether text lines beside a symbol are laid out as a title is, whatever they say: lines smaller
    than the symbol, the first starting within :data:`FIRST_GAP` of it, level with it."""
    x, y, w, h = symbol
    near = [line for line in lines if line.box[3] <= TITLE_LINE_HEIGHT * h
            and y - ZONE_MARGIN * h <= line.box[1] <= y + h]
    return bool(near) and min(line.box[0] for line in near) - (x + w) <= FIRST_GAP * h


#: Text lines beside a "symbol" whose median height is this many times the symbol's are the text the
#: symbol was found in (two letters' strokes and the counter between them): a title's lines are
#: never taller than the symbol they align to. Measured: the two such "symbols" in the benchmark's
#: captions had lines 1.5 and 1.65 times their height.
LETTER_LINES = 1.3


def cut_from_text(lines: Sequence[TextLine], symbol: Box) -> bool:
    """Whether a located "symbol" is part of the text beside it (its lines are much taller than it)."""
    heights = sorted(line.box[3] for line in lines)
    return bool(heights) and heights[len(heights) // 2] > LETTER_LINES * symbol[3]


#: The ink-block test of a title too small for OCR to find (type 2-4 px): beside the symbol, over its
#: rows and for TEXT_LENGTH of its heights, at least GROUND_SHARE of the pixels are within GROUND_DELTA
#: of the ground and INK_SHARE of them differ from it by INK_DELTA, in at least INK_COLUMNS of the
#: columns. The ground is the band's median colour, the clear space's right of the symbol (JPEG
#: bleeds the symbol's red into that 1-3 px strip; a title of few strokes leaves the band's median on
#: the ground), or the band's commonest colour (:func:`_commonest`: two lines of 3 px type blur over
#: half the band, and its median is then their grey). A guess checked on the signatures benchmark
#: (--per-class 30, seed 7): the titles beside its 4-17 px symbols had ground 0.46-0.75 and ink
#: 0.07-0.28 by one ground or the other. The commonest colour was added for three two-line titles of
#: the held-out seed 11 (sig-small-2, -4, -19: ground 0.38-0.43 by the median, 0.45-0.58 by it); on
#: seeds 3, 7 and 11 and the core and materials suites it passes no other small symbol's band that the
#: first two fail but two letter pairs of slide titles, which the OCR read decides before this test.
#: Only symbols under TEXT_BLOCK_SYMBOL px get it: their titles' type is under 8 px, which the OCR's
#: detector does not find (benchmark above: none of seven such titles beside 8-12 px symbols found); a
#: larger symbol's title is read, and the test would only add a photo's flat patches (one National Flag
#: 150 px tall in a photo passed it).
TEXT_BLOCK_SYMBOL = 20
TEXT_LENGTH = 5.0
GROUND_DELTA, INK_DELTA = 40, 80
GROUND_SHARE, INK_SHARE, INK_COLUMNS = 0.45, (0.05, 0.55), 0.5


def text_block(rgb, symbol: Box) -> bool:
    """Whether ink laid out as type on a flat ground stands beside ``symbol`` in an RGB ``uint8`` array."""
    import numpy as np

    x, y, w, h = symbol
    gap = max(1, round(0.2 * h))
    x0, x1 = x + w + gap, min(rgb.shape[1], x + w + round(TEXT_LENGTH * h))
    if not 3 <= h < TEXT_BLOCK_SYMBOL or x1 - x0 < 2 * h:
        return False
    clear = rgb[y:y + h, x + w:x0].reshape(-1, 3).astype(np.int16)
    band = rgb[y:y + h, x0:x1].astype(np.int16)
    if clear.size == 0 or band.size == 0:
        return False
    pixels = band.reshape(-1, 3)
    for ground in (np.median(pixels, axis=0), np.median(clear, axis=0), _commonest(pixels)):
        delta = np.abs(band - ground).max(axis=2)
        ink = delta > INK_DELTA
        share = float(ink.mean())
        if (float((delta < GROUND_DELTA).mean()) >= GROUND_SHARE and INK_SHARE[0] <= share <= INK_SHARE[1]
                and float(ink.any(axis=0).mean()) >= INK_COLUMNS):
            return True
    return False


def is_title_like(texts: Sequence[str]) -> bool:
    """Whether text beside a symbol reads as an institution's title rather than a caption.

    A caption ("Happy Canada Day!", "Proud to be Canadian") exclaims or asks, or
    has none of an institution's words; a title has one of :data:`TITLE_WORDS`,
    or names Canada in two columns side by side (an English and a French title).
    """
    joined = " ".join(texts)
    if not normalise(joined) or any(mark in joined for mark in "!?#@"):
        return False
    if TITLE_WORDS.intersection(_words(joined)):
        return True
    return len(texts) >= 2 and sum("canada" in normalise(t) for t in texts) >= 2


#: The row-projection of a title too small for OCR's detector (text_blocks): ink differs from the
#: ground (the commonest colour beside the symbol, over its rows and 5 heights) by BLOCK_INK of the
#: contrast there (its 99.5th percentile), ground by under BLOCK_GROUND of it; the ground plate ends
#: at the first run of half a symbol height of columns off it (PLATE_SHARE); columns of a title are apart
#: by BLOCK_GAP symbol heights (a signature's English and French titles are one height apart, FIP
#: T-125; words a fifth). Guesses, checked by eye on the signatures benchmark's sig-small pictures
#: (seeds 3 and 7) whose titles the free read could not read.
BLOCK_INK, BLOCK_GROUND, BLOCK_GAP = 0.35, 0.2, 0.5
#: A column over the symbol's rows is on the ground plate when this share of it is ground: a two-line
#: title at 2-3 px type leaves only 0.4 of them (sig-small-5, seed 7); a photo beside the plate under 0.1.
PLATE_SHARE = 0.3
#: Below this contrast (of 255) beside the symbol there is no type to project.
BLOCK_CONTRAST = 60


def text_blocks(rgb, symbol: Box, reach: float = LONG_ZONE_WIDTH) -> list[Box]:
    """The blocks of type beside ``symbol`` in an RGB ``uint8`` array, left to right (a signature's two
    titles), found by the projection of its ink; boxes in the array's pixels."""
    return [box for box, _ in ink_blocks(rgb, symbol, reach)]


def ink_blocks(rgb, symbol: Box, reach: float = LONG_ZONE_WIDTH) -> list[tuple[Box, Any]]:
    """:func:`text_blocks` with each block's ink: a float32 array of its box, 0 on the ground, 1 where a
    pixel differs from it by the contrast beside the symbol (its 99.5th percentile) or more."""
    import numpy as np

    x, y, w, h = symbol
    x0, x1 = x + w + max(1, round(0.2 * h)), min(rgb.shape[1], x + w + round(reach * h))
    y0, y1 = max(0, y - round(ZONE_MARGIN * h)), min(rgb.shape[0], y + h + round(ZONE_MARGIN * h))
    if h < 3 or x1 - x0 < 2 * h:
        return []
    head = rgb[y:y + h, x0:min(x1, x0 + round(TEXT_LENGTH * h))].astype(np.int16)
    ground = _commonest(head.reshape(-1, 3))
    contrast = float(np.percentile(np.abs(head - ground).max(axis=2), 99.5))
    if contrast < BLOCK_CONTRAST:
        return []
    delta = np.abs(rgb[y0:y1, x0:x1].astype(np.int16) - ground).max(axis=2)
    ink, flat = delta > BLOCK_INK * contrast, delta < BLOCK_GROUND * contrast
    end = _plate_end(flat[y - y0:y - y0 + h].mean(axis=0) >= PLATE_SHARE, max(2, h // 2))
    rows = _plate_rows(flat[:, :end])
    inked = (ink[:, :end] & rows[:, None]).any(axis=0)
    blocks: list[tuple[Box, Any]] = []
    last = 0
    for a, b in _runs(inked, max(2, round(BLOCK_GAP * h))):
        if a - last > (FIRST_GAP if not blocks else NEXT_GAP) * h:
            break
        last = b
        if b - a < h:  # a speck, not a title's column
            continue
        profile = (ink[:, a:b] & rows[:, None]).mean(axis=1)
        on = np.nonzero(profile >= 0.15 * profile.max())[0]
        top, bottom = int(on[0]), int(on[-1]) + 1
        blocks.append(((x0 + a, y0 + top, b - a, bottom - top),
                       np.clip(delta[top:bottom, a:b] / contrast, 0, 1).astype(np.float32)))
    return blocks


def _commonest(pixels):
    """The ground's colour: the median of the commonest colour (in bins of 32 levels a channel). Dense
    small type covers half a title's rows, so the median of all pixels is the ink's blur, not the ground."""
    import numpy as np

    bins = (pixels // 32) @ np.array([64, 8, 1])
    return np.median(pixels[bins == np.bincount(bins).argmax()], axis=0)


def _plate_end(plate, run: int) -> int:
    """Where the ground plate ends: the first of ``run`` columns in a row that are off it."""
    off = 0
    for i, on in enumerate(plate):
        off = 0 if on else off + 1
        if off >= run:
            return i - run + 1
    return len(plate)


def _plate_rows(flat):
    """The rows between the first and the last that are mostly ground (a photo above or below is not)."""
    import numpy as np

    rows = flat.mean(axis=1) >= 0.5 if flat.shape[1] else np.zeros(flat.shape[0], dtype=bool)
    on = np.nonzero(rows)[0]
    if len(on):
        rows[on[0]:on[-1] + 1] = True
    return rows


def _runs(inked, gap: int) -> list[tuple[int, int]]:
    """Runs of True in ``inked`` joined across gaps of up to ``gap`` False values, as (start, end)."""
    runs: list[tuple[int, int]] = []
    for i in (int(v) for v in inked.nonzero()[0]):
        if runs and i - runs[-1][1] <= gap:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


def line_bands(block: Box, lines: int) -> list[Box]:
    """``block`` cut into ``lines`` text lines of equal height, top to bottom: at 2-4 px type the leading
    between lines is under a pixel, so the lines are not told apart by the projection."""
    x, y, w, h = block
    step = h / lines
    return [(x, round(y + n * step), w, max(1, round((n + 1) * step) - round(n * step))) for n in range(lines)]
