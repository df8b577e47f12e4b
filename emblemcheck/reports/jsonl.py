"""JSON Lines: one object per file as it finishes, then skips, then a summary line.

Each line has a ``type``: ``file`` (the same fields as a file in the JSON
report), ``skipped``, ``accepted``, ``unused_baseline`` or ``summary`` (which carries the
JSON report's ``catalogue`` object: what the scan cannot find).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator

from ..models import FileResult
from ..scan.results import Results
from ..text import printable
from .context import ScanContext, context_summary
from .json import catalogue_dict, file_dict


def file_line(result: FileResult) -> str:
    """The line for one file, written as soon as it is scanned."""
    return json.dumps({"type": "file", **file_dict(result)}, ensure_ascii=False) + "\n"


def tail_lines(results: Results, catalogue_version: str, context: ScanContext) -> Iterator[str]:
    """The lines after the files: skips, baseline decisions and the summary."""
    lines: Iterable[dict[str, object]] = itertools.chain(
        ({"type": "skipped", "path": printable(s.path), "reason": s.reason} for s in context.skipped),
        ({"type": "accepted", **vars(a)} for a in context.accepted),
        ({"type": "unused_baseline", **vars(e)} for e in context.unused_baseline or ()),
        [{"type": "summary", "catalogue_version": catalogue_version or None,
          "catalogue": catalogue_dict(catalogue_version, context), **context_summary(results, context)}])
    return (json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def render(results: Results, catalogue_version: str, context: ScanContext) -> Iterator[str]:
    yield from (file_line(r) for r in results.by_path())
    yield from tail_lines(results, catalogue_version, context)
