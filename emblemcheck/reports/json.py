"""The JSON report, documented by data/scan-output.schema.json. Its shape is stable."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any

from .. import __version__
from ..models import FileResult, Finding
from ..rules import rule
from ..scan.results import Results, as_results
from ..text import printable
from .context import ScanContext, context_summary, summarise

#: Bump only with a schema change; consumers can check it.
SCHEMA_VERSION = 1


def finding_dict(finding: Finding) -> dict:
    """A finding as JSON-ready values."""
    out = asdict(finding)
    for key in ("page", "seconds", "last_seconds", "member"):
        if out[key] is None:  # a picture's finding keeps the keys it always had
            del out[key]
    for key in ("title", "institution", "title_note"):
        if not out[key]:  # only a flag symbol's finding has them
            del out[key]
    out["restriction"] = str(finding.restriction)
    out["box"] = list(finding.box)
    out["outline"] = [list(p) for p in finding.outline] if finding.outline else None
    rule_ = rule(finding.rule)
    out["rule"] = {"id": rule_.id, "title": rule_.title, "quote": rule_.quote, "source": rule_.publisher,
                   "status": rule_.status} if rule_ else None
    return out


def file_dict(result: FileResult) -> dict:
    """One file's verdict as JSON-ready values."""
    out = {
        "path": result.path,
        "sha256": result.sha256 or None,
        "status": result.status,
        "error": result.error or None,
        "width": result.width or None,
        "height": result.height or None,
        "findings": [finding_dict(f) for f in result.findings],
        "near_miss": finding_dict(result.near_miss) if result.near_miss else None,
        "inherited_from": result.inherited_from or None,
        "inherited_as": result.inherited_as,
    }
    if result.note:  # only a partly scanned file has one, so pictures' output is unchanged
        out["note"] = result.note
    return out


def catalogue_dict(catalogue_version: str, context: ScanContext) -> dict:
    """The catalogue the scan used: its version and the entries it cannot find (lists are null if not read)."""
    known = context.coverage
    return {
        "version": catalogue_version or (known.version if known else "") or None,
        "undetectable": list(known.undetectable) if known else None,
        "whole_picture_only": list(known.whole_picture_only) if known else None,
        "reasons": {g.emblem_id: g.reason for g in known.gaps} if known else None,
    }


def document(results: Iterable[FileResult], catalogue_version: str = "", context: ScanContext | None = None) -> dict:
    """The whole report as a dict (data/scan-output.schema.json), files in the order given; every file held."""
    results = as_results(results)
    return _outline(results, catalogue_version, context or ScanContext(), {
        name: list(values) for name, values in _lists(results, context or ScanContext(), order="arrival").items()})


def _outline(results: Results, catalogue_version: str, context: ScanContext, lists: dict) -> dict:
    summary = summarise(results)
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "emblemcheck": __version__,
        "catalogue_version": catalogue_version or None,
        "catalogue": catalogue_dict(catalogue_version, context),
        "files": lists["files"],
        "summary": {
            "files": summary.files,
            "flagged": summary.flagged,
            "clean": summary.clean,
            "errors": summary.errors,
            "findings_by_restriction": summary.by_restriction,
        },
    }
    doc["summary"].update({k: v for k, v in context_summary(results, context).items() if k not in doc["summary"]})
    doc["groups"] = lists["groups"]
    doc["skipped"] = lists["skipped"]
    doc["accepted"] = [vars(a) for a in context.accepted]
    if context.unused_baseline is not None:
        doc["unused_baseline"] = [vars(e) for e in context.unused_baseline]
    return doc


def _lists(results: Results, context: ScanContext, order: str = "path") -> dict[str, Iterable]:
    """The report's lists that grow with the tree, as streams."""
    files = results if order == "arrival" else results.by_path()
    return {
        "files": (file_dict(r) for r in files),
        "groups": ({"original": g.original, "original_present": g.present, "status": g.status,
                    "copies": [c.path for c in g.copies]} for g in results.groups(only="copies")),
        "skipped": ({"path": printable(s.path), "reason": s.reason} for s in context.skipped),
    }


def render(results: Results, catalogue_version: str = "", context: ScanContext | None = None) -> Iterator[str]:
    """The report as indented JSON text, the files sorted by path, written a file at a time."""
    context = context or ScanContext()
    lists = _lists(results, context)
    return spliced(_outline(results, catalogue_version, context, {name: Gap(name) for name in lists}), lists)


class Gap(str):
    """Where :func:`spliced` writes a list: a string no report contains (NUL is never in a printable path)."""

    def __new__(cls, name: str) -> Gap:
        return super().__new__(cls, f"\0{name}\0")


def spliced(doc: dict, lists: dict[str, Iterable]) -> Iterator[str]:
    """``json.dumps(doc, indent=2, ensure_ascii=False) + "\\n"`` in pieces, each value of ``doc`` that is the
    :class:`Gap` of a name in ``lists`` written as a JSON list of that stream's items, one item at a time.

    The text is the same as if the lists had been in ``doc``: an item is dumped on its own and indented to
    its depth, as ``json.dumps`` indents nested values.
    """
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    gaps = {json.dumps(Gap(name)): name for name in lists}
    pattern = re.compile("|".join(re.escape(gap) for gap in gaps))
    start = 0
    for match in pattern.finditer(text):
        yield text[start:match.start()]
        line_start = text.rfind("\n", 0, match.start()) + 1
        depth = len(text[line_start:match.start()]) - len(text[line_start:match.start()].lstrip(" "))
        yield from _list(lists[gaps[match.group()]], depth)
        start = match.end()
    yield text[start:]


def _list(items: Iterable, depth: int) -> Iterator[str]:
    inner = "\n" + " " * (depth + 2)
    first = True
    for item in items:
        yield ("[" if first else ",") + inner + json.dumps(item, indent=2, ensure_ascii=False).replace("\n", inner)
        first = False
    yield "[]" if first else "\n" + " " * depth + "]"
