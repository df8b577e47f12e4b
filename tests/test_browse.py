"""emblemcheck browse: Datasette pages, canned queries, plugin and errors, in process."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import webbrowser
from urllib.parse import quote

import pytest
from PIL import Image, ImageDraw

pytest.importorskip("datasette", reason="the browse extra is not installed")
uvicorn = pytest.importorskip("uvicorn", reason="the browse extra is not installed")

from pictures import flagged_paths  # noqa: E402

from emblemcheck.browse import app as browse  # noqa: E402
from emblemcheck.browse import metadata as browse_metadata  # noqa: E402
from emblemcheck.browse import plugin as datasette_plugin  # noqa: E402
from emblemcheck.catalogue import store  # noqa: E402
from emblemcheck.errors import BrowseExtraMissing, CatalogueMissing, PortInUse, UsageError  # noqa: E402
from emblemcheck.home import Home  # noqa: E402
from emblemcheck.models import FileResult, Finding, Restriction  # noqa: E402
from emblemcheck.scan import history  # noqa: E402


def _picture(fmt: str, colour: tuple[int, int, int], box: bool = False) -> bytes:
    image = Image.new("RGB", (64, 40), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((16, 8, 48, 32), fill=(255, 255, 255))
    if box:
        draw.rectangle((10, 5, 54, 35), outline=(230, 0, 120), width=2)
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


EMBLEMS = [
    {"id": "gc-signature", "name": "Government of Canada signature", "agency": "Government of Canada",
     "kind": "signature", "restriction": "restricted", "blazon": "", "source": "GC design system package",
     "licence": "Protected official symbol", "notes": "English and French versions", "artwork": "ready"},
    {"id": "cbsa-arms", "name": "CBSA arms", "agency": "Canada Border Services Agency",
     "kind": "coat-of-arms", "restriction": "restricted",
     "blazon": "Gyronny of six Azure and Argent a portcullis ensigned by the Royal Crown",
     "source": "Canadian Heraldic Authority register", "licence": "Consent of the Authority required",
     "notes": "", "artwork": "needs artwork"},
    {"id": "canada-flag", "name": "National Flag of Canada", "agency": "Canadian Heritage",
     "kind": "flag", "restriction": "permitted", "blazon": "Gules on a Canadian pale argent a maple leaf",
     "source": "drawn by emblemcheck", "licence": "Apache-2.0", "notes": "", "artwork": "ready"},
]
RENDERINGS = [
    ("gc-signature/en", "gc-signature", "en", "0f0f0f0f0f0f0f0f"),
    ("gc-signature/fr", "gc-signature", "fr", "0f0f0f0f0f0f0f0e"),
    ("canada-flag/base", "canada-flag", "base", "f0f0f0f0f0f0f0f0"),
]


@pytest.fixture
def synthetic_home(tmp_path) -> Home:
    """Databases written row by row through the schemas, so every value is known."""
    home = Home(tmp_path / "synthetic-home")
    home.root.mkdir()
    _catalogue(home)
    _scans(home)
    return home


def _catalogue(home: Home) -> None:
    db = store.open_catalogue_db(home.catalogue_db)
    db["emblems"].insert_all(
        [{**e, "origin": "manifest", "renderings": sum(r[1] == e["id"] for r in RENDERINGS)} for e in EMBLEMS]
    )
    db["renderings"].insert_all(
        {"id": rid, "emblem_id": eid, "variant": variant, "width": 64, "height": 40, "phash": phash,
         "dhash": phash, "pdq": phash * 4, "thumbnail": _picture("PNG", (200, 30, 40)),
         "image": _picture("PNG", (200, 30, 40))}
        for rid, eid, variant, phash in RENDERINGS
    )
    db["meta"].insert({"key": "version", "value": "test-1"})
    store.create_browse_views(db)
    db.close()


def _finding(emblem_id: str, rendering_id: str, name: str, restriction: Restriction, score: float,
             threshold: float = 0.5) -> Finding:
    return Finding(emblem_id=emblem_id, name=name, restriction=restriction, score=score,
                   method="features", box=(10, 5, 44, 30), rendering_id=rendering_id, threshold=threshold)


SIGNATURE = dict(emblem_id="gc-signature", rendering_id="gc-signature/en",
                 name="Government of Canada signature", restriction=Restriction.RESTRICTED)


def _scans(home: Home) -> None:
    db = history.open_scans(home.scans_db)
    first = history.start_run(db, catalogue_version="test-1", command="emblemcheck scan photos")
    results = [
        FileResult("photos/poster.png", "flagged", sha256="a" * 64, width=64, height=40,
                   findings=(_finding(**SIGNATURE, score=0.91),)),
        FileResult("photos/cat.jpg", "clean", sha256="b" * 64, width=64, height=40),
        FileResult("photos/broken.png", "error", sha256="", error="truncated PNG"),
    ]
    history.record(db, first, results, catalogue_version="test-1",
                   thumbnails={"photos/poster.png": _picture("JPEG", (30, 60, 200), box=True)})
    history.finish_run(db, first, results, seconds=1.5)
    second = history.start_run(db, catalogue_version="test-1", command="emblemcheck scan more")
    later = [
        FileResult("more/badge.png", "flagged", sha256="c" * 64, width=64, height=40,
                   findings=(_finding(**SIGNATURE, score=0.62),)),
        FileResult("more/faint.png", "clean", sha256="d" * 64, width=64, height=40,
                   near_miss=_finding(**SIGNATURE, score=0.31)),
    ]
    history.record(db, second, later, catalogue_version="test-1",
                   thumbnails={"more/badge.png": _picture("JPEG", (30, 160, 60), box=True)})
    history.finish_run(db, second, later, seconds=0.5)
    db["accepted"].insert({"sha256": "c" * 64, "emblem_id": "gc-signature",
                           "reason": "official account avatar", "accepted_at": "2024-05-01", "source": "baseline"})
    db.close()


def _get(datasette, path: str):
    return asyncio.run(datasette.client.get(path))


def _rows(datasette, path: str) -> list[dict]:
    base, _, query = path.partition("?")
    response = _get(datasette, f"{base}.json?_shape=objects&{query}")
    assert response.status_code == 200, response.text
    return response.json()["rows"]


@pytest.fixture
def datasette(synthetic_home):
    return browse.build_datasette(synthetic_home)


# --- pages ------------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "/", "/catalogue", "/scans", "/catalogue/emblem_gallery", "/catalogue/emblems",
    "/catalogue/renderings", "/catalogue/meta", "/scans/flagged_files", "/scans/scan_errors",
    "/scans/scan_runs", "/scans/files", "/scans/findings", "/scans/runs", "/scans/accepted",
])
def test_every_page_renders(datasette, path):
    response = _get(datasette, path)
    assert response.status_code == 200, response.text


def test_front_page_quotes_the_rule_and_its_source(datasette):
    html = _get(datasette, "/").text
    assert "Guideline for External Use of Web 2.0" in html
    assert "Treasury Board of Canada Secretariat" in html
    assert "rescinded 2014-06-09" in html
    assert "a 2011 blog post by a Canada Border Services Agency officer" in html
    assert "Secretariat policy document 24835" in html


def test_front_page_says_which_entries_scans_cannot_find(datasette):
    html = _get(datasette, "/").text
    assert ("With this catalogue, a scan cannot find 1 catalogue entry, and finds 2 catalogue entries only as the "
            "whole picture, not inside a larger one:") in html
    assert ("<strong>CBSA arms</strong> (<code>cbsa-arms</code>): no artwork attached: attach the official file "
            "with `emblemcheck catalogue add FILE --id cbsa-arms`") in html
    # The synthetic renderings record no detectability: found only as a whole picture.
    assert "(<code>gc-signature</code>): found only when it fills the picture" in html


def test_catalogue_page_lists_source_and_licence_of_each_emblem(datasette):
    html = _get(datasette, "/catalogue").text
    for emblem in EMBLEMS:
        assert emblem["source"] in html
        assert emblem["licence"] in html


def test_flagged_files_show_file_and_emblem_thumbnails(datasette):
    html = _get(datasette, "/scans/flagged_files").text
    assert html.count('src="data:image/jpeg;base64,') == 2
    assert 'alt="file_thumbnail of photos/poster.png"' in html
    assert html.count("/-/emblemcheck/thumbnail?rendering=gc-signature%2Fen") == 2
    rows = _rows(datasette, "/scans/flagged_files")
    assert [(r["path"], r["score"]) for r in rows] == [("photos/poster.png", 0.91), ("more/badge.png", 0.62)]
    assert rows[1]["accepted_reason"] == "official account avatar"


def test_flagged_files_facets(datasette):
    data = _get(datasette, "/scans/flagged_files.json").json()
    facets = data["facet_results"]
    assert set(facets) == {"restriction", "emblem_name", "run_id"}
    assert [(v["value"], v["count"]) for v in facets["run_id"]["results"]] == [(1, 1), (2, 1)]


def test_emblem_gallery_shows_every_rendering_and_artwork_state(datasette):
    html = _get(datasette, "/catalogue/emblem_gallery").text
    assert "/-/emblemcheck/thumbnail?rendering=gc-signature%2Fen" in html
    assert "/-/emblemcheck/thumbnail?rendering=gc-signature%2Ffr" in html
    assert "no artwork yet" in html
    rows = _rows(datasette, "/catalogue/emblem_gallery")
    assert [r["id"] for r in rows] == ["cbsa-arms", "gc-signature", "canada-flag"]
    assert {r["id"]: r["artwork"] for r in rows}["cbsa-arms"] == "needs artwork"


def test_thumbnail_route_serves_png_of_a_rendering_or_an_emblem(datasette):
    for query in ("rendering=gc-signature%2Ffr", "emblem=canada-flag"):
        response = _get(datasette, f"/-/emblemcheck/thumbnail?{query}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"
        assert response.content.startswith(b"\x89PNG")
    assert _get(datasette, "/-/emblemcheck/thumbnail?rendering=nope").status_code == 404


def test_renderings_thumbnails_render_as_png_images(datasette):
    html = _get(datasette, "/catalogue/renderings").text
    assert html.count('src="data:image/png;base64,') == len(RENDERINGS)
    # The reference image column is not a thumbnail: Datasette offers it as a download.
    assert "&lt;Binary:" in html


def test_scan_errors_and_runs(datasette):
    assert [(r["path"], r["error"]) for r in _rows(datasette, "/scans/scan_errors")] == [
        ("photos/broken.png", "truncated PNG")]
    runs = _rows(datasette, "/scans/scan_runs")
    assert [(r["run_id"], r["files"], r["flagged"], r["errors"]) for r in runs] == [(2, 2, 1, 0), (1, 3, 1, 1)]


def test_files_facet_by_status(datasette):
    facets = _get(datasette, "/scans/files.json").json()["facet_results"]
    assert {v["value"]: v["count"] for v in facets["status"]["results"]} == {"flagged": 2, "clean": 2, "error": 1}


@pytest.mark.parametrize("words, expected", [
    ("portcullis", ["cbsa-arms"]),
    ("Heritage", ["canada-flag"]),
    ("signature", ["gc-signature"]),
    ('CBSA" arms(', ["cbsa-arms"]),  # FTS syntax in what a person types is searched as words, not an error
])
def test_full_text_search(datasette, words, expected):
    assert [r["id"] for r in _rows(datasette, f"/catalogue/emblems?_search={words}")] == expected
    assert [r["id"] for r in _rows(datasette, f"/catalogue/search_emblems?words={words}")] == expected


# --- canned queries ---------------------------------------------------------


def test_findings_of_one_emblem(datasette):
    rows = _rows(datasette, "/scans/findings_of_emblem?emblem=gc-signature")
    assert [r["path"] for r in rows] == ["photos/poster.png", "more/badge.png"]
    assert _rows(datasette, "/scans/findings_of_emblem?emblem=canada-flag") == []


def test_files_flagged_since_a_run(datasette):
    assert [r["path"] for r in _rows(datasette, "/scans/flagged_since_run?run=2")] == ["more/badge.png"]
    assert len(_rows(datasette, "/scans/flagged_since_run?run=1")) == 2


def test_near_misses_are_clean_files_with_a_best_score(datasette):
    rows = _rows(datasette, "/scans/near_misses")
    assert [(r["path"], r["best_score"], r["emblem_name"]) for r in rows] == [
        ("more/faint.png", 0.31, "Government of Canada signature")]
    assert _rows(datasette, "/scans/near_misses?min_score=0.4") == []


def test_accepted_files_with_reasons(datasette):
    rows = _rows(datasette, "/scans/accepted_files")
    assert [(r["path"], r["reason"]) for r in rows] == [("more/badge.png", "official account avatar")]


def test_similar_renderings_uses_hamming(datasette):
    rows = _rows(datasette, "/catalogue/similar_renderings?max_bits=10")
    assert rows == []  # the two signature renderings are one emblem; the flag is far away
    rows = _rows(datasette, "/catalogue/similar_renderings?max_bits=64")
    assert {(r["a_id"], r["b_id"]) for r in rows} == {("canada-flag/base", "gc-signature/en"),
                                                       ("canada-flag/base", "gc-signature/fr")}
    assert {r["phash_bits"] for r in rows} == {64, 63}


def test_hamming_in_arbitrary_sql(datasette):
    rows = _rows(datasette, "/catalogue?sql=select+hamming('ff',+'0f')+as+d,+hamming('zz',+'00')+as+bad")
    assert rows == [{"d": 4, "bad": None}]


# --- plugin values ----------------------------------------------------------


@pytest.mark.parametrize("a, b, expected", [
    ("00", "00", 0), ("ff", "00", 8), ("0f0f", "0f0e", 1), ("FF", "ff", 0),
    ("ff", "fff", None), ("xyz", "abc", None), (None, "ff", None), (3, 4, None), ("", "", None),
])
def test_hamming(a, b, expected):
    assert datasette_plugin.hamming(a, b) == expected


@pytest.mark.parametrize("value, column", [
    (b"GIF89a....", "thumbnail"),           # not PNG or JPEG: Datasette's download link
    (b"\x89PNG\r\n\x1a\n....", "image"),    # a PNG, but not a thumbnail column
    ("not bytes", "thumbnail"),
    (None, "thumbnail"),
    (12, "emblem_thumbnail"),
    ("{not json", "thumbnails"),
    ('{"a": 1}', "thumbnails"),
])
def test_render_cell_leaves_what_it_does_not_handle(datasette, value, column):
    assert datasette_plugin.render_cell(
        row={}, value=value, column=column, table="t", database="scans", datasette=datasette) is None


def test_render_cell_outside_emblemcheck_databases_leaves_ids_alone(datasette):
    assert datasette_plugin.render_cell(
        row={}, value="x", column="emblem_thumbnail", table="t", database="other", datasette=datasette) is None


# --- starting ---------------------------------------------------------------


def test_missing_catalogue_names_the_build_command(tmp_path):
    with pytest.raises(CatalogueMissing, match="emblemcheck catalogue build"):
        browse.open_browser(Home(tmp_path), port=0)


SCAN_VIEWS = ("flagged_files", "scan_errors", "scan_runs", "files", "findings")


@pytest.fixture
def catalogue_only(tmp_path) -> Home:
    """A home right after `catalogue build`: catalogue.db, no scans.db."""
    home = Home(tmp_path / "catalogue-only")
    home.root.mkdir()
    _catalogue(home)
    return home


def test_browse_before_the_first_scan_serves_the_catalogue(catalogue_only):
    datasette = browse.build_datasette(catalogue_only)
    assert catalogue_only.scans_db.is_file()
    assert {r["id"] for r in _rows(datasette, "/catalogue/emblem_gallery")} == {e["id"] for e in EMBLEMS}
    assert _get(datasette, "/").status_code == 200


@pytest.mark.parametrize("view", SCAN_VIEWS)
def test_empty_scan_views_say_how_to_fill_them(catalogue_only, view):
    datasette = browse.build_datasette(catalogue_only)
    assert _rows(datasette, f"/scans/{view}") == []
    html = _get(datasette, f"/scans/{view}").text
    assert "Filled by every `emblemcheck scan FOLDER` (or FILE): empty until the first scan" in html


def test_port_zero_picks_a_free_loopback_port(synthetic_home):
    browser = browse.open_browser(synthetic_home, port=0)
    try:
        host, port = browser.sock.getsockname()
        assert host == "127.0.0.1" and port > 0
        assert browser.url == f"http://127.0.0.1:{port}/"
    finally:
        browser.sock.close()


def test_port_in_use_is_a_clear_error(synthetic_home):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        with pytest.raises(PortInUse, match=f"port {taken.getsockname()[1]} .* --port 0"):
            browse.open_browser(synthetic_home, port=taken.getsockname()[1])
    finally:
        taken.close()


@pytest.mark.parametrize("port", [-1, 65536])
def test_port_out_of_range(synthetic_home, port):
    with pytest.raises(UsageError, match="between 0 and 65535"):
        browse.open_browser(synthetic_home, port=port)


def test_missing_datasette_says_how_to_install_the_extra(synthetic_home, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_datasette(name, *args, **kwargs):
        if name.startswith("datasette"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_datasette)
    with pytest.raises(BrowseExtraMissing, match=r"pip install 'emblemcheck\[browse\]'"):
        browse.build_datasette(synthetic_home)


def test_catalogue_is_immutable_and_scans_live(datasette):
    assert datasette.databases["catalogue"].is_mutable is False
    assert datasette.databases["scans"].is_mutable is True


def test_metadata_is_plain_json(synthetic_home):
    json.dumps(browse_metadata.metadata(synthetic_home.catalogue_db))


# --- command line -----------------------------------------------------------


def test_cli_browse_prints_the_url_and_serves(synthetic_home, monkeypatch):
    from typer.testing import CliRunner

    from emblemcheck.cli import app

    # Only the two outermost effects are replaced: the server's run loop and the web browser.
    served, opened = [], []
    monkeypatch.setattr(uvicorn.Server, "run", lambda server, sockets=None: served.append(sockets))
    monkeypatch.setattr(webbrowser, "open", opened.append)
    result = CliRunner().invoke(app, ["browse", "--port", "0", "--open", "--home", str(synthetic_home.root)])
    assert result.exit_code == 0, result.output
    ((sock,),) = served
    host, port = sock.getsockname()
    sock.close()
    assert host == "127.0.0.1" and port > 0
    url = f"http://127.0.0.1:{port}/"
    assert opened == [f"{url}scans/flagged_files"]
    lines = result.output.splitlines()
    assert lines[0] == f"emblemcheck browse: serving on {url} (Ctrl-C to stop)"
    assert f"  Flagged files: {url}scans/flagged_files" in lines
    assert f"  Emblems: {url}catalogue/emblem_gallery" in lines


def test_cli_browse_missing_catalogue(synthetic_home, monkeypatch):
    from typer.testing import CliRunner

    from emblemcheck.cli import app

    monkeypatch.setattr(uvicorn.Server, "run", lambda *a, **k: pytest.fail("must not serve"))
    synthetic_home.catalogue_db.unlink()
    result = CliRunner().invoke(app, ["browse", "--home", str(synthetic_home.root)])
    assert result.exit_code == 2, result.output
    assert "run `emblemcheck catalogue build" in result.output


def test_cli_browse_without_scans_serves_and_creates_scans_db(catalogue_only, monkeypatch):
    from typer.testing import CliRunner

    from emblemcheck.cli import app

    served = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda server, sockets=None: served.append(sockets))
    result = CliRunner().invoke(app, ["browse", "--port", "0", "--home", str(catalogue_only.root)])
    assert result.exit_code == 0, result.output
    ((sock,),) = served
    sock.close()
    assert catalogue_only.scans_db.is_file()
    assert "  Emblems: http://127.0.0.1:" in result.output


# --- as a new user: a real catalogue build, a real scan of a folder ---------


def test_new_user_sees_flagged_files_with_boxes_and_emblems(scanned_home):
    datasette = browse.build_datasette(scanned_home)
    flagged = flagged_paths(scanned_home)
    assert any(p.endswith("wordmark.png") for p in flagged), flagged
    rows = _rows(datasette, "/scans/flagged_files")
    assert sorted({r["path"] for r in rows}) == flagged
    html = _get(datasette, "/scans/flagged_files").text
    assert html.count('src="data:image/jpeg;base64,') == len(rows)
    for row in rows:
        assert f"?rendering={quote(row['emblem_thumbnail'], safe='')}" in html
        thumbnail = _get(datasette, f"/-/emblemcheck/thumbnail?rendering={quote(row['emblem_thumbnail'], safe='')}")
        assert thumbnail.content.startswith(b"\x89PNG")


def test_new_user_sees_every_rendering_in_the_gallery(scanned_home):
    datasette = browse.build_datasette(scanned_home)
    html = _get(datasette, "/catalogue/emblem_gallery").text
    rows = _rows(datasette, "/catalogue/emblem_gallery")
    assert sum(r["renderings"] for r in rows) > 0
    assert html.count('class="emblemcheck-thumbnail"') == sum(r["renderings"] for r in rows)
    assert html.count("no artwork yet") == sum(r["renderings"] == 0 for r in rows)


@pytest.mark.parametrize("path", [
    "/", "/catalogue", "/scans", "/catalogue/emblem_gallery", "/catalogue/renderings",
    "/scans/flagged_files", "/scans/scan_errors", "/scans/scan_runs", "/scans/files",
    "/catalogue/search_emblems?words=canada", "/catalogue/similar_renderings",
    "/scans/findings_of_emblem?emblem=canada-wordmark", "/scans/flagged_since_run?run=1",
    "/scans/near_misses", "/scans/accepted_files",
])
def test_new_user_pages_render(scanned_home, path):
    response = _get(browse.build_datasette(scanned_home), path)
    assert response.status_code == 200, response.text


def test_new_user_sees_the_unreadable_file_and_the_run(scanned_home):
    datasette = browse.build_datasette(scanned_home)
    errors = _rows(datasette, "/scans/scan_errors")
    assert [r["path"].rsplit("/", 1)[-1] for r in errors] == ["broken.png"]
    (run,) = _rows(datasette, "/scans/scan_runs")
    assert (run["files"], run["errors"], run["flagged"]) == (4, 1, len(flagged_paths(scanned_home)))
