"""The catalogue of emblems: manifest, artwork sources, build, and the SQLite store."""

from __future__ import annotations

import importlib

__all__ = ["Added", "BuildReport", "Catalogue", "KitExport", "KitImport", "KitLine", "Listing", "Manifest",
           "add_artwork", "build_catalogue", "export_kit", "import_kit", "listings", "load_manifest", "remove"]

# Imported on first use (PEP 562): a build needs the engine (OpenCV, numpy),
# `catalogue list` only the store.
_HOMES = {"BuildReport": ".build", "build_catalogue": ".build", "Added": ".edit", "add_artwork": ".edit",
          "remove": ".edit", "KitExport": ".kit", "KitImport": ".kit", "KitLine": ".kit",
          "export_kit": ".kit", "import_kit": ".kit", "Manifest": ".manifest", "load_manifest": ".manifest",
          "Catalogue": ".store", "Listing": ".store", "listings": ".store"}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name], __name__), name)
