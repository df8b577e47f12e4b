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
from collections.abc import Iterator

from ..scan.results import Results
from ..text import printable
from .context import ScanContext

#: Rows written per piece of the report (a guess: a few hundred KB of text at most).
ROWS_PER_PIECE = 1000

#: First characters that make a spreadsheet evaluate a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = ("path", "original", "status", "sha256", "width", "height", "emblem_id", "emblem", "restriction",
           "score", "method", "page", "seconds", "last_seconds", "box_x", "box_y", "box_w", "box_h", "reason",
           "inherited_from", "inherited_as", "member", "title", "institution", "material")


def rows(results: Results, context: ScanContext) -> Iterator[list]:
    """The table's rows, strings and numbers only."""
    for result, original in results.with_originals():
        path = context.shown(result.path)  # a result's path is printable() already
        base = [path, context.shown(original), result.status, result.sha256, result.width or "", result.height or ""]
        # The reason column holds an error's reason, or what a partly scanned file left out.
        reason = printable(result.error or result.note)
        inherited = [context.shown(result.inherited_from) if result.inherited_from else "", result.inherited_as or ""]
        if not result.findings:
            yield base + [""] * 12 + [reason] + inherited + ["", "", "", ""]
        for f in result.findings:
            where = ["" if v is None else v for v in (f.page, f.seconds, f.last_seconds)]
            yield base + [f.emblem_id, f.name, str(f.restriction), round(f.score, 4), f.method, *where, *f.box,
                          reason] + inherited + [f.member or "", printable(f.title),
                                                 printable(f.institution or f.title_note), f.material]
    for accepted in context.accepted:
        path = context.shown(accepted.path)
        yield ([path, path, "accepted", accepted.sha256, "", "", accepted.emblem_id] + [""] * 11
               + [printable(accepted.reason), "", "", "", "", "", ""])
    for skip in context.skipped:
        path = printable(context.shown(skip.path))
        yield [path, path, "skipped"] + [""] * 15 + [printable(skip.reason), "", "", "", "", "", ""]


def render(results: Results, catalogue_version: str, context: ScanContext) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for n, row in enumerate(rows(results, context), 1):
        writer.writerow([_inert(cell) for cell in row])
        if n % ROWS_PER_PIECE == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _inert(cell):
    """A text cell a spreadsheet would evaluate, with a leading apostrophe; anything else as it is."""
    return "'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell
