"""The ``emblemcheck`` command line: thin commands over the library."""

from __future__ import annotations

import sys

# Each command module registers its command on `app` when imported, in this
# order in `--help`: the everyday command first.
from . import (  # noqa: F401
    baseline,
    browse,
    catalogue,
    explain,
    scan,  # noqa: F401, I001
)
from .app import app

app.add_typer(catalogue.app, name="catalogue")

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    sys.exit(app())
