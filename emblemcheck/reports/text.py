"""The human-readable report: what was found, where, why it matters, and the evidence.

Findings are grouped under each original upload with its copies listed; the
rule behind each finding is quoted once, at the end, and cited by number.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..i18n import _, french
from ..models import FileResult, Finding, Restriction
from ..rules import Rule, rule, rules
from ..scan.results import Results
from ..scan.wordpress import ResultGroup
from ..text import printable
from .context import ScanContext, context_summary, matched_as, whereabouts

#: Clean files are listed by name in scans of at most this many files (a few
#: named pictures); a folder's thousands of clean files are only counted.
LIST_CLEAN_UP_TO = 10


def why(rule_: Rule) -> str:
    """One paragraph: the quoted rule, where the quote comes from, and its current status."""
    rule_ = rule_.localised()
    dates = _(", published {date}").format(date=rule_.published) if rule_.published else ""
    quote = _("\"{quote}\"").format(quote=rule_.quote)
    if french() and not rule_.quote_fr:
        quote += " " + _("(quoted in English: emblemcheck knows no sourced French text of it)")
    return f"{quote} ({rule_.publisher}, {rule_.title}{dates}; {rule_.source}.) {rule_.status}"


def restriction_label(restriction: Restriction) -> str:
    """How a report names a restriction: "restricted", "caution", "information only" (translated)."""
    return {Restriction.PERMITTED: _("information only"), Restriction.CAUTION: _("caution"),
            Restriction.RESTRICTED: _("restricted")}[restriction]


def title_evidence(finding: Finding) -> str:
    """What was read beside a flag symbol and what it names: ``read "Canada Border ..."; names CBSA: ...``."""
    if not (finding.title or finding.title_note):
        return ""
    parts = [_("read \"{title}\"").format(title=printable(finding.title)) if finding.title else ""]
    parts.append(_("names {institution}").format(institution=printable(finding.institution))
                 if finding.institution else printable(finding.title_note))
    return "; ".join(p for p in parts if p)


def finding_lines(finding: Finding, cited: dict[str, int], context: ScanContext | None = None) -> list[str]:
    """The lines for one finding; its rule is numbered in ``cited`` (rule id -> note number)."""
    x, y, w, h = finding.box
    label = restriction_label(finding.restriction)
    place = whereabouts(finding)
    name = context.name(finding.emblem_id, finding.name) if context else finding.name
    lines = [f"  {finding.emblem_id}: {name} [{label}]",
             _("    where: {place}x={x} y={y} width={w} height={h}").format(
                 place=place + ", " if place else "", x=x, y=y, w=w, h=h)]
    if finding.title or finding.title_note:
        evidence = _("{method}, the flag symbol with the text beside it read by OCR").format(method=finding.method)
    elif finding.distance is not None and finding.threshold is not None:
        evidence = _("{method} distance {distance:g} <= threshold {threshold:g}").format(
            method=finding.method, distance=finding.distance, threshold=finding.threshold)
    elif finding.inliers:
        evidence = _("{method}, {inliers} matching points").format(method=finding.method, inliers=finding.inliers)
    else:  # the region path compares shape and colours, it has no matched points
        evidence = _("{method}, outline and colours like the catalogue artwork").format(method=finding.method)
    lines.append(_("    evidence: {evidence}, score {score:.2f}").format(evidence=evidence, score=finding.score))
    if title := title_evidence(finding):
        lines.append(_("    title: {title}").format(title=title))
    if matched_as(finding):
        lines.append(_("    matched as {object}").format(object=matched_as(finding)))
    rule_ = rule(finding.rule)
    if rule_ is not None:
        number = cited.setdefault(rule_.id, len(cited) + 1)
        lines.append(_("    why: {title} [{number}]").format(title=rule_.localised().title, number=number))
    return lines


def _group_lines(group: ResultGroup, context: ScanContext, cited: dict[str, int]) -> list[str]:
    head = context.shown(group.original)
    missing = "" if group.present else _(" (original not in the folder; found through its copies)")
    lines = [_("{path}: FLAGGED{missing}").format(path=head, missing=missing)]
    lines.extend(_("  note: {note}").format(note=printable(m.note)) for m in group.members
                 if m.note and m is group.head)
    for finding in group.findings:
        lines.extend(finding_lines(finding, cited, context))
    for copy in group.copies:
        note = f"; {copy.note}" if copy.note else ""
        lines.append(_("  copy: {path} ({status}, {how}{note})").format(
            path=context.shown(copy.path), status=status_label(copy.status), how=how_scanned(copy, context),
            note=note))
    return lines


def how_scanned(result: FileResult, context: ScanContext) -> str:
    """How a file got its verdict: scanned in full, or inherited from which file."""
    if result.inherited_as == "derived":
        return _("inherited from {path}, a verified copy of it").format(
            path=printable(context.shown(result.inherited_from)))
    if result.inherited_as == "identical":
        return _("inherited from {path}, the same bytes").format(path=printable(context.shown(result.inherited_from)))
    return _("scanned in full")


def status_label(status: str) -> str:
    """A file's status as a report shows it: flagged, clean or error (translated)."""
    return {"flagged": _("flagged"), "clean": _("clean"), "error": _("error")}.get(status, status)


