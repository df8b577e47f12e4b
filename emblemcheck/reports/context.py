"""What every report format counts and carries: the summary of a scan and a folder scan's context."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..catalogue.coverage import Coverage
from ..i18n import _, french
from ..models import OBJECT_NAMES, FileResult, Finding
from ..scan.baseline import Accepted, BaselineEntry
from ..scan.results import Counts, Results
from ..scan.walk import Skip
from ..text import clock


@dataclass(frozen=True)
class ScanSummary:
    """Counts over a scan."""

    files: int
    flagged: int
    clean: int
    errors: int
    by_restriction: dict[str, int]


def summarise(results: Iterable[FileResult]) -> ScanSummary:
    """Count files by status and findings by restriction (:class:`Results` have counted already)."""
    if isinstance(results, Results):
        counts = results.counts
    else:
        counts = Counts()
        for result in results:
            counts.add(result)
    return ScanSummary(files=counts.files, flagged=counts.flagged, clean=counts.clean, errors=counts.errors,
                       by_restriction=dict(counts.by_restriction))


# --- folder scans: the extra facts a report of many files carries -------------


@dataclass(frozen=True)
class ScanContext:
    """What a folder scan adds to its results: skips, reuse, baseline decisions, pictures.

    ``previews`` maps a result's path to a JPEG of it with the match drawn;
    ``emblem_thumbnails`` maps an emblem id to a PNG from the catalogue.
    ``base`` is the folder paths are shown relative to. ``coverage`` says what
    the catalogue cannot find (``None``: not read).
    """

    skipped: Sequence[Skip] = ()
    unchanged: int = 0
    accepted: tuple[Accepted, ...] = ()
    unused_baseline: tuple[BaselineEntry, ...] | None = None
    previews: dict[str, bytes] = field(default_factory=dict)
    emblem_thumbnails: dict[str, bytes] = field(default_factory=dict)
    base: str = ""
    interrupted: bool = False
    coverage: Coverage | None = None
    #: Files that took the verdict of an original they are a verified copy of, and of identical bytes.
    inherited: int = 0
    deduplicated: int = 0
    #: Each catalogue emblem's French name by id, for reports in French (missing: the name as found).
    names_fr: dict[str, str] = field(default_factory=dict)

    def name(self, emblem_id: str, name: str) -> str:
        """An emblem's name in the language in force: its catalogue French name in French."""
        return self.names_fr.get(emblem_id) or name if french() else name

    def shown(self, path: str) -> str:
        """``path`` relative to :attr:`base` when inside it."""
        base = self.base.rstrip(os.sep) + os.sep if self.base else ""
        return path[len(base):] if base and path.startswith(base) else path


def context_summary(results: Iterable[FileResult], context: ScanContext) -> dict:
    """The counts every folder-scan format reports, in one place."""
    summary = summarise(results)
    return {
        "files": summary.files, "flagged": summary.flagged, "clean": summary.clean, "errors": summary.errors,
        "findings_by_restriction": summary.by_restriction, "skipped": len(context.skipped),
        "scanned_in_full": summary.files - summary.errors - context.unchanged - context.inherited
        - context.deduplicated,
        "inherited": context.inherited, "deduplicated": context.deduplicated,
        "unchanged": context.unchanged, "accepted": len(context.accepted),
        "unused_baseline": None if context.unused_baseline is None else len(context.unused_baseline),
        "interrupted": context.interrupted,
    }


def matched_as(finding: Finding) -> str:
    """What object a finding's rendering stood for ("an embroidered flash"); "" for flat artwork or unknown."""
    return object_name(finding.material)


def object_name(material: str, *, translated: bool = True) -> str:
    """The object a rendering's material stands for ("an embroidered flash"); "" for flat artwork or unknown."""
    if material not in OBJECT_NAMES or material == "flat":
        return ""
    return _(OBJECT_NAMES[material]) if translated else OBJECT_NAMES[material]


def whereabouts(finding: Finding) -> str:
    """Where in its file a finding is: "page 2", "0:16 to 0:28" in a video, "slide 3, ppt/media/image2.png"
    in an office document, "" in a picture."""
    return place(page=finding.page, member=finding.member, seconds=finding.seconds, last=finding.last_seconds)


def place(*, page: int | None, member: str | None, seconds: float | None, last: float | None = None) -> str:
    """A page, slide and member, or video time span, in the words reports use ("" when there is none)."""
    if member is not None:
        return member if page is None else _("slide {page}, {member}").format(page=page, member=member)
    if page is not None:
        return _("page {page}").format(page=page)
    if seconds is not None:
        last = last if last is not None else seconds
        return clock(seconds) if last == seconds else _("{start} to {end}").format(
            start=clock(seconds), end=clock(last))
    return ""
