"""The ``emblemcheck`` command line: thin commands over the library."""

from __future__ import annotations

import sys

# Each command module registers its command on `app` when imported; `--help`
# lists them in import order (alphabetical, as ruff sorts it), then the
# catalogue group added below.
from . import (  # noqa: F401
    baseline,
    browse,
    catalogue,
    explain,
    scan,
)
from .app import app

app.add_typer(catalogue.app, name="catalogue")

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    sys.exit(app())