def render(results: Results, catalogue_version: str, context: ScanContext) -> Iterator[str]:
    """Flagged originals with their copies, then errors and skips with their reasons, the rules, the counts;
    line by line."""
    cited: dict[str, int] = {}
    for group in results.groups(only="flagged"):
        yield from _ended(_group_lines(group, context, cited))
    # A partly scanned clean file is always listed, with what was left out.
    for r in results.where(status="clean", noted=len(results) > LIST_CLEAN_UP_TO):
        note = f" ({r.note})" if r.note else ""
        yield _("{path}: clean{note}").format(path=context.shown(r.path), note=note) + "\n"
    for result in results.where(status="error"):
        yield _("{path}: ERROR {reason}").format(path=context.shown(result.path),
                                                 reason=printable(result.error)) + "\n"
    for skip in context.skipped:
        yield _("{path}: skipped, {reason}").format(path=printable(context.shown(skip.path)),
                                                    reason=printable(skip.reason)) + "\n"
    for accepted in context.accepted:
        yield _("{path}: {emblem} accepted by the baseline ({reason})").format(
            path=context.shown(accepted.path), emblem=accepted.emblem_id, reason=printable(accepted.reason)) + "\n"
    for entry in context.unused_baseline or ():
        yield _("unused baseline entry: {emblem} in {sha}… (was {path})").format(
            emblem=entry.emblem_id, sha=entry.sha256[:12], path=entry.example_path or _("unknown path")) + "\n"
    if cited:
        yield _("Why it matters:") + "\n"
        yield from _ended(f"  [{number}] {why(rules()[rule_id])}" for rule_id, number in cited.items())
    yield from _ended(coverage_lines(context))
    yield summary_line(results, context) + "\n"


def _ended(lines: Iterable[str]) -> Iterator[str]:
    return (line + "\n" for line in lines)


def coverage_lines(context: ScanContext) -> list[str]:
    """The catalogue entries this scan cannot find, each with why and the fix; none when it can find them all."""
    if not context.coverage or not context.coverage.gaps:
        return []
    return [_("This scan {headline}:").format(headline=context.coverage.headline()),
            *(f"  {g.emblem_id} ({context.name(g.emblem_id, g.name)}): {g.reason}" for g in context.coverage.gaps)]


def summary_line(results: Iterable[FileResult], context: ScanContext) -> str:
    """One line of counts: files, flagged, clean, errors, then skipped, how many were scanned in full and how
    many took another file's verdict (inherited, identical, unchanged) when any did, and accepted findings."""
    c = context_summary(results, context)
    line = _("{files} file(s): {flagged} flagged, {clean} clean, {errors} error(s)").format(**c)
    if c["skipped"]:
        line += _("; {skipped} skipped").format(**c)
    reuse = [_("{inherited} inherited from their originals (verified copies)").format(**c) if c["inherited"] else "",
             _("{deduplicated} identical to another file (scanned once)").format(**c) if c["deduplicated"] else "",
             _("{unchanged} unchanged since the last scan (not re-read)").format(**c) if c["unchanged"] else ""]
    if any(reuse):
        line += "; " + ", ".join([_("{scanned_in_full} scanned in full").format(**c), *filter(None, reuse)])
    if c["accepted"]:
        line += _("; {accepted} finding(s) accepted by the baseline").format(**c)
    if context.interrupted:
        line += _("; INTERRUPTED: the next scan resumes where this one stopped")
    return line
