"""Reading a title too small for free OCR against the closed list of titles (lexicon-constrained CTC).

Pure: a text recogniser's per-frame character probabilities in, the listed
institution whose title they spell out (if any) out.

RapidOCR's recogniser (PP-OCR, a CTC model) gives, for every frame of a text
line, a probability for each character of its alphabet and for "blank". Greedy
decoding takes each frame's likeliest character and garbles 4-6 px type
("Oekedestraasgortsdu Canada"). Here every line a listed title can be set in
(its words broken into one to three lines, English and French) is scored by its
CTC log-likelihood, the sum over all its alignments to the frames (the forward
algorithm of Graves, Fernandez, Gomez and Schmidhuber, "Connectionist Temporal
Classification", ICML 2006), and the line readings are combined into whole
titles in the two columns of a signature. The likeliest institution is named
only when its likelihood is close to that of the frames' best path (the title
explains the pixels about as well as any string could: a caption that is not a
listed title is far from it) and leads the next institution by a margin.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .titles import Institution, Language, as_typeset

#: The alphabet's index of CTC's "blank" (RapidOCR puts it first).
BLANK = 0
#: Characters a recogniser may drop without the reading being worse for it: the space between words
#: (PP-OCR often runs words together, "Departmentof Finance") and the apostrophe ("d'inspection").
OPTIONAL = frozenset(" '’")
#: What a title's punctuation may be read as (besides itself); letters may be read in either case and
#: with or without accents (the recogniser's alphabet holds é, è, à but not ê, ç, ô, î).
PUNCTUATION = {"’": "'’‘´′`", "'": "'’‘´′`", "-": "-‑–—", ".": ".,", ",": ",.", "&": "&"}
#: A title is set on at most this many lines per language (FIP: one to three).
MOST_LINES = 3
#: A title is named only when its log-likelihood is within MAX_GAP nats per frame of the frames' best
#: path and leads the next institution's by MIN_MARGIN nats. Measured (2026-12-03, signatures benchmark
#: --per-class 10, seeds 3 and 7: every symbol under 40 px of sig-alone, sig-slide, sig-small and
#: sig-angle and every flag-with-caption symbol, the projection's blocks cut into one, two and three lines,
#: 252 readings): no caption came within 0.5 a frame (the closest, "Made in Canada" as CWA, 21.7 nats
#: ahead at -0.97); no wrong institution within 0.5 led by more than 25.7 (a wrong line count, sig-slide-1,
#: seed 7); the right ones named at these values led by 42.8-430 at gaps of -0.48 to +0.03, among them
#: the eight titles the free read left "not readable" that this names (43.5-254 nats ahead).
MAX_GAP = 0.5
MIN_MARGIN = 40.0
#: Log-probabilities are floored here so a character the model gives 0 does not make a line impossible.
FLOOR = 1e-6


@dataclass(frozen=True)
class LexiconMatch:
    """The listed title the lines spell out best, and how sure that is."""

    institution: Institution | None
    first: Language | None = None
    #: The best title's log-likelihood less the frames' best path's, per frame (0 is as good as any string).
    gap: float = float("-inf")
    #: The best institution's log-likelihood less the next institution's, in nats.
    margin: float = 0.0
    #: What the frames' best paths spell (greedy decoding), columns joined by " / ".
    greedy: str = ""

    @property
    def named(self) -> bool:
        """Whether the lines name their institution surely: close to the best path, clear of the next one."""
        return self.institution is not None and self.gap >= -MAX_GAP and self.margin >= MIN_MARGIN


@dataclass(frozen=True)
class _Title:
    institution: int
    language: Language
    words: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    """The listed titles as label sequences of one recogniser's alphabet, ready to score lines against.

    Built once per alphabet and list (:func:`build_lexicon`). Each row is a title from one of its words
    to its end; ``end_states[r]`` gives, for each later word boundary, the last extended-label state of the
    text up to there, so one forward pass scores every line that starts at that word.
    """

    institutions: tuple[Institution, ...]
    alphabet: tuple[str, ...]
    titles: tuple[_Title, ...]
    #: (row) -> (title index, first word)
    rows: tuple[tuple[int, int], ...]
    #: Class membership: classes x alphabet, 1 where the alphabet's character may stand for the class.
    classes: Any
    #: rows x states: the class each extended state emits (0 is blank).
    states: Any
    #: rows x states: whether state s may be entered from s-2 (a label after a different one).
    skip2: Any
    #: rows x states: whether state s may be entered from s-3 and s-4 (past an optional character).
    skip3: Any
    skip4: Any
    #: rows x word boundaries: the state of the last label of the text up to that boundary (-1: none).
    end_states: Any
    #: rows: the number of labels of the row's text.
    lengths: Any
    #: The rows from a title's first word, shortest first.
    heads: Any


def _variants(ch: str, alphabet: dict[str, int]) -> list[int]:
    """The alphabet's indices a title's character may be read as."""
    if ch in PUNCTUATION or ch in OPTIONAL:
        return [alphabet[c] for c in PUNCTUATION.get(ch, ch) if c in alphabet]
    base = unicodedata.normalize("NFKD", ch.casefold())[:1]
    return [i for c, i in alphabet.items()
            if len(c) == 1 and unicodedata.normalize("NFKD", c.casefold())[:1] == base and c.isalnum() == ch.isalnum()]


def build_lexicon(institutions: Sequence[Institution], alphabet: Sequence[str]) -> Lexicon:
    """The titles of ``institutions`` (both languages) in the recogniser's ``alphabet`` (index 0 blank)."""
    index = {c: i for i, c in enumerate(alphabet) if i != BLANK}
    titles = tuple(_Title(n, language, tuple(as_typeset(getattr(institution, language)).split()))
                   for n, institution in enumerate(institutions) for language in ("en", "fr"))
    class_of: dict[tuple[int, ...], int] = {(BLANK,): 0}
    members: dict[str, tuple[int, ...]] = {}  # a title's character -> its class's members (once each)
    rows: list[tuple[int, int]] = []
    sequences: list[list[int]] = []
    optional: list[list[bool]] = []
    ends: list[tuple[int, ...]] = []
    for t, title in enumerate(titles):
        for start in range(len(title.words)):
            labels: list[int] = []
            flags: list[bool] = []
            row_ends = []
            for w, word in enumerate(title.words[start:]):
                if w:
                    _append(" ", index, members, class_of, labels, flags)
                for ch in word:
                    _append(ch, index, members, class_of, labels, flags)
                row_ends.append(2 * len(labels) - 1)
            rows.append((t, start))
            sequences.append(labels)
            optional.append(flags)
            ends.append(tuple(row_ends))
    order = sorted(range(len(rows)), key=lambda r: len(sequences[r]))
    rows = [rows[r] for r in order]
    sequences = [sequences[r] for r in order]
    optional = [optional[r] for r in order]
    ends = [ends[r] for r in order]
    longest = max(len(s) for s in sequences)
    n_states = 2 * longest + 1
    states = np.zeros((len(rows), n_states), dtype=np.int32)
    skip2 = np.zeros((len(rows), n_states), dtype=bool)
    skip3 = np.zeros((len(rows), n_states), dtype=bool)
    skip4 = np.zeros((len(rows), n_states), dtype=bool)
    for r, (labels, flags) in enumerate(zip(sequences, optional, strict=True)):
        for k, label in enumerate(labels):
            s = 2 * k + 1
            states[r, s] = label
            skip2[r, s] = k > 0 and labels[k - 1] != label
            if k > 1 and flags[k - 1] and not flags[k]:
                skip3[r, s] = True
                skip4[r, s] = labels[k - 2] != label
    classes = np.zeros((len(class_of), len(alphabet)), dtype=np.float32)
    for chars, c in class_of.items():
        classes[c, list(chars)] = 1.0
    end_states = np.full((len(rows), max(len(e) for e in ends)), -1, dtype=np.int32)
    for r, boundaries in enumerate(ends):
        end_states[r, :len(boundaries)] = boundaries
    lengths = np.array([len(labels) for labels in sequences], dtype=np.int32)
    heads = np.array([r for r, (_, start) in enumerate(rows) if start == 0], dtype=np.int64)
    return Lexicon(tuple(institutions), tuple(alphabet), titles, tuple(rows), classes, states, skip2, skip3,
                   skip4, end_states, lengths, heads)


