"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One rule per restriction level (a finding's level follows it: restricted is
an error, caution a warning, permitted a note); each result points at the
image file, carries the matched box as a SARIF rectangle in an attachment
(§3.57 of the specification: the way SARIF marks an area of a picture), and a
partial fingerprint derived from the image's SHA-256 and the emblem id, so
code scanning tracks the same finding across renames. Unreadable files,
partly scanned files (a PDF over the page limit) and skips are tool
execution notifications, each with its reason. Catalogue entries the scan
cannot find (no usable artwork, or found only as the whole picture) are tool
configuration notifications, so a clean run does not read as "none there"
for emblems that were never looked for.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote

from .. import __version__
from ..models import FileResult, Finding, Restriction
from ..rules import rule
from ..scan.results import Order, Results, as_results
from ..text import printable
from .context import ScanContext, context_summary, matched_as, whereabouts
from .json import Gap, spliced
from .text import title_evidence

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Restriction.RESTRICTED: "error", Restriction.CAUTION: "warning", Restriction.PERMITTED: "note"}
RULES = (
    (Restriction.RESTRICTED, "restricted-emblem",
     "A Government of Canada corporate symbol or a heraldic emblem reserved for official use",
     "Remove the symbol before posting: it is for official communication only."),
    (Restriction.CAUTION, "caution-emblem",
     "An emblem whose use needs permission or care",
     "Check the permission to reproduce this emblem before posting."),
    (Restriction.PERMITTED, "permitted-symbol",
     "A national symbol anyone may use (information only)",
     "No action needed: reported so the picture's content is known."),
)
RULE_IDS = {restriction: f"emblemcheck/{name}" for restriction, name, _, _ in RULES}


def fingerprint(sha256: str, emblem_id: str) -> str:
    """The stable identity of a finding: its image's content and the emblem, never the path."""
    return hashlib.sha256(f"{sha256}:{emblem_id}".encode()).hexdigest()[:32]


def _uri(path: str, context: ScanContext) -> str:
    return quote(context.shown(path).replace(os.sep, "/"), safe="/")


def _rules() -> list[dict]:
    return [
        {
            "id": RULE_IDS[restriction],
            "name": name.replace("-", " ").title().replace(" ", ""),
            "shortDescription": {"text": short},
            "fullDescription": {"text": short},
            "help": {"text": help_},
            "defaultConfiguration": {"level": LEVELS[restriction]},
            "properties": {"tags": ["emblem", str(restriction)]},
        }
        for restriction, name, short, help_ in RULES
    ]


def _message(result: FileResult, finding: Finding) -> str:
    x, y, w, h = finding.box
    place = whereabouts(finding)
    text = (f"{finding.name} ({finding.emblem_id}, {finding.restriction}) found {f'({place}) ' if place else ''}"
            f"at x={x} y={y} "
            f"width={w} height={h}, score {finding.score:.2f} by {finding.method}"
            + (f", matched as {matched_as(finding)}." if matched_as(finding) else "."))
    if title := title_evidence(finding):
        text += f" Title {title}."
    rule_ = rule(finding.rule)
    if rule_ is not None:
        text += f" \"{rule_.quote}\" ({rule_.publisher}, {rule_.title})"
    return text


def _result(result: FileResult, finding: Finding, context: ScanContext) -> dict:
    x, y, w, h = finding.box
    location = {"artifactLocation": {"uri": _uri(result.path, context), "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 1}}
    return {
        "ruleId": RULE_IDS[finding.restriction],
        "ruleIndex": [r for r, *_ in RULES].index(finding.restriction),
        "level": LEVELS[finding.restriction],
        "message": {"text": _message(result, finding)},
        "locations": [{"physicalLocation": location}],
        "partialFingerprints": {"emblemcheck/imageEmblem/v1": fingerprint(result.sha256, finding.emblem_id)},
        "attachments": [{
            "description": {"text": f"Where {finding.name} is in the image (pixels)."},
            "artifactLocation": location["artifactLocation"],
            "rectangles": [{"top": y, "left": x, "bottom": y + h, "right": x + w,
                            "message": {"text": finding.emblem_id}}],
        }],
        "properties": {"emblemId": finding.emblem_id, "score": round(finding.score, 4), "method": finding.method,
                       "sha256": result.sha256, "box": list(finding.box),
                       **{k: v for k, v in (("page", finding.page), ("seconds", finding.seconds),
                                             ("lastSeconds", finding.last_seconds), ("member", finding.member))
                          if v is not None},
                       **({"material": finding.material} if finding.material else {})},
    }


def _notification(path: str, reason: str, level: str, context: ScanContext) -> dict:
    return {
        "level": level,
        "message": {"text": f"{context.shown(path)}: {printable(reason)}"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(path, context),
                                                                 "uriBaseId": "%SRCROOT%"}}}],
    }


def _coverage_notifications(context: ScanContext) -> list[dict]:
    """One warning per catalogue entry the scan cannot find, or finds only as the whole picture."""
    if context.coverage is None:
        return []
    return [{"level": "warning",
             "message": {"text": f"{g.emblem_id} ({g.name}): "
                                 + ("found only as the whole picture, not inside a larger one: "
                                    if g.whole_picture_only else "cannot be found: ") + g.reason},
             "properties": {"emblemId": g.emblem_id, "wholePictureOnly": g.whole_picture_only}}
            for g in context.coverage.gaps]


def document(results: Iterable[FileResult], catalogue_version: str, context: ScanContext) -> dict:
    """The SARIF log as a dict, in the order of ``results``; every notification and result held."""
    results = as_results(results)
    return _outline(results, catalogue_version, context,
                    {name: list(values) for name, values in _lists(results, context, order="arrival").items()})


def _outline(results: Results, catalogue_version: str, context: ScanContext, lists: dict) -> dict:
    base = Path(context.base or os.getcwd()).resolve().as_uri().rstrip("/") + "/"
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "emblemcheck", "version": __version__, "semanticVersion": __version__,
                                "rules": _rules()}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": base}},
            "invocations": [{"executionSuccessful": not context.interrupted,
                             "toolExecutionNotifications": lists["notifications"],
                             "toolConfigurationNotifications": _coverage_notifications(context)}],
            "results": lists["results"],
            "properties": {"catalogueVersion": catalogue_version, "summary": context_summary(results, context)},
        }],
    }


def _lists(results: Results, context: ScanContext, order: Order = "path") -> dict[str, Iterable]:
    """The lists that grow with the tree, as streams: notifications (unreadable, partly scanned, skipped)
    and results (one per finding)."""
    return {
        "notifications": itertools.chain(
            (_notification(r.path, r.error, "error", context) for r in results.where(status="error", order=order)),
            (_notification(r.path, r.note, "warning", context) for r in results.where(noted=True, order=order)),
            (_notification(printable(s.path), s.reason, "note", context) for s in context.skipped)),
        "results": (_result(r, f, context) for r in results.where(findings=True, order=order) for f in r.findings),
    }


def render(results: Results, catalogue_version: str, context: ScanContext) -> Iterator[str]:
    """The SARIF log as indented JSON, written a notification and a result at a time."""
    lists = _lists(results, context)
    return spliced(_outline(results, catalogue_version, context, {name: Gap(name) for name in lists}), lists)
