"""Shared fixtures: a catalogue built once per session (through the real npm
path) and per-test copies of it. Pictures are made in tests/pictures.py."""

from __future__ import annotations

import shutil

import pytest

from emblemcheck.catalogue import build_catalogue
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


