"""The catalogue of emblems: manifest, artwork sources, build, and the SQLite store."""

from .build import BuildReport, build_catalogue
from .edit import Added, add_artwork, remove
from .manifest import Manifest, load_manifest
from .store import Catalogue, Listing, listings

__all__ = ["Added", "BuildReport", "Catalogue", "Listing", "Manifest", "add_artwork", "build_catalogue",
           "listings", "load_manifest", "remove"]
