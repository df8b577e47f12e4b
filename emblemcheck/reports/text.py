"""The human-readable report: what was found, where, why it matters, and the evidence."""

from __future__ import annotations

from collections.abc import Sequence

from ..models import FileResult, Finding, Restriction
from ..rules import Rule, rule


def printable(text: str) -> str:
    """Escape control characters (newlines in file names) and undecodable bytes for a terminal."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape", "backslashreplace").decode("ascii")
                   for ch in text)


def why(rule_: Rule) -> str:
    """One paragraph: the quoted rule, where the quote comes from, and its current status."""
    dates = f", published {rule_.published}" if rule_.published else ""
    return (f"\"{rule_.quote}\" ({rule_.publisher}, {rule_.title}{dates}; {rule_.quoted_from}.) "
            f"{rule_.status}")


def _finding_lines(finding: Finding) -> list[str]:
    x, y, w, h = finding.box
    label = "information only" if finding.restriction is Restriction.PERMITTED else str(finding.restriction)
    lines = [f"  {finding.emblem_id}: {finding.name} [{label}]",
             f"    where: x={x} y={y} width={w} height={h}"]
    if finding.distance is not None and finding.threshold is not None:
        evidence = f"{finding.method} distance {finding.distance:g} <= threshold {finding.threshold:g}"
    else:
        evidence = f"{finding.method}, {finding.inliers or 0} matching points"
    lines.append(f"    evidence: {evidence}, score {finding.score:.2f}")
    rule_ = rule(finding.rule)
    if rule_ is not None:
        lines.append(f"    why: {why(rule_)}")
    return lines


def file_lines(result: FileResult) -> list[str]:
    """The lines for one file."""
    name = printable(result.path)
    if result.status == "error":
        return [f"{name}: ERROR {printable(result.error)}"]
    if result.status == "clean":
        return [f"{name}: clean"]
    lines = [f"{name}: FLAGGED"]
    for finding in result.findings:
        lines.extend(_finding_lines(finding))
    return lines


def render(results: Sequence[FileResult], summary, catalogue_version: str = "") -> str:
    """The whole text report, ending with a one-line summary."""
    lines = [line for result in results for line in file_lines(result)]
    lines.append(f"{summary.files} file(s): {summary.flagged} flagged, {summary.clean} clean, "
                 f"{summary.errors} error(s)")
    return "\n".join(lines) + "\n"
