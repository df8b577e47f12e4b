"""What a scan cannot find: catalogue entries without usable artwork, each with its reason and the fix.

Every report says it once, so a clean verdict on a photo of a CBSA shoulder
flash is not read as "no emblem here" while the catalogue has no artwork of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..i18n import _
from . import store
from .institutions import GENERIC_ID, STRUCTURE_STATE


@dataclass(frozen=True)
class Gap:
    """A catalogue entry a scan cannot find, or finds only when it fills the whole picture."""

    emblem_id: str
    name: str
    reason: str
    #: Artwork is there but too weak to be found inside a larger picture.
    whole_picture_only: bool = False


@dataclass(frozen=True)
class Coverage:
    """The catalogue a scan used: its version and what it cannot find."""

    version: str
    gaps: tuple[Gap, ...] = ()

    @property
    def undetectable(self) -> tuple[str, ...]:
        """Ids of the entries no scan can find: they have no usable artwork."""
        return tuple(g.emblem_id for g in self.gaps if not g.whole_picture_only)

    @property
    def whole_picture_only(self) -> tuple[str, ...]:
        """Ids of the entries found only as a whole picture, never inside a larger one."""
        return tuple(g.emblem_id for g in self.gaps if g.whole_picture_only)

    def headline(self) -> str:
        """What ``scan`` cannot find, counted: ``"cannot find 4 catalogue entries, and finds 1 ..."``."""
        parts = []
        if self.undetectable:
            parts.append(_("cannot find {entries}").format(entries=entries(len(self.undetectable))))
        if self.whole_picture_only:
            parts.append(_("finds {entries} only as the whole picture, not inside a larger one").format(
                entries=entries(len(self.whole_picture_only))))
        return _(", and ").join(parts)


def entries(count: int) -> str:
    """``"1 catalogue entry"``, ``"5 catalogue entries"``."""
    return (_("1 catalogue entry") if count == 1 else _("{count} catalogue entries")).format(count=count)


def coverage(catalogue_db: Path) -> Coverage:
    """The gaps of the catalogue at ``catalogue_db``, in catalogue order."""
    gaps = tuple(g for row in store.detectability(catalogue_db) if (g := _gap(row)))
    return Coverage(store.build_facts(catalogue_db).get("version", ""), gaps)


def _gap(row: dict) -> Gap | None:
    emblem_id, artwork = row["id"], row["artwork"]
    if artwork == STRUCTURE_STATE or emblem_id == GENERIC_ID:
        return None  # found by the flag symbol's structure and the title beside it, not by artwork
    add = f"`emblemcheck catalogue add FILE --id {emblem_id}`"
    if artwork == "needs artwork" or (artwork == "ready" and not row["renderings"]):
        return Gap(emblem_id, row["name"], _("no artwork attached: attach the official file with {add} "
                                             "or import a brand kit with `emblemcheck catalogue import DIR`"
                                             ).format(add=add))
    if artwork.startswith("unavailable"):
        detail = artwork.partition(":")[2].strip() or _("the artwork could not be obtained")
        return Gap(emblem_id, row["name"], _("artwork unavailable ({detail}): run `emblemcheck catalogue build` "
                                             "again, or attach the official file with {add}").format(
                                                 detail=detail, add=add))
    if not row["detectable"]:
        # The warning (engine.features.detectability_warning) already says only whole-image copies are found.
        weak = row["warning"] or _("found only when it fills the picture, not inside a larger one")
        return Gap(emblem_id, row["name"], _("{weak}; attach a larger, more detailed file with {add}").format(
            weak=weak, add=add),
                   whole_picture_only=True)
    return None
