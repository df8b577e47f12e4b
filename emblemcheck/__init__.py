"""emblemcheck: find Government of Canada corporate symbols and agency heraldic emblems in images."""

__version__ = "0.1.0"

from .catalogue import Catalogue, build_catalogue
from .errors import EmblemcheckError
from .models import Emblem, FileResult, Finding, Rendering, Restriction
from .scan.scanner import Scanner, open_scanner, scan_image

__all__ = ["Catalogue", "EmblemcheckError", "Emblem", "FileResult", "Finding", "Rendering", "Restriction", "Scanner",
           "__version__", "build_catalogue", "open_scanner", "scan_image"]
