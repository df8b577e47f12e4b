"""CSV: one row per finding (or per file without findings), then one row per skipped entry.

File names are escaped as in the text report (``\\n``, ``\\xff``) so every
record is one line, whatever the spreadsheet does with quoted newlines.
A text cell that a spreadsheet would read as a formula (starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return: OWASP's list for CSV
injection) gets a leading apostrophe, so ``=HYPERLINK(...).png`` stays a name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from ..models import FileResult
from ..scan.wordpress import group_results
from ..text import printable
from .context import ScanContext

#: First characters that make a spreadsheet evaluate a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = ("path", "original", "status", "sha256", "width", "height", "emblem_id", "emblem", "restriction",
           "score", "method", "page", "seconds", "last_seconds", "box_x", "box_y", "box_w", "box_h", "reason",
           "inherited_from", "inherited_as", "member", "title", "institution", "material")


def rows(results: Sequence[FileResult], context: ScanContext) -> list[list]:
    """The table's rows, strings and numbers only."""
    out: list[list] = []
    originals = {m.path: g.original for g in group_results(results) for m in g.members}
    for result in results:
        path = context.shown(result.path)  # a result's path is printable() already
        original = context.shown(originals.get(result.path, result.path))
        base = [path, original, result.status, result.sha256, result.width or "", result.height or ""]
        # The reason column holds an error's reason, or what a partly scanned file left out.
        reason = printable(result.error or result.note)
        inherited = [context.shown(result.inherited_from) if result.inherited_from else "", result.inherited_as or ""]
        if not result.findings:
            out.append(base + [""] * 12 + [reason] + inherited + ["", "", "", ""])
        for f in result.findings:
            where = ["" if v is None else v for v in (f.page, f.seconds, f.last_seconds)]
            out.append(base + [f.emblem_id, f.name, str(f.restriction), round(f.score, 4), f.method, *where, *f.box,
                               reason] + inherited + [f.member or "", printable(f.title),
                                                      printable(f.institution or f.title_note),
                                                      f.material])
    for accepted in context.accepted:
        path = context.shown(accepted.path)
        out.append([path, path, "accepted", accepted.sha256, "", "", accepted.emblem_id] + [""] * 11
                   + [printable(accepted.reason), "", "", "", "", "", ""])
    for skip in context.skipped:
        path = printable(context.shown(skip.path))
        out.append([path, path, "skipped"] + [""] * 15 + [printable(skip.reason), "", "", "", "", "", ""])
    return out


def render(results: Sequence[FileResult], catalogue_version: str, context: ScanContext) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([_inert(cell) for cell in row] for row in rows(results, context))
    return buffer.getvalue()


def _inert(cell):
    """A text cell a spreadsheet would evaluate, with a leading apostrophe; anything else as it is."""
    return "'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell
