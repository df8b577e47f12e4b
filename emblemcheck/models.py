"""Values passed between the core and the edges. All frozen."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal, get_args

from .i18n import N_


class Restriction(str, enum.Enum):
    """How an emblem may be used in a public servant's personal posts.

    Ordered: ``PERMITTED < CAUTION < RESTRICTED`` so ``--fail-on`` can compare.
    """

    PERMITTED = "permitted"
    CAUTION = "caution"
    RESTRICTED = "restricted"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __str__(self) -> str:  # "restricted", not "Restriction.RESTRICTED"
        return self.value


_RANK = {Restriction.PERMITTED: 0, Restriction.CAUTION: 1, Restriction.RESTRICTED: 2}

Kind = Literal["signature", "wordmark", "coat-of-arms", "shield", "badge", "flash", "flag", "other"]
KINDS: tuple[Kind, ...] = get_args(Kind)

#: Where a catalogue entry comes from: the shipped manifest, or the user's ``catalogue add``.
Origin = Literal["manifest", "user"]

Status = Literal["flagged", "clean", "error"]

Inheritance = Literal["derived", "identical"]

#: [x, y, width, height] in the scanned image's own pixels.
Box = tuple[int, int, int, int]
#: Four (x, y) corners of the matched outline, clockwise from the reference's top-left.
Outline = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Emblem:
    """One catalogued emblem and the facts that explain why it matters."""

    id: str
    name: str
    agency: str
    kind: Kind
    restriction: Restriction
    name_fr: str = ""
    rule: str = ""
    basis: str = ""
    blazon: str = ""
    granted: str = ""
    source: str = ""
    licence: str = ""
    notes: str = ""
    origin: Origin = "manifest"


#: What a rendering's material says it stands for, as reports word it ("matched as an embroidered flash").
OBJECT_NAMES: dict[str, str] = {  # marked for translation; reports translate them where they are shown
    "flat": N_("the flat artwork"), "embroidered": N_("an embroidered flash"), "woven": N_("a woven patch"),
    "metal": N_("a metal badge"), "enamel": N_("an enamel pin"),
}


@dataclass(frozen=True)
class Rendering:
    """One artwork variant of an emblem, flattened to RGB, with its fingerprints."""

    id: str
    emblem_id: str
    variant: str
    width: int
    height: int
    phash: str
    dhash: str
    pdq: str
    pdq_quality: int
    pdq_dihedral: tuple[str, ...] = ()
    #: What it stands for: "flat" artwork, or an object (embroidered, woven, metal, enamel; engine/materials.py).
    material: str = "flat"


@dataclass(frozen=True)
class Finding:
    """A catalogued emblem found in an image, with the evidence for it."""

    emblem_id: str
    name: str
    restriction: Restriction
    score: float
    method: str
    box: Box
    rendering_id: str = ""
    rule: str = ""
    distance: float | None = None
    threshold: float | None = None
    outline: Outline | None = None
    inliers: int | None = None
    #: The 1-based page it is on in a paged file (PDF, multi-page TIFF); ``None`` in a picture.
    page: int | None = None
    #: In a video: the first and the last time it was seen, in seconds (the box is the first sighting's).
    seconds: float | None = None
    last_seconds: float | None = None
    #: In an office document: the zip member (the embedded picture) it is in, its box in that picture's
    #: pixels; ``page`` is then the slide showing the picture, if the document is a slide deck.
    member: str | None = None
    #: Beside a flag symbol: the title as OCR read it ("" when none was read), the listed institution
    #: it names ("CBSA: Canada Border Services Agency / Agence des services frontaliers du Canada"),
    #: and why it was not named ("title not recognised", an OCR failure, a caption that is no title).
    title: str = ""
    institution: str = ""
    title_note: str = ""
    #: The material of the rendering that matched: "flat" artwork, or the object it was seen as
    #: ("embroidered", "woven", "metal", "enamel"); "" when unknown (results recorded before it was).
    material: str = ""


@dataclass(frozen=True)
class FileResult:
    """The verdict on one input file."""

    path: str
    status: Status
    sha256: str = ""
    error: str = ""
    width: int = 0
    height: int = 0
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    #: For a clean file: the closest catalogue rendering that fell short of the
    #: thresholds (score below 0.5), worth a look when a known logo was missed.
    near_miss: Finding | None = None
    #: What was left unscanned on purpose, e.g. the pages of a PDF beyond its page limit; "" when all was.
    note: str = ""
    #: For an error: it is a fault of emblemcheck itself (a bug met while scanning), not of the file.
    internal: bool = False
    #: The file whose verdict this one took instead of being scanned, and how:
    #: ``derived`` (a verified WordPress copy of it, boxes mapped) or
    #: ``identical`` (the same bytes, scanned once in this run).
    inherited_from: str = ""
    inherited_as: Inheritance | None = None

    @property
    def worst(self) -> Restriction | None:
        """The most serious restriction among the findings, if any."""
        if not self.findings:
            return None
        return max((f.restriction for f in self.findings), key=lambda r: r.rank)
