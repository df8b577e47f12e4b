"""The catalogue of emblems: manifest, artwork sources, build, and the SQLite store."""

from .build import BuildReport, build_catalogue
from .edit import Added, add_artwork, remove
from .kit import KitExport, KitImport, KitLine, export_kit, import_kit
from .manifest import Manifest, load_manifest
from .store import Catalogue, Listing, listings

__all__ = ["Added", "BuildReport", "Catalogue", "KitExport", "KitImport", "KitLine", "Listing", "Manifest",
           "add_artwork", "build_catalogue", "export_kit", "import_kit", "listings", "load_manifest", "remove"]
