"""The signature decision: a flag symbol with a title beside it is a signature, never the National Flag.

Pure apart from the OCR call it is given. For every flag symbol located in a
picture (by its structure, symbols.py, or as the detector's ``canada-flag``,
``fip-signature`` or GC-signature region), the title zones beside and below it
(titles.py) are read and decided by these rules:

1. A title of a listed institution: that institution's signature,
   ``fip-signature-<id>`` (the GC's own is ``gc-signature-en`` or
   ``gc-signature-fr`` by the language read on the left), restricted.
2. A title-like text that names no listed institution (or two alike, within
   titles.RUNNER_UP_MARGIN): ``fip-signature``, restricted, with "title not
   recognised" in the evidence: a flag symbol with an institution's title is
   a signature whatever the title says.
3. No text, or a caption that is not a title ("Happy Canada Day!", "Proud to be
   Canadian"): the National Flag, ``canada-flag``, information only; a GC
   signature the detector matched by its artwork stays as it was.
4. OCR failed on the zone, or took longer than its limit (ocr.TIMEOUT):
   ``fip-signature`` with the reason (the symbol stands where a title would
   be read, so it is not waved through).
5. A title that cannot be read: lines laid out as a title's, read without
   confidence (titles.readable), or, beside a symbol under 20 px, type-like ink
   that OCR does not find at all (titles.text_block): ``fip-signature``,
   restricted, "title not readable". A caption is the National Flag's only
   when it is read; a tiny flag beside unreadable type is reported as a
   signature (that is the trade: 4-8 px type is a title far more often than a
   caption in the pictures this is for, and nothing can tell them apart).
   Before that verdict (and before rule 2's), the title is read against the
   listed titles (lexicon.py, with the recognition model alone: :class:`Speller`):
   if its lines spell one institution's titles surely (LexiconMatch.named), that
   institution's signature is reported as in rule 1, noted "title read against
   the listed titles". Then, beside a symbol under 20 px, the blocks of type are
   compared with every listed title typeset (silhouettes.py: at 1-3 px type no
   letter is left, but the words' silhouette is); one clearly alike is named,
   noted "title too small to read, named by its shape against the listed
   titles". Only symbols that would be ``fip-signature`` get these: a picture
   without a flag symbol, and a caption read as one, cost nothing more.
6. Text beside the "symbol" much taller than it (titles.cut_from_text): the
   symbol is two letters' strokes of that text, and nothing is reported.

A symbol tilted in the picture's plane (symbols.locate_tilted: a page photographed
askew) is decided by the same rules in the picture turned upright about it, where
its title lies along the symbol's rows; its boxes are turned back.

A small symbol's title that named no institution is read a second time, closer
(RETRY_SYMBOL_HEIGHT); that read decides only if it names one. A title typed
without the symbol is not a signature: only a located symbol
opens a title zone. Each rule's measurements are in benchmarks/RESULTS.md
(section detection-core-signatures).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from ..models import Box
from .detection import Detection
from .lexicon import Lexicon, LexiconMatch, build_lexicon, match_columns
from .silhouettes import match_blocks
from .symbols import Inks, Tilted, locate_symbols, locate_tilted, overlap
from .titles import (
    LONG_ZONE_WIDTH,
    Institution,
    Language,
    TextLine,
    TitleMatch,
    Zone,
    cut_from_text,
    ink_blocks,
    line_bands,
    match_title,
    readable,
    runs_off,
    text_block,
    text_blocks,
    title_columns,
    title_shaped,
    title_zones,
)

FLAG = "canada-flag"
GENERIC = "fip-signature"
GC_SIGNATURES = ("gc-signature-en", "gc-signature-fr")
#: Detections whose region is (or starts with) a flag symbol.
SYMBOL_EMBLEMS = frozenset({FLAG, GENERIC, *GC_SIGNATURES})
#: The symbol is scaled to this height before OCR: titles' lines are then 14-35 px tall, where
#: RapidOCR's recogniser (trained on 48 px lines) reads best (a guess, checked on the benchmark).
OCR_SYMBOL_HEIGHT = 56
#: A symbol is enlarged at most this many times for OCR. Tried and not kept (2026-12-02, signatures
#: benchmark --per-class 10, seed 7): symbols under 20 px read at 80 px, up to 8 times, named one more
#: small or alone signature right (14 of 22 against 13) but lost a core one, a French-first GC signature
#: 12 px tall that reads right at 56 or 64 px (embedded-small-008); 112 px gained nothing more at 1.4x the time.
MAX_UPSCALE = 4.0
#: A small symbol's title that named no institution is read once more, from the beside zone padded
#: by RETRY_PADDING symbol heights of replicated edge (RapidOCR's detector misses lines that touch a
#: crop's edge) at the scale where the symbol is RETRY_SYMBOL_HEIGHT tall, enlarged at most
#: RETRY_MAX_UPSCALE times; that read counts only if it names an institution, so what the first read
#: got right stays right (the first read at 80 px lost a French-first GC signature that 56 px reads:
#: see MAX_UPSCALE). Only symbols under RETRY_SYMBOL px: above it the type is 12 px or more at the
#: first read's scale already. Guesses, checked on the signatures benchmark (--per-class 10): they named
#: right seed 7's sig-alone-5 (IRCC, 17 px symbol) and sig-small-3 (CTA, 10 px), which the first read
#: left "not readable" and garbled; no caption of seed 3 or 7 was named by the second read.
RETRY_SYMBOL_HEIGHT = 112
RETRY_MAX_UPSCALE = 8.0
RETRY_PADDING = 0.5
RETRY_SYMBOL = 40
#: At most this many symbols a picture are read (largest first), to bound the cost of a poster of flags.
MAX_SYMBOLS = 4
#: The official symbol is 2.07 times as wide as it is tall.
SYMBOL_ASPECT = 155.38 / 75.01

Reader = Callable[[np.ndarray], list[TextLine]]


@dataclass(frozen=True)
class Signature:
    """A decided flag symbol: what it is reported as, where, and what was read beside it."""

    emblem_id: str
    box: Box
    symbol: Box
    title: str = ""
    institution: Institution | None = None
    note: str = ""
    seconds: float = 0.0

    @property
    def evidence(self) -> str:
        """The institution, as a report shows it ("CBSA: Canada Border Services Agency / ...")."""
        i = self.institution
        return "" if i is None else f"{i.abbr}: {i.en} / {i.fr}"


def candidate_symbols(rgb: np.ndarray, detections: Sequence[Detection],
                      scale: float) -> tuple[list[Box], list[Tilted]]:
    """Flag symbols to read, in ``rgb``'s pixels: located by structure, upright or tilted in the picture's
    plane, and where the detector saw one; at most MAX_SYMBOLS in all."""
    # The flag over the "Canada" wordmark's last "a" (or in any other emblem found) is that emblem's.
    others = [tuple(round(v / scale) for v in d.box) for d in detections if d.emblem_id not in SYMBOL_EMBLEMS]
    inks = Inks.of(rgb)
    boxes = [s.box for s in locate_symbols(rgb, inks) if not any(overlap(s.box, o) > 0.5 for o in others)]  # type: ignore[arg-type]
    tilted = [t for t in locate_tilted(rgb, boxes, inks)
              if not any(overlap(t.box, o) > 0.5 for o in others)]  # type: ignore[arg-type]
    # A detector region on a tilted symbol is read in the symbol's upright frame, not as an upright box.
    found = boxes + [t.box for t in tilted]
    for d in detections:
        if d.emblem_id not in SYMBOL_EMBLEMS:
            continue
        x, y, w, h = (round(v / scale) for v in d.box)
        if d.emblem_id in GC_SIGNATURES:  # the symbol is the left of the signature, its full height
            w = min(w, round(h * SYMBOL_ASPECT))
        box = (x, y, w, h)
        if not any(overlap(box, b) > 0.4 for b in found):
            boxes.append(box)
            found.append(box)
    boxes = boxes[:MAX_SYMBOLS]
    return boxes, tilted[:MAX_SYMBOLS - len(boxes)]


def read_signatures(rgb: np.ndarray, symbols: Sequence[Box], institutions: Sequence[Institution],
                    reader: Reader, speller: Speller | None = None) -> list[Signature]:
    """Each symbol decided by the rules above, boxes in ``rgb``'s pixels; a title the free read could not
    name is read against the listed titles by ``speller`` if given (rule 5)."""
    decided = (_decide(rgb, symbol, institutions, reader, speller) for symbol in symbols)
    return [signature for signature in decided if signature is not None]


def read_tilted(rgb: np.ndarray, symbols: Sequence[Tilted], institutions: Sequence[Institution],
                reader: Reader, speller: Speller | None = None) -> list[Signature]:
    """Each tilted symbol decided as :func:`read_signatures` decides one, in the picture turned upright
    about it (the title zones lie along the symbol's rows there); boxes turned back into ``rgb``'s pixels."""
    out = []
    for tilted in symbols:
        decided = _decide(tilted.upright(rgb), tilted.symbol.box, institutions, reader, speller)
        if decided is not None:
            out.append(replace(decided, box=tilted.to_picture(decided.box), symbol=tilted.to_picture(decided.symbol)))
    return out


def _decide(rgb: np.ndarray, symbol: Box, institutions: Sequence[Institution], reader: Reader,
            speller: Speller | None = None) -> Signature | None:
    start = time.perf_counter()
    read = TitleMatch("")
    zone_box = symbol
    beside: list[TextLine] = []
    for zone in title_zones(symbol, rgb.shape):
        try:
            lines = _read_title(rgb, zone, symbol, reader)
        except Exception as exc:  # an OCR engine's failure on one region must not end the scan
            return Signature(GENERIC, symbol, symbol, note=f"the title could not be read ({exc})",
                             seconds=time.perf_counter() - start)
        if zone.form == "beside":
            beside = lines
        columns = title_columns(lines, symbol, zone.form)
        read = match_title(columns, institutions)
        if columns:
            zone_box = _union(symbol, [line.box for column in columns for line in column])
        if read.text:
            break
    if read.institution is None and symbol[3] < RETRY_SYMBOL:
        retried = _read_closer(rgb, symbol, institutions, reader)
        if retried is not None:
            read, zone_box = retried
    if read.institution is not None:
        return Signature(read.institution.entry(read.first), zone_box, symbol, read.text, read.institution,
                         seconds=time.perf_counter() - start)
    if read.title_like:
        note = "title not recognised"
    elif cut_from_text(beside, symbol):
        return None
    elif not readable(beside, symbol) and (title_shaped(beside, symbol) or text_block(rgb, symbol)):
        note = "title not readable"
    else:
        note = f"caption that is not a title: {read.text}" if read.text else "no title beside the symbol"
        return Signature(FLAG, symbol, symbol, read.text, note=note, seconds=time.perf_counter() - start)
    spelt = speller.read(rgb, symbol, beside) if speller is not None else None
    if spelt is not None and spelt.institution is not None:
        return Signature(spelt.institution.entry(spelt.first), zone_box, symbol, spelt.greedy, spelt.institution,
                         note=SPELT, seconds=time.perf_counter() - start)
    # Only a title too small to read is named by its shape: one read as a title that names no listed
    # institution stays unnamed, as the rule for unlisted titles says (its silhouette may still lead).
    shaped = _shaped(rgb, symbol, institutions) if not read.title_like else None
    if shaped is not None:
        institution, first, box = shaped
        return Signature(institution.entry(first), _union(symbol, [box]), symbol, read.text, institution,
                         note=SHAPED, seconds=time.perf_counter() - start)
    return Signature(GENERIC, zone_box, symbol, read.text, note=note, seconds=time.perf_counter() - start)


#: The note of a signature named by its title's silhouette (silhouettes.py).
SHAPED = "title too small to read, named by its shape against the listed titles"
#: Titles are named by their silhouette beside symbols under this height (px) only. Larger symbols'
#: titles are read, and a title that is not listed must stay unnamed: measured (2026-12-04, signatures
#: benchmark at 30 a class, seeds 3, 7 and 11, the largest located symbol under 20 px of 152 signature
#: pictures, each title taken out of the list in turn) an unlisted title's silhouette led the next
#: institution by 0.093-0.144 beside three symbols of 13-19 px, and by 0.054 at most beside the 69 of
#: 12 px or less. Of the 9 signatures the scans named by silhouette, all had symbols under 14 px.
SILHOUETTE_SYMBOL = 14


def _shaped(rgb: np.ndarray, symbol: Box,
            institutions: Sequence[Institution]) -> tuple[Institution, Language | None, Box] | None:
    """The institution the blocks of type beside a small symbol name surely by their silhouette, the
    language on the left, and the blocks' box."""
    if symbol[3] >= SILHOUETTE_SYMBOL:
        return None
    blocks = ink_blocks(rgb, symbol)[:2]
    if not blocks:
        return None
    match = match_blocks(institutions, [ink for _, ink in blocks])
    if not match.named or match.institution is None:
        return None
    return match.institution, match.first, _union(blocks[0][0], [box for box, _ in blocks[1:]])


#: The note of a signature named by its title read against the listed titles (the lexicon read).
SPELT = "title read against the listed titles"


def _read_closer(rgb: np.ndarray, symbol: Box, institutions: Sequence[Institution],
                 reader: Reader) -> tuple[TitleMatch, Box] | None:
    """The second read of a small symbol's beside zone (see RETRY_SYMBOL_HEIGHT), if it names an institution."""
    zone = title_zones(symbol, rgb.shape)[0]
    try:
        lines = _read_title(rgb, zone, symbol, reader, RETRY_SYMBOL_HEIGHT, RETRY_MAX_UPSCALE, RETRY_PADDING)
    except Exception:  # an engine failing on the second read: the first read's verdict stands
        return None
    columns = title_columns(lines, symbol)
    read = match_title(columns, institutions)
    if read.institution is None:
        return None
    return read, _union(symbol, [line.box for column in columns for line in column])


def _read_title(rgb: np.ndarray, zone: Zone, symbol: Box, reader: Reader, *scaling: float) -> list[TextLine]:
    """The lines of a title zone (:func:`_read_zone`, ``scaling`` its target, most and padding), read again
    reaching :data:`titles.LONG_ZONE_WIDTH` symbol heights right when a line runs to the beside zone's edge."""
    lines = _read_zone(rgb, zone.box, symbol[3], reader, *scaling)
    if zone.form == "beside" and runs_off(lines, zone.box, symbol, rgb.shape[1]):
        wider = title_zones(symbol, rgb.shape, LONG_ZONE_WIDTH)[0]
        lines = _read_zone(rgb, wider.box, symbol[3], reader, *scaling)
    return lines


def _read_zone(rgb: np.ndarray, zone: Box, symbol_height: int, reader: Reader,
               target: float = OCR_SYMBOL_HEIGHT, most: float = MAX_UPSCALE, padding: float = 0.0) -> list[TextLine]:
    """OCR of one zone at the scale where the symbol is ``target`` px tall (enlarged at most ``most``
    times), padded by ``padding`` symbol heights of replicated edge; boxes in ``rgb``'s pixels."""
    x, y, w, h = zone
    crop = rgb[y:y + h, x:x + w]
    factor = min(most, max(0.25, target / max(1, symbol_height)))
    if abs(factor - 1) > 0.05:
        size = (max(1, round(w * factor)), max(1, round(h * factor)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA)
    pad = round(padding * symbol_height * factor)
    if pad:
        crop = cv2.copyMakeBorder(crop, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    lines = reader(np.ascontiguousarray(crop))
    return [TextLine(line.text, (x + round((line.box[0] - pad) / factor), y + round((line.box[1] - pad) / factor),
                                 round(line.box[2] / factor), round(line.box[3] / factor)), line.confidence)
            for line in lines]


def superseded(detection: Detection, signatures: Sequence[Signature], scale: float) -> bool:
    """Whether a detector region is explained by a decided symbol (and so replaced by its verdict).

    A GC signature matched by its artwork is kept when the symbol's title named no institution (not
    read, unreadable or not recognised): its artwork names it better than nothing.
    """
    if detection.emblem_id not in SYMBOL_EMBLEMS:
        return False
    box = tuple(round(v / scale) for v in detection.box)
    for signature in signatures:
        if overlap(box, signature.symbol) > 0.3 or overlap(box, signature.box) > 0.5:  # type: ignore[arg-type]
            return not (signature.institution is None and detection.emblem_id in GC_SIGNATURES)
    return False


def _explained(signature: Signature, detections: Sequence[Detection], scale: float) -> bool:
    """Whether an unnamed symbol is the symbol of a GC signature the detector matched by its artwork."""
    if signature.institution is not None:
        return False
    for d in detections:
        box = tuple(round(v / scale) for v in d.box)
        if d.emblem_id in GC_SIGNATURES and overlap(box, signature.symbol) > 0.3:  # type: ignore[arg-type]
            return True
    return False


def _union(first: Box, others: Sequence[Box]) -> Box:
    x0 = min([first[0]] + [b[0] for b in others])
    y0 = min([first[1]] + [b[1] for b in others])
    x1 = max([first[0] + first[2]] + [b[0] + b[2] for b in others])
    y1 = max([first[1] + first[3]] + [b[1] + b[3] for b in others])
    return (x0, y0, x1 - x0, y1 - y0)



class Speller:
    """Lexicon reads (lexicon.py) of the titles the free read could not name, with the OCR engine's
    recognition model alone: ``frames`` gives a text line image's per-frame character probabilities,
    ``alphabet()`` the model's characters. The lexicon is built on first use, once."""

    def __init__(self, institutions: Sequence[Institution], frames: Callable[[np.ndarray], np.ndarray],
                 alphabet: Callable[[], Sequence[str]]):
        self.institutions = tuple(institutions)
        self.frames = frames
        self.alphabet = alphabet
        self._lexicon: Lexicon | None = None
        self._lock = threading.Lock()

    def lexicon(self) -> Lexicon:
        """The listed titles in the recogniser's alphabet."""
        with self._lock:
            if self._lexicon is None:
                self._lexicon = build_lexicon(self.institutions, self.alphabet())
            return self._lexicon

    def read(self, rgb: np.ndarray, symbol: Box, lines: Sequence[TextLine]) -> LexiconMatch | None:
        """The institution the title beside ``symbol`` spells surely (LexiconMatch.named), if any: the lines
        the free read found (``lines``, the detector's boxes), else the projection's blocks of type cut
        into one to three lines (the likelier count first); None when none names one, or OCR fails."""
        for columns in _line_hypotheses(rgb, symbol, lines):
            try:
                frames = [[self.frames(_line_image(rgb, box)) for box in column] for column in columns]
            except Exception:  # an engine failing here: the free read's verdict stands
                return None
            match = match_columns(self.lexicon(), frames)
            if match.named:
                return match
        return None


#: A block of type this many symbol heights tall or more is first cut into two lines, under it into one:
#: the benchmark's one-line titles are set at 0.55 of the symbol's height, two lines at 0.46 (their ink
#: 0.85-0.9 of it), three at 0.33 (tests/signature_pictures.py, the FIP layouts' proportions).
TWO_LINES = 0.65
#: A line image is cut with this share of its height above and below (and to each side), then scaled to
#: the recogniser's 48 px: PP-OCR reads lines with the margin its detector's boxes have (a guess).
LINE_MARGIN = 0.4
LINE_HEIGHT = 48


def _line_hypotheses(rgb: np.ndarray, symbol: Box, lines: Sequence[TextLine]) -> list[list[list[Box]]]:
    """Ways the title's lines may lie, as columns of line boxes: the free read's, then the projection's."""
    found = [[line.box for line in column] for column in title_columns(lines, symbol)]
    hypotheses = [found] if found else []
    blocks = text_blocks(rgb, symbol)[:2]
    if blocks:
        tall = max(b[3] for b in blocks) >= TWO_LINES * symbol[3]
        for count in (2, 3, 1) if tall else (1, 2, 3):
            hypotheses.append([line_bands(block, count) for block in blocks])
    return hypotheses


def _line_image(rgb: np.ndarray, box: Box) -> np.ndarray:
    """A text line cut from ``rgb`` with its margin (LINE_MARGIN) and scaled to LINE_HEIGHT px tall."""
    x, y, w, h = box
    margin = max(1, round(LINE_MARGIN * h))
    crop = rgb[max(0, y - margin):y + h + margin, max(0, x - margin):x + w + margin]
    factor = LINE_HEIGHT / max(1, crop.shape[0])
    size = (max(1, round(crop.shape[1] * factor)), LINE_HEIGHT)
    # Linear, not cubic: cubic's overshoot rings around 2-4 px strokes blown up 12-20 times, and the model
    # reads the smoother lines better (signatures benchmark, seeds 3 and 7, the ten titles the free read
    # left "not readable": 8 named at a margin of 44-254 nats with linear, 5 at 8-85 with cubic).
    return cv2.resize(crop, size, interpolation=cv2.INTER_LINEAR if factor > 1 else cv2.INTER_AREA)


class SignatureReader:
    """Reads the titles beside the flag symbols of a picture; built once per scanner.

    Without ``reader`` (no OCR engine) it changes nothing: the detector's findings stand.
    """

    def __init__(self, institutions: Sequence[Institution], reader: Reader | None, speller: Speller | None = None):
        self.institutions = tuple(institutions)
        self.reader = reader
        self.speller = speller

    def resolve(self, rgb: np.ndarray, detections: Sequence[Detection],
                scale: float) -> tuple[list[Detection], list[Signature]]:
        """The detections no symbol explains, and the decided symbols (boxes in ``rgb``'s pixels)."""
        if self.reader is None:
            return list(detections), []
        symbols, tilted = candidate_symbols(rgb, detections, scale)
        if not symbols and not tilted:
            return list(detections), []
        decided = _outside_titles(read_signatures(rgb, symbols, self.institutions, self.reader, self.speller)
                                  + read_tilted(rgb, tilted, self.institutions, self.reader, self.speller))
        signatures = [_sibling(s, detections, scale) for s in decided if not _explained(s, detections, scale)]
        return [d for d in detections if not superseded(d, signatures, scale)], signatures


def _outside_titles(signatures: Sequence[Signature]) -> list[Signature]:
    """The decided symbols less those inside another's title: two of its letters' strokes taken for a
    symbol (signatures benchmark, seed 7: a bold "ll" in sig-slide-5's and sig-angle-9's titles, reported
    `canada-flag` beside the signatures named right). Larger signatures are kept first."""
    inside: set[int] = set()
    kept: list[Signature] = []
    for n, signature in sorted(enumerate(signatures), key=lambda item: -item[1].box[2] * item[1].box[3]):
        if any(overlap(signature.symbol, k.box) > 0.5 and overlap(signature.symbol, k.symbol) < 0.5 for k in kept):
            inside.add(n)
        else:
            kept.append(signature)
    return [s for n, s in enumerate(signatures) if n not in inside]


def _sibling(signature: Signature, detections: Sequence[Detection], scale: float) -> Signature:
    """A GC signature keeps the sibling its artwork was matched as: the detector tells English-first from
    French-first better than the order OCR read a tilted title in (crop-pad-rotate in the core suite:
    4 of 15 confused by the order read, none by the artwork)."""
    if signature.emblem_id not in GC_SIGNATURES:
        return signature
    for d in detections:
        box = tuple(round(v / scale) for v in d.box)
        if d.emblem_id in GC_SIGNATURES and overlap(box, signature.symbol) > 0.3:  # type: ignore[arg-type]
            return replace(signature, emblem_id=d.emblem_id)
    return signature
