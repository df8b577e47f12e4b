"""Locate the shipped ``assets/`` and ``data/`` folders.

In a wheel they are ``emblemcheck/_assets`` and ``emblemcheck/_data``
(pyproject's force-include); in a source checkout or editable install they
are the repository's top-level ``assets/`` and ``data/``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _locate(installed: str, checkout: str) -> Path:
    for candidate in (_PACKAGE / installed, _PACKAGE.parent / checkout):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"emblemcheck is installed without its {checkout}/ folder")


def assets_dir() -> Path:
    """The folder holding catalogue.toml and the project's own artwork."""
    return _locate("_assets", "assets")


def data_dir() -> Path:
    """The folder holding guideline texts and the scan output JSON Schema."""
    return _locate("_data", "data")
