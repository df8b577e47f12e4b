"""emblemcheck's Datasette plugin: thumbnails as pictures, ``hamming()`` in SQL.

Registered through the ``datasette`` entry point in pyproject.toml, and by
:func:`emblemcheck.browse.app.build_datasette` when the package is not installed.

Every hook here returns ``None`` for a value it does not handle, so Datasette
renders it as it would without the plugin; none of them raises.
"""

from __future__ import annotations

import base64
import io
import json
import sqlite3
from urllib.parse import quote

import markupsafe
from datasette import Response, hookimpl
from datasette.database import QueryInterrupted
from PIL import Image

from ..i18n import _
from . import check
from .queries import RENDERINGS_OF_KEYS_SQL, THUMBNAIL_OF_KEY_SQL

#: Datasette names a database after its file's stem.
CATALOGUE_DATABASE = "catalogue"
SCANS_DATABASE = "scans"
#: Columns of the browse views holding rendering ids rather than pictures,
#: drawn from the catalogue through :func:`rendering_thumbnail`. scans.db
#: cannot join catalogue.db, so flagged_files stores the id (history.py).
RENDERING_KEY_COLUMNS = {"emblem_thumbnail": "one", "thumbnails": "list"}
THUMBNAIL_ROUTE = "/-/emblemcheck/thumbnail"
STYLE_ROUTE = "/-/emblemcheck/browse.css"
#: Largest on-screen box of a thumbnail (CSS pixels): previews of scanned
#: files are bigger so the drawn box is visible; signatures are wide and low.
FILE_BOX = (240, 180)
EMBLEM_BOX = (200, 80)
_FILE_COLUMNS = {"file_thumbnail"}

# PNG and JPEG are told apart by their first bytes, never by column name
# alone: another BLOB in a thumbnail column stays Datasette's download link.
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
# Columns whose value makes a good alt text, most specific first.
_ALT_COLUMNS = ("path", "name", "emblem_name", "id")

# Datasette 0.65 lists every column description above the table, one per line,
# which pushes the rows off the first screen: set them in columns, and the
# script below folds them under a summary.
_STYLE = """
dl.column-descriptions { columns: 18em auto; column-gap: 2em; font-size: 0.85em; margin: 0.5em 0 1em; }
dl.column-descriptions dt { break-after: avoid; margin-top: 0.3em; }
dl.column-descriptions dd { break-before: avoid; margin: 0 0 0 1em; }
details.column-notes > summary { cursor: pointer; margin: 0.5em 0; }
img.emblemcheck-thumbnail { border: 1px solid #bbb; background: #fff; height: auto; max-width: none;
  margin: 0 4px 4px 0; vertical-align: top; }
td.col-thumbnails { min-width: 420px; }
td.col-basis, td.col-blazon, td.col-notes, td.col-source, td.col-licence, td.col-error { min-width: 16em; }
"""
_SCRIPT = """
document.querySelectorAll("dl.column-descriptions").forEach(function (dl) {
  var details = document.createElement("details");
  var summary = document.createElement("summary");
  details.className = "column-notes";
  summary.textContent = "What the columns mean";
  dl.parentNode.insertBefore(details, dl);
  details.appendChild(summary);
  details.appendChild(dl);
});
"""


def image_type(value: object) -> str | None:
    """The MIME type of a PNG or JPEG ``bytes`` value, else ``None``."""
    if not isinstance(value, bytes):
        return None
    return next((mime for magic, mime in _MAGIC if value.startswith(magic)), None)


def hamming(a: object, b: object) -> int | None:
    """Bits that differ between two equal-length hex hash strings; ``None`` if either is not one."""
    if not (isinstance(a, str) and isinstance(b, str)) or len(a) != len(b) or not a:
        return None
    try:
        return (int(a, 16) ^ int(b, 16)).bit_count()
    except ValueError:
        return None


def display_width(data: bytes, box: tuple[int, int]) -> int | None:
    """The width that fits a PNG or JPEG into ``box`` without enlarging it; ``None`` if unreadable."""
    try:
        # Reads the header only; the pixels are never decoded here.
        width, height = Image.open(io.BytesIO(data)).size
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    if width < 1 or height < 1:
        return None
    return max(1, round(min(width, box[0], box[1] * width / height)))


def _img(src: str, alt: str, width: int) -> str:
    return (f'<img class="emblemcheck-thumbnail" src="{markupsafe.escape(src)}" '
            f'alt="{markupsafe.escape(alt)}" width="{width}">')


def _alt_text(row, column: str) -> str:
    keys = set(row.keys()) if hasattr(row, "keys") else set()
    for key in _ALT_COLUMNS:
        if key in keys and key != column and row[key] not in (None, ""):
            return f"{column} of {row[key]}"
    return column


def _blob_cell(row, value: bytes, column: str, table: str | None, mime: str) -> markupsafe.Markup | None:
    is_file = column in _FILE_COLUMNS or table == "files"
    width = display_width(value, FILE_BOX if is_file else EMBLEM_BOX)
    if width is None:
        return None
    data = base64.b64encode(value).decode("ascii")
    return markupsafe.Markup(_img(f"data:{mime};base64,{data}", _alt_text(row, column), width))


def _rendering_keys(value: object, shape: str) -> list[str] | None:
    if shape == "one":
        return [value] if isinstance(value, str) and value else None
    try:
        keys = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        return None
    return keys


async def _rendering_cell(keys: list[str], datasette) -> markupsafe.Markup | None:
    if not keys:
        return markupsafe.Markup("<em>") + _("no artwork yet") + markupsafe.Markup("</em>")
    try:
        rows = await datasette.get_database(CATALOGUE_DATABASE).execute(
            RENDERINGS_OF_KEYS_SQL, {"keys": json.dumps(keys)})
    except (sqlite3.Error, QueryInterrupted):
        return None
    found = list(rows.rows)
    base = datasette.urls.path(THUMBNAIL_ROUTE)
    images = []
    for key in keys:
        # A finding may name only its emblem: show that emblem's first rendering.
        row = next((r for r in found if r["id"] == key), None) or next(
            (r for r in found if r["emblem_id"] == key), None)
        width = display_width(row["thumbnail"], EMBLEM_BOX) if row and image_type(row["thumbnail"]) else None
        if row is None or width is None:
            images.append(str(markupsafe.escape(key)))
            continue
        images.append(_img(f"{base}?rendering={quote(row['id'], safe='')}", f"rendering {row['id']}", width))
    return markupsafe.Markup("".join(images))


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """``*thumbnail`` BLOBs (PNG, JPEG) as ``<img>``; rendering ids in the browse views as their thumbnails."""
    mime = image_type(value) if column.endswith("thumbnail") else None
    if mime:
        return _blob_cell(row, value, column, table, mime)
    if (column in RENDERING_KEY_COLUMNS and database in (CATALOGUE_DATABASE, SCANS_DATABASE)
            and CATALOGUE_DATABASE in datasette.databases):
        keys = _rendering_keys(value, RENDERING_KEY_COLUMNS[column])
        if keys is not None:
            return _rendering_cell(keys, datasette)
    return None


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    """Register ``hamming(a, b)`` so near-duplicate hash queries run in the browser."""
    conn.create_function("hamming", 2, hamming, deterministic=True)


async def rendering_thumbnail(datasette, request) -> Response:
    """The PNG thumbnail of one rendering: ``?rendering=ID`` (or the first rendering of ``?emblem=ID``)."""
    if CATALOGUE_DATABASE not in datasette.databases:
        return Response.text("no catalogue database is open", status=404)
    key = request.args.get("rendering") or request.args.get("emblem") or ""
    rows = await datasette.get_database(CATALOGUE_DATABASE).execute(THUMBNAIL_OF_KEY_SQL, {"key": key})
    row = rows.first()
    mime = image_type(row[0]) if row else None
    if not mime:
        return Response.text(f"no thumbnail for {key!r}", status=404)
    # catalogue.db is opened immutable: a rebuild means a restart, so a day is safe.
    return Response(row[0], content_type=mime, headers={"cache-control": "max-age=86400"})


async def browse_style() -> Response:
    """The few CSS rules that keep column notes short and thumbnails framed."""
    return Response(_STYLE, content_type="text/css; charset=utf-8")


@hookimpl
def register_routes():
    return [(f"^{THUMBNAIL_ROUTE}$", rendering_thumbnail), (f"^{STYLE_ROUTE}$", browse_style),
            (f"^{check.CHECK_ROUTE}$", check.check_page), (f"^{check.STYLE_ROUTE}$", check.check_style)]


@hookimpl
def skip_csrf(scope):
    """The check page's upload checks Datasette's CSRF token itself (:func:`check.csrf_valid` says why)."""
    return scope.get("type") == "http" and scope.get("path") == check.CHECK_ROUTE


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.path(STYLE_ROUTE)]


@hookimpl
def extra_body_script(request):
    # Not on the check page: its Content-Security-Policy allows no inline script of ours.
    if request is not None and request.path == check.CHECK_ROUTE:
        return None
    return _SCRIPT.replace("What the columns mean", _("What the columns mean"))
