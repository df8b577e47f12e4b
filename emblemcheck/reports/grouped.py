"""Text and JSON reports of a folder scan: findings grouped under each original upload."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..models import FileResult
from ..walk import printable
from ..wordpress import ResultGroup, group_results
from . import ScanContext, context_summary, summarise
from . import json as json_report
from .text import _finding_lines


def _group_lines(group: ResultGroup, context: ScanContext) -> list[str]:
    head = printable(context.shown(group.original))
    missing = "" if group.present else " (original not in the folder; found through its copies)"
    lines = [f"{head}: FLAGGED{missing}"]
    for finding in group.findings:
        lines.extend(_finding_lines(finding))
    for copy in group.copies:
        lines.append(f"  copy: {printable(context.shown(copy.path))} ({copy.status})")
    return lines


def render(results: Sequence[FileResult], catalogue_version: str, context: ScanContext) -> str:
    """Flagged originals with their copies, then every error and skip with its reason, then the counts."""
    lines: list[str] = []
    for group in group_results(results):
        if group.status == "flagged":
            lines.extend(_group_lines(group, context))
    for result in results:
        if result.status == "error":
            lines.append(f"{printable(context.shown(result.path))}: ERROR {printable(result.error)}")
    for skip in context.skipped:
        lines.append(f"{printable(context.shown(skip.path))}: skipped, {printable(skip.reason)}")
    for accepted in context.accepted:
        lines.append(f"{printable(context.shown(accepted.path))}: {accepted.emblem_id} accepted by the baseline "
                     f"({printable(accepted.reason)})")
    for entry in context.unused_baseline or ():
        lines.append(f"unused baseline entry: {entry.emblem_id} in {entry.sha256[:12]}… "
                     f"(was {printable(entry.example_path) or 'unknown path'})")
    lines.append(summary_line(results, context))
    return "\n".join(lines) + "\n"


def summary_line(results: Sequence[FileResult], context: ScanContext) -> str:
    """One line of counts: files, flagged, clean, errors, skipped, unchanged."""
    c = context_summary(results, context)
    line = (f"{c['files']} file(s): {c['flagged']} flagged, {c['clean']} clean, {c['errors']} error(s); "
            f"{c['skipped']} skipped; {c['unchanged']} unchanged since the last scan (not re-read)")
    if c["accepted"]:
        line += f"; {c['accepted']} finding(s) accepted by the baseline"
    if context.interrupted:
        line += "; INTERRUPTED: the next scan resumes where this one stopped"
    return line


def document(results: Sequence[FileResult], catalogue_version: str, context: ScanContext) -> dict:
    """The JSON report (data/scan-output.schema.json) with the folder scan's extra keys."""
    doc = json_report.document(results, summarise(results), catalogue_version)
    doc["summary"].update({k: v for k, v in context_summary(results, context).items() if k not in doc["summary"]})
    doc["groups"] = [
        {"original": g.original, "original_present": g.present, "status": g.status,
         "copies": [c.path for c in g.copies]}
        for g in group_results(results) if g.copies
    ]
    doc["skipped"] = [{"path": printable(s.path), "reason": s.reason} for s in context.skipped]
    doc["accepted"] = [vars(a) for a in context.accepted]
    if context.unused_baseline is not None:
        doc["unused_baseline"] = [vars(e) for e in context.unused_baseline]
    return doc


def render_json(results: Sequence[FileResult], catalogue_version: str, context: ScanContext) -> str:
    return json.dumps(document(results, catalogue_version, context), indent=2, ensure_ascii=False) + "\n"

