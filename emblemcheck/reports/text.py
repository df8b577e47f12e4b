"""The human-readable report: what was found, where, why it matters, and the evidence.

Findings are grouped under each original upload with its copies listed; the
rule behind each finding is quoted once, at the end, and cited by number.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..models import FileResult, Finding, Restriction
from ..rules import Rule, rule, rules
from ..scan.wordpress import ResultGroup, group_results
from ..text import printable
from .context import ScanContext, context_summary, matched_as, whereabouts

#: Clean files are listed by name in scans of at most this many files (a few
#: named pictures); a folder's thousands of clean files are only counted.
LIST_CLEAN_UP_TO = 10


def why(rule_: Rule) -> str:
    """One paragraph: the quoted rule, where the quote comes from, and its current status."""
    dates = f", published {rule_.published}" if rule_.published else ""
    return (f"\"{rule_.quote}\" ({rule_.publisher}, {rule_.title}{dates}; {rule_.source}.) "
            f"{rule_.status}")


def finding_lines(finding: Finding, cited: dict[str, int]) -> list[str]:
    """The lines for one finding; its rule is numbered in ``cited`` (rule id -> note number)."""
    x, y, w, h = finding.box
    label = "information only" if finding.restriction is Restriction.PERMITTED else str(finding.restriction)
    place = whereabouts(finding)
    lines = [f"  {finding.emblem_id}: {finding.name} [{label}]",
             f"    where: {place + ', ' if place else ''}x={x} y={y} width={w} height={h}"]
    if finding.distance is not None and finding.threshold is not None:
        evidence = f"{finding.method} distance {finding.distance:g} <= threshold {finding.threshold:g}"
    elif finding.inliers:
        evidence = f"{finding.method}, {finding.inliers} matching points"
    else:  # the region path compares shape and colours, it has no matched points
        evidence = f"{finding.method}, outline and colours like the catalogue artwork"
    lines.append(f"    evidence: {evidence}, score {finding.score:.2f}")
    if matched_as(finding):
        lines.append(f"    matched as {matched_as(finding)}")
    rule_ = rule(finding.rule)
    if rule_ is not None:
        number = cited.setdefault(rule_.id, len(cited) + 1)
        lines.append(f"    why: {rule_.title} [{number}]")
    return lines


def _group_lines(group: ResultGroup, context: ScanContext, cited: dict[str, int]) -> list[str]:
    head = context.shown(group.original)
    missing = "" if group.present else " (original not in the folder; found through its copies)"
    lines = [f"{head}: FLAGGED{missing}"]
    lines.extend(f"  note: {printable(m.note)}" for m in group.members if m.note and m is group.head)
    for finding in group.findings:
        lines.extend(finding_lines(finding, cited))
    for copy in group.copies:
        note = f"; {copy.note}" if copy.note else ""
        lines.append(f"  copy: {context.shown(copy.path)} ({copy.status}, {how_scanned(copy, context)}{note})")
    return lines


def how_scanned(result: FileResult, context: ScanContext) -> str:
    """How a file got its verdict: scanned in full, or inherited from which file."""
    if result.inherited_as == "derived":
        return f"inherited from {printable(context.shown(result.inherited_from))}, a verified copy of it"
    if result.inherited_as == "identical":
        return f"inherited from {printable(context.shown(result.inherited_from))}, the same bytes"
    return "scanned in full"


def render(results: Sequence[FileResult], catalogue_version: str, context: ScanContext) -> str:
    """Flagged originals with their copies, then errors and skips with their reasons, the rules, the counts."""
    lines: list[str] = []
    cited: dict[str, int] = {}
    for group in group_results(results):
        if group.status == "flagged":
            lines.extend(_group_lines(group, context, cited))
    listed = len(results) <= LIST_CLEAN_UP_TO
    for r in results:  # a partly scanned clean file is always listed, with what was left out
        if r.status == "clean" and (listed or r.note):
            note = f" ({r.note})" if r.note else ""
            lines.append(f"{context.shown(r.path)}: clean{note}")
    for result in results:
        if result.status == "error":
            lines.append(f"{context.shown(result.path)}: ERROR {printable(result.error)}")
    for skip in context.skipped:
        lines.append(f"{printable(context.shown(skip.path))}: skipped, {printable(skip.reason)}")
    for accepted in context.accepted:
        lines.append(f"{context.shown(accepted.path)}: {accepted.emblem_id} accepted by the baseline "
                     f"({printable(accepted.reason)})")
    for entry in context.unused_baseline or ():
        lines.append(f"unused baseline entry: {entry.emblem_id} in {entry.sha256[:12]}… "
                     f"(was {entry.example_path or 'unknown path'})")
    if cited:
        lines.append("Why it matters:")
        lines.extend(f"  [{number}] {why(rules()[rule_id])}" for rule_id, number in cited.items())
    lines.extend(coverage_lines(context))
    lines.append(summary_line(results, context))
    return "\n".join(lines) + "\n"


def coverage_lines(context: ScanContext) -> list[str]:
    """The catalogue entries this scan cannot find, each with why and the fix; none when it can find them all."""
    if not context.coverage or not context.coverage.gaps:
        return []
    return [f"This scan {context.coverage.headline()}:",
            *(f"  {g.emblem_id} ({g.name}): {g.reason}" for g in context.coverage.gaps)]


def summary_line(results: Sequence[FileResult], context: ScanContext) -> str:
    """One line of counts: files, flagged, clean, errors, then skipped, how many were scanned in full and how
    many took another file's verdict (inherited, identical, unchanged) when any did, and accepted findings."""
    c = context_summary(results, context)
    line = f"{c['files']} file(s): {c['flagged']} flagged, {c['clean']} clean, {c['errors']} error(s)"
    if c["skipped"]:
        line += f"; {c['skipped']} skipped"
    reuse = [f"{c['inherited']} inherited from their originals (verified copies)" if c["inherited"] else "",
             f"{c['deduplicated']} identical to another file (scanned once)" if c["deduplicated"] else "",
             f"{c['unchanged']} unchanged since the last scan (not re-read)" if c["unchanged"] else ""]
    if any(reuse):
        line += "; " + ", ".join([f"{c['scanned_in_full']} scanned in full", *filter(None, reuse)])
    if c["accepted"]:
        line += f"; {c['accepted']} finding(s) accepted by the baseline"
    if context.interrupted:
        line += "; INTERRUPTED: the next scan resumes where this one stopped"
    return line