def _append(ch: str, index: dict[str, int], members: dict[str, tuple[int, ...]],
            class_of: dict[tuple[int, ...], int], labels: list[int], flags: list[bool]) -> None:
    if ch not in members:
        members[ch] = tuple(sorted(_variants(ch, index)))
    if not members[ch]:  # a character the recogniser cannot write at all: it reads as nothing
        return
    labels.append(class_of.setdefault(members[ch], len(class_of)))
    flags.append(ch in OPTIONAL)


def forward(lexicon: Lexicon, frames: np.ndarray, heads_only: bool = False) -> np.ndarray:
    """CTC log-likelihoods (Graves et al. 2006) of every row's text up to each of its word boundaries under
    ``frames`` (T x C probabilities): rows x boundaries, -inf where a boundary does not exist or cannot be
    reached in T frames. ``heads_only``: only the rows from a title's first word (a column's first line),
    the others -inf.

    The forward variables are kept as probabilities rescaled at every frame (Rabiner's scaling, as in
    Graves et al. 2006, section 4.1): one multiply-add pass per frame, the logs only at the end. Rows are
    taken in chunks of similar length (the lexicon is sorted so), each only as long as T frames can reach.
    """
    emission = np.maximum(frames @ lexicon.classes.T, FLOOR).astype(np.float64)  # T x classes
    out = np.full(lexicon.end_states.shape, -np.inf)
    reach = 2 * len(frames) + 1
    chosen = lexicon.heads if heads_only else np.arange(len(lexicon.rows))
    for lo in range(0, len(chosen), CHUNK):
        rows = chosen[lo:lo + CHUNK]
        used = min(reach, int(lexicon.lengths[rows[-1]]) * 2 + 1)
        out[rows] = _forward_chunk(lexicon, emission, rows, used)
    return out


