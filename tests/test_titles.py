"""Reading a signature's title: zones, columns, matching what OCR read against the institutions."""

from __future__ import annotations

import pytest

from emblemcheck.catalogue.institutions import load_institutions
from emblemcheck.engine.titles import (
    TextLine,
    is_title_like,
    match_title,
    normalise,
    runs_off,
    title_columns,
    title_zones,
)

INSTITUTIONS = load_institutions()
SYMBOL = (10, 20, 62, 30)  # x, y, width, height of a flag symbol 30 px tall


def column(x: int, *texts: str) -> list[TextLine]:
    """A column of OCR lines starting at ``x``, one per text, 12 px tall, 14 px apart."""
    return [TextLine(text, (x, 22 + 14 * n, 9 * len(text), 12)) for n, text in enumerate(texts)]


def test_normalise_ignores_case_accents_apostrophes_and_hyphens():
    assert normalise("Agence canadienne d\u2019inspection") == normalise("AGENCE CANADIENNE D'INSPECTION")
    assert normalise("Crown\u2011Indigenous") == normalise("Crown-Indigenous") == "crownindigenous"
    assert normalise("Développement économique") == "developpementeconomique"


def test_zones_lie_beside_and_below_the_symbol_within_the_picture():
    beside, stacked = title_zones(SYMBOL, (200, 400, 3))
    assert beside.form == "beside" and stacked.form == "stacked"
    assert beside.box[0] == 72 and beside.box[1] <= 20 and beside.box[1] + beside.box[3] >= 50
    assert beside.box[0] + beside.box[2] <= 400  # clipped to the picture
    assert stacked.box[1] == 50


def test_a_menu_far_right_of_the_title_is_not_part_of_it():
    lines = column(84, "Canada Border", "Services Agency") + column(260, "Agence des services", "frontaliers du Canada")
    menu = column(900, "Services")
    columns = title_columns(lines + menu, SYMBOL)
    assert [c[0].text for c in columns] == ["Canada Border", "Agence des services"]


@pytest.mark.parametrize(("columns", "expected", "first"), [
    ((["Canada Border", "Services Agency"], ["Agence des services", "frontaliers du Canada"]), "fip-signature-cbsa",
     "en"),
    # What RapidOCR reads: accents dropped, spaces lost, letters confused.
    ((["Sante Canada"], ["HeaIth Canada"]), "fip-signature-hc", "fr"),
    ((["StatisticsCanada"], ["Statistique Canada"]), "fip-signature-statcan", "en"),
    ((["Imm igration, Refug ie: etcitoyennetd Cansds"], ["Immigration,Refugee: snd citicenahipCanads"]),
     "fip-signature-ircc", "fr"),
    ((["Gouvernement", "du Canada"], ["Government", "of Canada"]), "gc-signature-fr", "fr"),
    ((["Government", "of Canada"], ["Gouvernement", "du Canada"]), "gc-signature-en", "en"),
    # OCR ran the two columns together.
    ((["Transport Canada Transports Canada"],), "fip-signature-tc", "en"),
])
def test_titles_read_with_ocr_errors_name_the_institution_and_the_language_on_the_left(columns, expected, first):
    lines = [column(84 + 300 * n, *texts) for n, texts in enumerate(columns)]
    found = match_title(lines, INSTITUTIONS)
    assert found.institution is not None, found
    assert found.institution.entry(found.first) == expected
    assert found.first == first


def test_an_unlisted_title_is_title_like_but_names_no_institution():
    found = match_title([column(84, "Ministry of Silly", "Walks Office")], INSTITUTIONS)
    assert found.institution is None and found.title_like and found.is_signature


@pytest.mark.parametrize("caption", ["Happy Canada Day!", "Proud to be Canadian", "Canada Day 2025",
                                     "Bonne fête du Canada !", "Our trip to Ottawa"])
def test_a_caption_is_not_a_title(caption):
    found = match_title([column(84, caption)], INSTITUTIONS)
    assert not found.is_signature, found


def test_two_columns_naming_canada_read_as_a_bilingual_title():
    assert is_title_like(["Destination Canada", "Destination Canada"])
    assert not is_title_like(["Destination Canada"])


def test_nothing_read_is_nothing_matched():
    found = match_title([], INSTITUTIONS)
    assert found.text == "" and not found.is_signature


def test_a_title_read_too_short_to_tell_two_institutions_apart_names_neither():
    # FedNor's and FedDev Ontario's French titles differ only after "pour le" ("Nord" / "Sud").
    cut = match_title([column(84, "Agence federale de developpementeconomique pour le")], INSTITUTIONS)
    assert cut.institution is None and cut.title_like and cut.is_signature
    whole = match_title([column(84, "Agence federale de developpement economique pour le Nord de l'Ontario")],
                        INSTITUTIONS)
    assert whole.institution is not None and whole.institution.entry(whole.first) == "fip-signature-fednor"


def test_a_line_running_to_the_zones_edge_may_go_on_beyond_it():
    beside = title_zones(SYMBOL, (200, 2000, 3))[0]
    right = beside.box[0] + beside.box[2]
    assert runs_off([TextLine("Agence federale", (84, 22, right - 90, 12))], beside.box, SYMBOL, 2000)
    assert not runs_off([TextLine("Sante Canada", (84, 22, 120, 12))], beside.box, SYMBOL, 2000)
    # A zone that ends at the picture's edge has nothing beyond it to read.
    assert not runs_off([TextLine("Agence federale", (84, 22, right - 90, 12))], beside.box, SYMBOL, right)
    assert title_zones(SYMBOL, (200, 2000, 3), 32.0)[0].box[2] > beside.box[2]


def test_the_ctc_forward_pass_sums_every_alignment_of_each_line():
    """lexicon.forward is CTC's likelihood (Graves et al. 2006): checked against the sum over all paths."""
    import itertools

    import numpy as np

    from emblemcheck.engine.lexicon import build_lexicon, forward
    from emblemcheck.engine.titles import Institution

    alphabet = ("blank", "a", "b", " ")
    institution = Institution(id="x", abbr="X", en="ab a", fr="b")
    lexicon = build_lexicon([institution], alphabet)
    rng = np.random.default_rng(1)
    frames = rng.dirichlet(np.ones(4), size=5).astype(np.float32)

    def brute(target: str, optional_space: bool) -> float:
        total = 0.0
        for path in itertools.product(range(4), repeat=len(frames)):
            collapsed = [c for n, c in enumerate(path) if c != 0 and (n == 0 or c != path[n - 1])]
            text = "".join(alphabet[c] for c in collapsed)
            if text == target or (optional_space and text == target.replace(" ", "")):
                total += float(np.prod([frames[t, c] for t, c in enumerate(path)]))
        return float(np.log(total))

    scores = forward(lexicon, frames)
    row = lexicon.rows.index((0, 0))  # the English title from its first word: "ab", then "ab a"
    assert abs(scores[row, 0] - brute("ab", False)) < 1e-4
    assert abs(scores[row, 1] - brute("ab a", True)) < 1e-4  # the space may be read or not
