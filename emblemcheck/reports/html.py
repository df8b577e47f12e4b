"""One self-contained HTML file: the summary, each flagged original with its picture, then errors and skips.

Pictures are inlined as ``data:`` URIs and a Content-Security-Policy forbids
every other source, so the file can be mailed or attached to a ticket and
opened offline. Every string from a file name, an error or the catalogue
goes through :func:`html.escape` after :func:`printable` (so a newline in a
name shows as ``\\n`` instead of breaking the layout).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Iterator

from .. import __version__
from ..i18n import N_, _, french, language
from ..models import Finding
from ..rules import rule
from ..scan.results import Results
from ..scan.wordpress import ResultGroup
from ..text import printable
from .context import ScanContext, context_summary, matched_as, whereabouts
from .text import how_scanned, restriction_label, status_label, title_evidence

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:64rem;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
.summary td,.summary th{padding:.2rem .8rem;text-align:left}
.group{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0;display:grid;
 grid-template-columns:380px 1fr;gap:1rem}
.group img.preview{max-width:360px;border:1px solid #999}
.finding{margin-bottom:.8rem}.finding img{max-width:96px;max-height:96px;border:1px solid #ccc;float:right}
.restricted{color:#a00;font-weight:bold}.caution{color:#a60;font-weight:bold}.permitted{color:#060}
blockquote{margin:.4rem 0;padding-left:.8rem;border-left:3px solid #ccc;color:#444}
table.list{border-collapse:collapse}table.list td,table.list th{border:1px solid #ddd;padding:.2rem .5rem}
code{word-break:break-all}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _img(data: bytes | None, alt: str, css: str) -> str:
    if not data:
        return f'<p class="{css}">' + _e(_("(no picture recorded)")) + "</p>"
    kind = "png" if data.startswith(b"\x89PNG") else "jpeg"
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img class="{css}" alt="{_e(alt)}" src="data:image/{kind};base64,{encoded}">'


def _finding(finding: Finding, context: ScanContext) -> str:
    x, y, w, h = finding.box
    label = restriction_label(finding.restriction)
    name = context.name(finding.emblem_id, finding.name)
    thumb = context.emblem_thumbnails.get(finding.rendering_id) or context.emblem_thumbnails.get(finding.emblem_id)
    alt = _("catalogue picture of {name}").format(name=name)
    parts = [f'<div class="finding">{_img(thumb, alt, "emblem") if thumb else ""}',
             f'<b>{_e(name)}</b> <code>{_e(finding.emblem_id)}</code> '
             f'<span class="{_e(finding.restriction)}">{_e(label)}</span><br>',
             _e(_("where: {place}x={x} y={y} width={w} height={h}; evidence: {method}, score {score:.2f}").format(
                 place=whereabouts(finding) + ", " if whereabouts(finding) else "", x=x, y=y, w=w, h=h,
                 method=finding.method, score=finding.score)) + (
                 "<br>" + _e(_("title: {title}").format(title=title)) if (title := title_evidence(finding)) else "") + (
                 "; " + _e(_("matched as {object}").format(object=matched_as(finding))) if matched_as(finding) else "")]
    rule_ = rule(finding.rule)
    if rule_ is not None:
        rule_ = rule_.localised()
        english = " (" + _e(_("quoted in English: emblemcheck knows no sourced French text of it")) + ")" \
            if french() and not rule_.quote_fr else ""
        parts.append(f"<blockquote>“{_e(rule_.quote)}”{english}<br><small>{_e(rule_.publisher)}, {_e(rule_.title)}"
                     f"{', ' + _e(rule_.published) if rule_.published else ''}; "
                     f"{_e(rule_.source)}. {_e(rule_.status)}</small></blockquote>")
    parts.append("</div>")
    return "".join(parts)


def _group(group: ResultGroup, context: ScanContext) -> str:
    head = group.head
    preview = context.previews.get(head.path) or next(
        (context.previews[m.path] for m in group.members if m.path in context.previews), None)
    title = _e(context.shown(group.original))
    note = "" if group.present else " <small>" + _e(_("(original not in the folder; found through its copies)")) \
        + "</small>"
    alt = _("preview of {path}").format(path=context.shown(head.path))
    listed = _e(_("Copies ({count}):").format(count=len(group.copies)))
    copies = "".join(f"<li><code>{_e(context.shown(c.path))}</code> — {_e(status_label(c.status))}, "
                     f"<span class=\"how\">{_e(how_scanned(c, context))}</span></li>" for c in group.copies)
    return (f'<section class="group" data-status="flagged">'
            f'<div>{_img(preview, alt, "preview")}</div>'
            f"<div><h3><code>{title}</code>{note}</h3>"
            + "".join(_finding(f, context) for f in group.findings)
            + (f"<p>{listed}</p><ul class=\"copies\">{copies}</ul>" if group.copies else "")
            + "</div></section>")


def _table(title: str, css: str, rows: Iterable[tuple[str, str]], count: int, first: str = "") -> Iterator[str]:
    """A titled table of ``count`` rows, written a row at a time; nothing when there are none."""
    if not count:
        return
    first, reason = first or _("file"), _("reason")
    yield (f'<h2>{_e(_(title))} ({count})</h2><table class="list {css}"><tr><th>{_e(first)}</th>'
           f"<th>{_e(reason)}</th></tr>")
    yield from (f"<tr><td><code>{_e(a)}</code></td><td>{_e(b)}</td></tr>" for a, b in rows)
    yield "</table>"


def render(results: Results, catalogue_version: str, context: ScanContext) -> Iterator[str]:
    """The page, a section and a table row at a time. The flagged groups are read twice (counted for the
    summary, then drawn), never held."""
    c = context_summary(results, context)
    flagged = sum(1 for _group in results.groups(only="flagged"))
    summary = "".join(f"<tr><th>{_e(_(k))}</th><td>{_e(v)}</td></tr>" for k, v in (
        (N_("files"), c["files"]), (N_("flagged"), c["flagged"]), (N_("flagged originals"), flagged),
        (N_("clean"), c["clean"]), (N_("errors"), c["errors"]), (N_("skipped"), c["skipped"]),
        (N_("scanned in full"), c["scanned_in_full"]),
        (N_("inherited from their originals (verified copies)"), c["inherited"]),
        (N_("identical to another file (scanned once)"), c["deduplicated"]),
        (N_("unchanged since the last scan"), c["unchanged"]), (N_("accepted by the baseline"), c["accepted"])))
    about = _("emblemcheck {version}, catalogue {catalogue}").format(
        version=__version__, catalogue=catalogue_version or _("unknown"))
    stopped = " — <b>" + _e(_("interrupted")) + "</b>: " + _e(_("the next scan resumes"))
    title = _e(_("emblemcheck report"))
    heading = _e(_("Flagged ({count})").format(count=flagged))
    nothing = "<p>" + _e(_("Nothing flagged.")) + "</p>"
    gaps = context.coverage.gaps if context.coverage else ()
    yield from (
        f"<!DOCTYPE html><html lang=\"{language()}\"><head><meta charset=\"utf-8\">",
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>{title}</title><style>{STYLE}</style></head><body>",
        f"<h1>{title}</h1>",
        f"<p>{_e(about)}{stopped if context.interrupted else ''}</p>",
        f'<table class="summary">{summary}</table>',
    )
    yield from _table(N_("Catalogue entries this scan cannot find, or finds only as the whole picture"),
                      "undetectable", [(g.emblem_id, f"{context.name(g.emblem_id, g.name)}: {g.reason}") for g in gaps],
                      len(gaps), first=_("emblem"))
    yield f"<h2>{heading}</h2>"
    yield from (_group(g, context) for g in results.groups(only="flagged")) if flagged else (nothing,)
    yield from _table(N_("Errors"), "errors", ((context.shown(r.path), printable(r.error))
                                               for r in results.where(status="error")), results.counts.errors)
    yield from _table(N_("Partly scanned"), "partial",
                      ((context.shown(r.path), r.note) for r in results.where(noted=True)), results.counts.noted)
    yield from _table(N_("Skipped"), "skipped",
                      ((printable(context.shown(s.path)), printable(s.reason)) for s in context.skipped),
                      len(context.skipped))
    yield from _table(N_("Accepted by the baseline"), "accepted",
                      [(context.shown(a.path), printable(f"{a.emblem_id}: {a.reason}")) for a in context.accepted],
                      len(context.accepted))
    unused = context.unused_baseline or ()
    yield from _table(N_("Unused baseline entries"), "unused",
                      [(e.example_path or e.sha256, f"{e.emblem_id}: {e.reason}") for e in unused], len(unused))
    yield "</body></html>\n"