#: Rows of the lexicon run through the forward pass together (a guess: large enough that numpy's per-call
#: cost is small, small enough that rows of one chunk are of about one length).
CHUNK = 96


def _forward_chunk(lexicon: Lexicon, emission: np.ndarray, rows: np.ndarray, used: int) -> np.ndarray:
    states = lexicon.states[rows, :used]
    n_rows = states.shape[0]
    padded = np.zeros((n_rows, used + 4))
    alpha = padded[:, 4:]
    alpha[:, 0] = emission[0, 0]
    if used > 1:
        alpha[:, 1] = emission[0, states[:, 1]]
    skip2 = lexicon.skip2[rows, :used].astype(np.float64)
    skip3 = lexicon.skip3[rows, :used].astype(np.float64)
    skip4 = lexicon.skip4[rows, :used].astype(np.float64)
    log_scale = np.zeros(n_rows)
    for t in range(1, len(emission)):
        total = padded[:, 4:] + padded[:, 3:-1] + skip2 * padded[:, 2:-2] + skip3 * padded[:, 1:-3] \
            + skip4 * padded[:, :-4]
        total *= emission[t][states]
        scale = np.maximum(total.max(axis=1, keepdims=True), 1e-300)
        padded[:, 4:] = total / scale
        log_scale += np.log(scale[:, 0])
    ends = lexicon.end_states[rows]
    found = (ends >= 0) & (ends + 1 < used)
    at = np.where(found, ends, 0)
    index = np.arange(n_rows)[:, None]
    final = alpha[index, at] + alpha[index, np.minimum(at + 1, used - 1)]
    out = np.full(ends.shape, -np.inf)
    with np.errstate(divide="ignore"):
        out[found] = (np.log(final) + log_scale[:, None])[found]
    return out


