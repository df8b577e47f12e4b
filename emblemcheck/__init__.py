"""emblemcheck: find Government of Canada corporate symbols and agency heraldic emblems in images."""

from .errors import EmblemcheckError
from .models import Emblem, FileResult, Finding, Rendering, Restriction

__version__ = "0.1.0"

__all__ = ["EmblemcheckError", "Emblem", "FileResult", "Finding", "Rendering", "Restriction", "__version__"]
