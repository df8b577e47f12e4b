"""emblemcheck's Datasette plugin: thumbnails as pictures, ``hamming()`` in SQL.

Registered through the ``datasette`` entry point in pyproject.toml, and by
:func:`emblemcheck.browse.build_datasette` when the package is not installed.

Every hook here returns ``None`` for a value it does not handle, so Datasette
renders it as it would without the plugin; none of them raises.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from urllib.parse import quote

import markupsafe
from datasette import Response, hookimpl

#: Datasette names a database after its file's stem.
CATALOGUE_DATABASE = "catalogue"
#: Display width of a thumbnail in a table cell; the BLOBs are at most 256 px.
THUMBNAIL_WIDTH = 120
SCANS_DATABASE = "scans"
#: Columns of the browse views holding rendering ids rather than pictures,
#: shown as thumbnails served by :func:`rendering_thumbnail` (see
#: ``flagged_files`` in history.py and ``emblem_gallery`` in catalogue/store.py).
RENDERING_KEY_COLUMNS = {"emblem_thumbnail": "one", "thumbnails": "list"}
THUMBNAIL_ROUTE = "/-/emblemcheck/thumbnail"

# PNG and JPEG are told apart by their first bytes, never by column name:
# a column may hold other binary data, which Datasette then offers as a download.
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
# Columns whose value makes a good alt text, most specific first.
_ALT_COLUMNS = ("path", "name", "emblem_name", "id")


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


def _alt_text(row, column: str) -> str:
    keys = set(row.keys()) if hasattr(row, "keys") else set()
    for key in _ALT_COLUMNS:
        if key in keys and key != column and row[key] not in (None, ""):
            return f"{column} of {row[key]}"
    return column


def _img(src: str, alt: str, width: int = THUMBNAIL_WIDTH) -> str:
    return '<img src="{}" alt="{}" width="{}" loading="lazy" style="max-width:none;height:auto">'.format(
        markupsafe.escape(src), markupsafe.escape(alt), width
    )


def _rendering_ids(value: object, shape: str) -> list[str] | None:
    if shape == "one":
        return [value] if isinstance(value, str) and value else None
    try:
        ids = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return None
    return ids


def _rendering_cell(value, column, datasette) -> markupsafe.Markup | None:
    if CATALOGUE_DATABASE not in datasette.databases:
        return None
    ids = _rendering_ids(value, RENDERING_KEY_COLUMNS[column])
    if ids is None:
        return None
    if not ids:
        return markupsafe.Markup("<em>no artwork yet</em>")
    base = datasette.urls.path(THUMBNAIL_ROUTE)
    images = (_img(f"{base}?rendering={quote(i, safe='')}", f"rendering {i}", width=80) for i in ids)
    return markupsafe.Markup(" ".join(images))


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """``*thumbnail`` BLOBs (PNG, JPEG) as ``<img>``; rendering ids in the browse views as their thumbnails."""
    mime = image_type(value) if column.endswith("thumbnail") else None
    if mime:
        data = base64.b64encode(value).decode("ascii")
        return markupsafe.Markup(_img(f"data:{mime};base64,{data}", _alt_text(row, column)))
    if column in RENDERING_KEY_COLUMNS and database in (CATALOGUE_DATABASE, SCANS_DATABASE):
        return _rendering_cell(value, column, datasette)
    return None


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    """Register ``hamming(a, b)`` so near-duplicate hash queries run in the browser."""
    conn.create_function("hamming", 2, hamming, deterministic=True)


async def rendering_thumbnail(datasette, request) -> Response:
    """The PNG thumbnail of one rendering: ``?rendering=ID`` (or the first rendering of ``?emblem=ID``)."""
    if CATALOGUE_DATABASE not in datasette.databases:
        return Response.text("no catalogue database is open", status=404)
    db = datasette.get_database(CATALOGUE_DATABASE)
    key = request.args.get("rendering") or request.args.get("emblem") or ""
    rows = await db.execute(
        "select thumbnail from renderings where id = :key or emblem_id = :key"
        " order by id = :key desc, id limit 1",
        {"key": key},
    )
    thumbnail = rows.first()[0] if rows.first() else None
    mime = image_type(thumbnail)
    if not mime:
        return Response.text(f"no thumbnail for {key!r}", status=404)
    # catalogue.db is opened immutable: a rebuild means a restart, so a day is safe.
    return Response(thumbnail, content_type=mime, headers={"cache-control": "max-age=86400"})


@hookimpl
def register_routes():
    return [(r"^" + THUMBNAIL_ROUTE + r"$", rendering_thumbnail)]
