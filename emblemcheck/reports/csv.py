"""CSV: one row per finding (or per file without findings), then one row per skipped entry.

File names are escaped as in the text report (``\\n``, ``\\xff``) so every
record is one line, whatever the spreadsheet does with quoted newlines.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from ..models import FileResult
from ..scan.wordpress import group_results
from ..text import printable
from .context import ScanContext

COLUMNS = ("path", "original", "status", "sha256", "width", "height", "emblem_id", "emblem", "restriction",
           "score", "method", "box_x", "box_y", "box_w", "box_h", "reason", "inherited_from", "inherited_as")


def rows(results: Sequence[FileResult], context: ScanContext) -> list[list]:
    """The table's rows, strings and numbers only."""
    out: list[list] = []
    originals = {m.path: g.original for g in group_results(results) for m in g.members}
    for result in results:
        path = printable(context.shown(result.path))
        original = printable(context.shown(originals.get(result.path, result.path)))
        base = [path, original, result.status, result.sha256, result.width or "", result.height or ""]
        inherited = [printable(context.shown(result.inherited_from)) if result.inherited_from else "",
                     result.inherited_as or ""]
        if not result.findings:
            out.append(base + ["", "", "", "", "", "", "", "", "", printable(result.error)] + inherited)
        for f in result.findings:
            out.append(base + [f.emblem_id, f.name, str(f.restriction), round(f.score, 4), f.method, *f.box, ""]
                       + inherited)
    for accepted in context.accepted:
        path = printable(context.shown(accepted.path))
        out.append([path, path, "accepted", accepted.sha256, "", "", accepted.emblem_id, "", "", "", "",
                    "", "", "", "", printable(accepted.reason), "", ""])
    for skip in context.skipped:
        path = printable(context.shown(skip.path))
        out.append([path, path, "skipped"] + [""] * 12 + [printable(skip.reason), "", ""])
    return out


def render(results: Sequence[FileResult], catalogue_version: str, context: ScanContext) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows(results, context))
    return buffer.getvalue()
