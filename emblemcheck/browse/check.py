"""The check page of ``emblemcheck browse`` (``/-/check``): choose or drop files, read each one's verdict.

GET shows the form. POST (multipart, Datasette's CSRF token first) takes at
most :data:`MAX_UPLOAD_BYTES` and :data:`MAX_FILES` files, writes them into a
private folder (mode 0700) under the home's ``uploads/``, scans that folder as
``emblemcheck scan`` does (the same worker pool, pixel, page and time limits;
the run is recorded in scans.db with the command ``browse check``, so the
flagged files views show it), deletes the folder and renders one verdict per
file: the picture with each finding's outline drawn (a new JPEG, inlined as a
``data:`` URL: the uploaded bytes are never served back), the emblem's
catalogue thumbnail, its restriction, the rule quoted with its source, and
what to do.

Every value from a file (its name, an error) reaches the page through
Jinja's autoescaping; the page carries a strict Content-Security-Policy and
loads nothing but the plugin's and Datasette's own files.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import os
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from datasette import Response

from ..errors import EmblemcheckError
from ..i18n import _, french, language
from ..models import FileResult, Finding, Restriction
from ..rules import rule
from ..text import printable

CHECK_ROUTE = "/-/check"
STYLE_ROUTE = "/-/emblemcheck/check.css"
#: Bytes one check takes, all files together: a few phone photos or a short phone video. A guess, kept
#: low because the upload is held in memory while it is read; `emblemcheck scan` has no such limit.
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
#: Files one check takes: the page shows them all on one screen.
MAX_FILES = 20
#: Longest side of a drawn preview, in pixels (shown at half that on the page, sharp on a dense screen).
PREVIEW_SIDE = 720
OUTLINE_COLOUR = (230, 0, 120)  # the magenta of the recorded previews
#: The command a check's run is recorded with in scans.db.
COMMAND = "browse check"
#: Datasette's CSRF cookie, holding the token the form must carry (see :func:`csrf_valid`).
CSRF_COOKIE = "ds_csrftoken"

TEMPLATES = Path(__file__).parent / "templates"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _menu_script_hash() -> str:
    """The CSP hash of the one inline script of Datasette's base template (it closes open menus)."""
    import datasette

    template = Path(datasette.__file__).parent / "templates" / "_close_open_menus.html"
    try:
        script = template.read_text("utf-8").split("<script>", 1)[1].split("</script>", 1)[0]
    except (OSError, IndexError):
        return ""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy() -> str:
    """The page's policy: its own origin's styles and pictures, ``data:`` previews, one hashed script."""
    scripts = _menu_script_hash() or "'none'"
    return ("default-src 'none'; img-src 'self' data:; style-src 'self'; "
            f"script-src {scripts}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


# --------------------------------------------------------------------- what the page shows


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name its browser gave (shown, escaped) and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class FindingView:
    """One finding as the page shows it."""

    name: str
    emblem_id: str
    restriction: str
    label: str
    where: str
    score: str
    thumbnail: str
    rule_title: str = ""
    quote: str = ""
    quote_note: str = ""
    source: str = ""
    status: str = ""


@dataclass(frozen=True)
class Verdict:
    """One file's verdict on the page: headline, advice, the drawn preview and the findings."""

    name: str
    status: str
    tone: str
    headline: str
    advice: tuple[str, ...] = ()
    preview: str = ""
    preview_alt: str = ""
    findings: tuple[FindingView, ...] = ()
    note: str = ""
    size: int = 0


@dataclass
class CheckForm:
    """A parsed upload: the files, and whether the form carried a CSRF token field."""

    uploads: list[Upload] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


class UploadRefused(Exception):
    """An upload the page refuses, with the message it shows and the HTTP status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def megabytes(count: int) -> str:
    return f"{count / (1024 * 1024):.1f}"


def too_large(size: int) -> UploadRefused:
    return UploadRefused(_("This upload is {size} MB, over the limit of {limit} MB for one check: choose fewer or "
                           "smaller files, or check them with `emblemcheck scan FILE`, which has no size "
                           "limit.").format(size=megabytes(size), limit=megabytes(MAX_UPLOAD_BYTES)), 413)


def parse_form(content_type: str, body: bytes) -> CheckForm:
    """The files and fields of a ``multipart/form-data`` body; raises :class:`UploadRefused`."""
    from python_multipart import FormParser
    from python_multipart.exceptions import FormParserError
    from python_multipart.multipart import parse_options_header

    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in params:
        raise UploadRefused(_("The form was not sent as a file upload: reload the page and try again."))
    form = CheckForm()

    def on_field(item) -> None:
        form.fields[(item.field_name or b"").decode("utf-8", "replace")] = (item.value or b"").decode(
            "utf-8", "replace")

    def on_file(item) -> None:
        data = item.file_object.getvalue() if item.in_memory else b""
        name = (item.file_name or b"").decode("utf-8", "replace")
        if name or data:  # an empty file input sends a part with no name and no bytes
            form.uploads.append(Upload(printable(os.path.basename(name.replace("\\", "/"))) or "upload", data))

    parser = FormParser(kind.decode("latin-1"), on_field, on_file, boundary=params[b"boundary"],
                        config={"MAX_MEMORY_FILE_SIZE": MAX_UPLOAD_BYTES + 1})
    try:
        parser.write(body)
        parser.finalize()
    except FormParserError:
        raise UploadRefused(_("The upload could not be read (it was cut short or malformed): try again.")) from None
    return form


async def read_body(request) -> bytes:
    """The request body, refused as soon as it passes :data:`MAX_UPLOAD_BYTES`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise too_large(int(declared))
    chunks, size = [], 0
    while True:
        message = await request.receive()
        if message["type"] != "http.request":
            raise UploadRefused(_("The upload was interrupted: try again."))
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise too_large(size)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def private_folder(home_root: Path) -> Path:
    """A new folder only this user can read, under the home's ``uploads/``, for one check's files."""
    uploads = home_root / "uploads"
    uploads.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(uploads, 0o700)
    return Path(tempfile.mkdtemp(prefix="check-", dir=uploads))  # mkdtemp makes it 0700


def disk_name(index: int, name: str) -> str:
    """The name an upload is written under: its number and the safe letters of its name (never a path)."""
    safe = _SAFE_NAME.sub("_", name).strip("._")[-80:]
    return f"{index:02d}-{safe or 'upload'}"


def write_uploads(folder: Path, uploads: list[Upload]) -> dict[str, Upload]:
    """Write each upload into ``folder`` (0600, never over an existing file); the uploads by path."""
    written = {}
    for index, upload in enumerate(uploads, 1):
        path = folder / disk_name(index, upload.name)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(upload.data)
        written[printable(str(path))] = upload
    return written


def scan_uploads(home_root: Path, uploads: list[Upload]) -> list[tuple[Upload, FileResult]]:
    """Scan the uploads as ``emblemcheck scan`` scans a folder (recorded in scans.db); in upload order."""
    from ..scan.folder import BulkOptions, scan_tree

    folder = private_folder(home_root)
    try:
        written = write_uploads(folder, uploads)
        options = BulkOptions(workers=min(len(uploads), os.cpu_count() or 1, 2), command=COMMAND,
                              gitignore=False)
        raw = scan_tree([folder], home_root=home_root, options=options)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    by_path = {r.path: r for r in raw.results}
    # The walk leaves out what is not a picture, PDF or video by its content (a scan lists it as skipped).
    by_path.update({printable(s.path): FileResult(printable(s.path), "error", error=s.reason) for s in raw.skipped})
    missing = _("it was not scanned (the check was interrupted)")
    return [(upload, by_path.get(path) or FileResult(path, "error", error=missing)) for path, upload in written.items()]


# --------------------------------------------------------------------- the drawn preview


def preview(upload: Upload, result: FileResult) -> str:
    """A JPEG ``data:`` URL of the file's picture (the frame or page of its first finding) with outlines drawn."""
    if result.status == "error":
        return ""
    from PIL import Image, ImageDraw

    from ..errors import ImageError
    from ..media.frames import iter_frames

    first = result.findings[0] if result.findings else None
    try:
        frame = None
        for candidate in iter_frames(upload.data, upload.name, work_pixels=PREVIEW_SIDE * PREVIEW_SIDE):
            frame = frame or candidate
            if first is None or (candidate.page == first.page and candidate.seconds == first.seconds):
                frame = candidate
                break
    except ImageError:
        return ""
    if frame is None:
        return ""
    image = Image.fromarray(frame.image.rgb, "RGB")
    image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    k = image.width / frame.image.width if frame.image.width else 1.0
    draw = ImageDraw.Draw(image)
    width = max(2, round(max(image.size) / 150))
    for found in result.findings:
        if found.page != frame.page or found.seconds != frame.seconds:
            continue
        if found.outline:
            points = [(x * k, y * k) for x, y in found.outline]
            draw.line([*points, points[0]], fill=OUTLINE_COLOUR, width=width, joint="curve")
        else:
            x, y, w, h = found.box
            draw.rectangle([x * k, y * k, (x + w) * k, (y + h) * k], outline=OUTLINE_COLOUR, width=width)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")


# --------------------------------------------------------------------- verdicts


def restriction_label(restriction: Restriction) -> str:
    from ..reports.text import restriction_label as label

    return label(restriction)


def finding_view(finding: Finding, names_fr: dict[str, str], thumbnail_base: str) -> FindingView:
    """What the page says of one finding: name, restriction, where, the rule quoted with its source."""
    from urllib.parse import quote

    from ..reports.context import whereabouts

    x, y, w, h = finding.box
    place = whereabouts(finding)
    where = _("{place}x={x} y={y}, {w} x {h} pixels").format(place=place + ", " if place else "", x=x, y=y, w=w, h=h)
    key = finding.rendering_id or finding.emblem_id
    view = FindingView(
        name=(names_fr.get(finding.emblem_id) if french() else None) or finding.name,
        emblem_id=finding.emblem_id, restriction=str(finding.restriction),
        label=restriction_label(finding.restriction), where=where, score=f"{finding.score:.2f}",
        thumbnail=f"{thumbnail_base}?rendering={quote(key, safe='')}")
    found = rule(finding.rule)
    if found is None:
        return view
    found = found.localised()
    note = _("Quoted in English: emblemcheck knows no sourced French text of it.") if french() and not found.quote_fr \
        else ""
    dates = _(", published {date}").format(date=found.published) if found.published else ""
    return replace(view, rule_title=found.title, quote=found.quote, quote_note=note,
                   source=f"{found.publisher}, {found.title}{dates}; {found.source}.", status=found.status)


def verdict(upload: Upload, result: FileResult, names_fr: dict[str, str], thumbnail_base: str) -> Verdict:
    """One file's verdict: what it means for a personal account, and what to do."""
    base = Verdict(name=upload.name, status=result.status, tone="", headline="", size=len(upload.data),
                   note=printable(result.note) if result.note else "",
                   preview_alt=_("{name}, with what was found outlined").format(name=upload.name))
    if result.status == "error":
        return replace(base, tone="error", headline=_("Could not be checked"),
                       advice=(_("Reason: {reason}").format(reason=printable(result.error)),
                               _("Nothing can be said about this file: check it again, or another copy of it.")))
    findings = tuple(finding_view(f, names_fr, thumbnail_base) for f in result.findings)
    shown = preview(upload, result)
    worst = result.worst
    if worst is None:
        return replace(base, tone="clean", headline=_("Clean: no catalogued emblem found"), preview=shown,
                       advice=(_("You may post it as far as emblemcheck can tell; the entries it cannot find "
                                 "are listed at the end of this page."),))
    names = ", ".join(dict.fromkeys(f.name for f in findings))
    if worst is Restriction.RESTRICTED:
        return replace(base, tone="restricted", preview=shown, findings=findings,
                       headline=_("Do not post this on a personal account"),
                       advice=(_("It shows {names}: for official Government of Canada communication only, "
                                 "so use this picture only on an official account.").format(names=names),
                               _("To post it yourself, remove or replace the emblem, then check it again."),
                               _("If you are entitled to use it (an official account), record an accepted "
                                 "exception in the baseline: emblemcheck baseline FILE --reason \"official "
                                 "account\".")))
    if worst is Restriction.CAUTION:
        return replace(base, tone="caution", preview=shown, findings=findings,
                       headline=_("Check before posting"),
                       advice=(_("It shows {names}: ask the emblem's owner or your communications team before "
                                 "posting it on a personal account.").format(names=names),))
    return replace(base, tone="permitted", preview=shown, findings=findings,
                   headline=_("May be posted: found for information only"),
                   advice=(_("It shows {names}, a national symbol anyone may use; nothing to do.").format(
                       names=names),))


# --------------------------------------------------------------------- the route


def csrf_valid(datasette, request, token: str) -> bool:
    """Whether the form's ``csrftoken`` is the one Datasette's CSRF cookie holds, signed by this server.

    The check asgi-csrf makes for every other form (the same cookie, secret and
    namespace); the plugin skips asgi-csrf for this page only because asgi-csrf
    0.11 cannot parse a file upload with the python-multipart installed beside it
    (it passes ``FileClass``, which python-multipart 0.0.34 no longer takes). Unlike
    asgi-csrf, a POST without the cookie (a form on another site sends none) is refused.
    """
    from itsdangerous import BadSignature, URLSafeSerializer

    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not (cookie and token and secrets.compare_digest(cookie, token)):
        return False
    try:
        URLSafeSerializer(datasette._secret).loads(cookie, "csrftoken")
    except BadSignature:
        return False
    return True


def _home_root(datasette) -> Path:
    return Path(datasette.get_database("scans").path).parent


def _names_fr(datasette) -> dict[str, str]:
    from ..catalogue import store

    return store.french_names(Path(datasette.get_database("catalogue").path)) if french() else {}


def _gaps(datasette) -> list[dict[str, str]]:
    from ..catalogue.coverage import coverage

    known = coverage(Path(datasette.get_database("catalogue").path))
    names = _names_fr(datasette)
    return [{"id": g.emblem_id, "name": names.get(g.emblem_id) or g.name, "reason": g.reason} for g in known.gaps]


async def _page(datasette, request, *, verdicts=(), message: str = "", status: int = 200) -> Response:
    context = {
        "_": _, "lang": language(), "verdicts": verdicts, "message": message,
        "gaps": _gaps(datasette), "max_megabytes": megabytes(MAX_UPLOAD_BYTES), "max_files": MAX_FILES,
        "check_url": datasette.urls.path(CHECK_ROUTE), "style_url": datasette.urls.path(STYLE_ROUTE),
        "limits": limits_text(),
    }
    # The plugin is a module, not a package, so Datasette finds no templates folder beside it: load ours.
    template = datasette.jinja_env.from_string((TEMPLATES / "emblemcheck_check.html").read_text("utf-8"))
    html = await datasette.render_template(template, context, request=request)
    return Response.html(html, status=status, headers={
        "content-security-policy": content_security_policy(), "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer", "cache-control": "no-store"})


def limits_text() -> str:
    """The limits of one check, as the page states them."""
    from ..media.content import MAX_PIXELS
    from ..media.pdf import MAX_PDF_PAGES
    from ..scan.limits import DEFAULT_TIMEOUT

    return _("At most {files} files and {size} MB per check; as with `emblemcheck scan`, pictures up to {pixels} "
             "million pixels, the first {pages} pages of a PDF, and {seconds:g} s per file.").format(
        files=MAX_FILES, size=megabytes(MAX_UPLOAD_BYTES), pixels=MAX_PIXELS // 1_000_000, pages=MAX_PDF_PAGES,
        seconds=DEFAULT_TIMEOUT)


async def check_page(datasette, request) -> Response:
    """``/-/check``: the form (GET), or the verdicts on the files sent with it (POST)."""
    if request.method != "POST":
        return await _page(datasette, request)
    try:
        form = parse_form(request.headers.get("content-type", ""), await read_body(request))
        if not csrf_valid(datasette, request, form.fields.get("csrftoken", "")):
            raise UploadRefused(_("This form has expired or did not come from this page: reload the page and "
                                  "choose the files again."), 403)
        if not form.uploads:
            raise UploadRefused(_("No file was chosen: choose or drop one or more pictures, PDFs or videos."))
        if len(form.uploads) > MAX_FILES:
            raise UploadRefused(_("{count} files is more than the {limit} one check takes: choose fewer.").format(
                count=len(form.uploads), limit=MAX_FILES))
    except UploadRefused as refused:
        return await _page(datasette, request, status=refused.status, message=str(refused))
    try:
        scanned = await asyncio.to_thread(scan_uploads, _home_root(datasette), form.uploads)
    except EmblemcheckError as exc:  # the catalogue or scans.db failed: the same one line `scan` prints
        return await _page(datasette, request, status=503, message=_("error: {message}").format(message=exc))
    names = _names_fr(datasette)
    from .plugin import THUMBNAIL_ROUTE

    thumbnail_base = datasette.urls.path(THUMBNAIL_ROUTE)
    verdicts = await asyncio.to_thread(lambda: [verdict(u, r, names, thumbnail_base) for u, r in scanned])
    return await _page(datasette, request, verdicts=verdicts)



STYLE = """
form.emblemcheck-check { margin: 1em 0 1.5em; }
form.emblemcheck-check label.drop { display: block; width: auto; border: 2px dashed #888; border-radius: 8px;
  padding: 1.2em; background: #f7f7f7; max-width: 42em; }
form.emblemcheck-check input[type=file] { display: block; margin: 0.6em 0; width: 100%; min-height: 4em; }
form.emblemcheck-check button { font-size: 1.1em; padding: 0.4em 1.2em; }
p.emblemcheck-limits { font-size: 0.85em; color: #555; max-width: 48em; }
p.emblemcheck-message { border-left: 4px solid #a00; padding: 0.4em 0.8em; background: #fff3f3; max-width: 48em; }
section.verdict { border: 1px solid #ccc; border-left-width: 8px; border-radius: 6px; padding: 0.8em 1em;
  margin: 1em 0; display: grid; grid-template-columns: minmax(0, 380px) 1fr; gap: 1em; }
section.verdict.restricted { border-left-color: #b00; }
section.verdict.caution { border-left-color: #c70; }
section.verdict.permitted, section.verdict.clean { border-left-color: #070; }
section.verdict.error { border-left-color: #666; }
section.verdict h2 { margin: 0 0 0.3em; font-size: 1.2em; }
section.verdict img.preview { max-width: 360px; width: 100%; height: auto; border: 1px solid #999; }
section.verdict .file { font-family: monospace; word-break: break-all; }
div.finding { border-top: 1px solid #ddd; padding-top: 0.5em; margin-top: 0.5em; }
div.finding img.emblem { float: right; max-width: 160px; max-height: 80px; border: 1px solid #ccc; background: #fff;
  margin: 0 0 0.4em 0.6em; }
.restricted .tone, span.restricted { color: #a00; font-weight: bold; }
.caution .tone, span.caution { color: #a60; font-weight: bold; }
.permitted .tone, .clean .tone, span.permitted { color: #060; font-weight: bold; }
blockquote.rule { margin: 0.4em 0; padding-left: 0.8em; border-left: 3px solid #ccc; color: #333; }
"""


async def check_style() -> Response:
    """The check page's few CSS rules (its policy allows no inline style)."""
    return Response(STYLE, content_type="text/css; charset=utf-8")
