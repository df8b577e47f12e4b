"""Shared fixtures: a catalogue built once per session (through the real npm
path) and per-test copies of it, and a home with only a drawn badge for the
folder-scan tests. Pictures are made in tests/pictures.py and tests/bulk_tree.py."""

from __future__ import annotations

import shutil

import pytest
from bulk_tree import make_home
from pictures import jpeg, photo_like, rendered
from typer.testing import CliRunner

from emblemcheck.catalogue import build_catalogue
from emblemcheck.cli import app
from emblemcheck.home import Home


@pytest.fixture(scope="session")
def built_home(tmp_path_factory) -> Home:
    """A home whose catalogue was built by `npm pack` once for the whole session.

    Tests may scan with it (its scan history is shared) but must not change its catalogue.
    """
    home = Home(tmp_path_factory.mktemp("built-home"))
    report = build_catalogue(home)
    assert report.problems == (), report.problems
    return home


@pytest.fixture
def home(built_home, tmp_path) -> Home:
    """A private copy of the built home's catalogue (no scan history), safe to change."""
    target = tmp_path / "home"
    shutil.copytree(built_home.root, target, ignore=shutil.ignore_patterns("scans.db*"))
    return Home(target)


@pytest.fixture
def empty_home(tmp_path) -> Home:
    return Home(tmp_path / "empty-home")


@pytest.fixture(scope="module")
def badge_home(tmp_path_factory) -> Home:
    """A catalogue without official artwork plus the drawn test badge (bulk_tree.make_home), one per module.

    Its scan history is shared by the module's tests.
    """
    return make_home(tmp_path_factory.mktemp("badge-home"))


@pytest.fixture(scope="session")
def scanned_home(built_home, tmp_path_factory) -> Home:
    """The session's real catalogue build (conftest, through npm), then `emblemcheck scan` of a generated folder.

    Read-only for the tests that use it: one scan serves them all.
    """
    tmp_path = tmp_path_factory.mktemp("browse-new-user")
    home = Home(tmp_path / "home")
    shutil.copytree(built_home.root, home.root, ignore=shutil.ignore_patterns("scans.db*"))
    folder = tmp_path / "to-post"
    folder.mkdir()
    rendered(home, "canada-wordmark", "black", width=500).save(folder / "wordmark.png")
    poster = photo_like(900, 600, seed=1)
    poster.paste(rendered(home, "gc-signature-en", "colour", width=360), (40, 40))
    jpeg(poster, folder / "poster.jpg")
    photo_like(640, 480, seed=3).save(folder / "holiday.png")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(20))
    result = CliRunner().invoke(app, ["scan", str(folder), "--home", str(home.root), "--workers", "1"])
    assert result.exit_code == 3, result.output  # flagged files and one unreadable file
    return home
