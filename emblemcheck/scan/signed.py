"""Signatures in a scan: the engine's decided flag symbols as findings with the title read as evidence."""

from __future__ import annotations

from ..catalogue.institutions import GENERIC_ID, from_json
from ..catalogue.store import Catalogue
from ..engine.ocr import alphabet, line_frames, missing_engine, read_lines
from ..engine.signatures import Signature, SignatureReader, Speller
from ..models import Finding

METHOD = "flag-symbol-title-ocr"


def signature_reader(catalogue: Catalogue) -> SignatureReader:
    """The reader for ``catalogue``'s institutions; inert for a catalogue built before signatures
    were catalogued, or without the OCR engine (the scan's start says so, see :func:`missing_engine`)."""
    ready = GENERIC_ID in catalogue.emblems and catalogue.institutions and not missing_engine()
    if not ready:
        return SignatureReader((), None)
    institutions = from_json(catalogue.institutions)
    return SignatureReader(institutions, read_lines, Speller(institutions, line_frames, alphabet))


def signed(catalogue: Catalogue, signature: Signature, scale: float) -> Finding:
    """A decided symbol as a finding, its box in the original's pixels (``scale`` per working pixel)."""
    emblem = catalogue.emblem(signature.emblem_id)
    x, y, w, h = (round(v * scale) for v in signature.box)
    score = 1.0 if signature.institution is not None else 0.9
    outline = ((float(x), float(y)), (float(x + w), float(y)), (float(x + w), float(y + h)),
               (float(x), float(y + h)))
    return Finding(emblem_id=emblem.id, name=emblem.name, restriction=emblem.restriction, score=score,
                   method=METHOD, box=(x, y, w, h), rule=emblem.rule, outline=outline, title=signature.title,
                   institution=signature.evidence, title_note=signature.note)
