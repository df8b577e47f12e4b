"""emblemcheck: find Government of Canada corporate symbols and agency heraldic emblems in images."""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

__all__ = ["Catalogue", "EmblemcheckError", "Emblem", "FileResult", "Finding", "Rendering", "Restriction", "Scanner",
           "__version__", "build_catalogue", "open_scanner", "scan_image"]

# The public API, imported on first use (PEP 562): the engine pulls in OpenCV
# and numpy, which the command line's --help and catalogue listing never need.
_HOMES = {"Catalogue": ".catalogue.store", "build_catalogue": ".catalogue.build", "EmblemcheckError": ".errors",
          "Emblem": ".models", "FileResult": ".models", "Finding": ".models", "Rendering": ".models",
          "Restriction": ".models", "Scanner": ".scan.scanner", "open_scanner": ".scan.scanner",
          "scan_image": ".scan.scanner"}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name], __name__), name)