def best_path(frames: np.ndarray) -> float:
    """The log-probability of the frames' likeliest path, whatever string it spells (the unconstrained read)."""
    return float(np.log(np.maximum(frames.max(axis=1), FLOOR)).sum())


def greedy(frames: np.ndarray, alphabet: Sequence[str]) -> str:
    """The best path's string (CTC's greedy decoding: repeats merged, blanks dropped)."""
    best = frames.argmax(axis=1)
    keep = np.ones(len(best), dtype=bool)
    keep[1:] = best[1:] != best[:-1]
    return "".join(alphabet[i] for i in best[keep] if i != BLANK)


def match_columns(lexicon: Lexicon, columns: Sequence[Sequence[np.ndarray]]) -> LexiconMatch:
    """The listed institution whose titles best explain ``columns`` of text lines (left to right, each
    top to bottom, as per-frame probabilities): two columns are the two languages side by side, one
    column one title. Every title is broken between words over its column's lines in the likeliest way."""
    columns = [list(column) for column in columns[:2] if len(column)]
    if not columns or any(len(column) > MOST_LINES for column in columns):
        return LexiconMatch(None)
    scores = [[forward(lexicon, frames, heads_only=n == 0) for n, frames in enumerate(column)] for column in columns]
    row_of = {row: r for r, row in enumerate(lexicon.rows)}
    ranked: list[tuple[float, int, Language]] = []
    for n in range(len(lexicon.institutions)):
        en, fr = 2 * n, 2 * n + 1  # build_lexicon lists each institution's English then French title
        if len(columns) == 2:
            options = [(_set(lexicon, row_of, en, scores[0]) + _set(lexicon, row_of, fr, scores[1]), "en"),
                       (_set(lexicon, row_of, fr, scores[0]) + _set(lexicon, row_of, en, scores[1]), "fr")]
        else:
            options = [(_set(lexicon, row_of, en, scores[0]), "en"), (_set(lexicon, row_of, fr, scores[0]), "fr")]
        score, first = max(options, key=lambda option: option[0])
        ranked.append((score, n, first))  # type: ignore[arg-type]
    ranked.sort(key=lambda item: item[0], reverse=True)
    (best, n, first), runner_up = ranked[0], ranked[1][0]
    if not np.isfinite(best):
        return LexiconMatch(None)
    frames = [f for column in columns for f in column]
    unconstrained = sum(best_path(f) for f in frames)
    shown = " / ".join(" ".join(greedy(f, lexicon.alphabet) for f in column) for column in columns)
    return LexiconMatch(lexicon.institutions[n], first, (best - unconstrained) / sum(len(f) for f in frames),
                        best - runner_up if np.isfinite(runner_up) else float("inf"), shown)


def _set(lexicon: Lexicon, row_of: dict[tuple[int, int], int], title: int, lines: list[np.ndarray]) -> float:
    """The log-likelihood of ``title`` set over ``lines`` (its words broken over them the likeliest way)."""
    words = len(lexicon.titles[title].words)
    best = {0: 0.0}  # words placed on the lines so far -> the best log-likelihood
    for scores in lines:
        nxt: dict[int, float] = {}
        for placed, total in best.items():
            if placed == words:  # every word set, and a line left over
                continue
            row = row_of[(title, placed)]
            for more in range(1, words - placed + 1):
                value = total + float(scores[row, more - 1])
                if value > nxt.get(placed + more, -np.inf):
                    nxt[placed + more] = value
        best = nxt
    return best.get(words, -np.inf)
