"""The one error hierarchy of emblemcheck: the library raises, the CLI prints."""

from __future__ import annotations

from .exitcodes import ExitCode


class EmblemcheckError(Exception):
    """Base of every error emblemcheck raises on purpose."""

    #: Exit code the CLI uses when this error ends a command.
    exit_code: ExitCode = ExitCode.USAGE


class ImageError(EmblemcheckError):
    """An input could not be read as an image (missing, not an image, truncated, too large)."""

    exit_code = ExitCode.UNREADABLE


class FileVanished(ImageError):
    """An input file does not exist (any more): named wrongly, or deleted during the scan."""


class ImageTooLarge(ImageError):
    """An image has more pixels than the configured limit (a decompression bomb guard)."""


class UnsafeSvg(ImageError):
    """An SVG refers to the network or local files, or declares entities."""


class CatalogueError(EmblemcheckError):
    """The catalogue manifest, its database or an entry in it is wrong."""


class ManifestError(CatalogueError):
    """assets/catalogue.toml or a user manifest entry is malformed."""


class UnknownEmblem(CatalogueError):
    """No emblem with that id is in the catalogue."""


class ArtworkSourceError(CatalogueError):
    """Official artwork could not be obtained or did not match its recorded SHA-256."""


class CatalogueMissing(CatalogueError):
    """catalogue.db does not exist yet: run `emblemcheck catalogue build`."""


class DatabaseError(EmblemcheckError):
    """scans.db or catalogue.db cannot be used: locked by another scan, read-only, or damaged."""


class DatabaseLocked(DatabaseError):
    """Another emblemcheck holds the write lock on scans.db for longer than the busy timeout."""


class HomeNotWritable(DatabaseError):
    """The home folder or a database in it cannot be created or written."""


class CatalogueDamaged(DatabaseError, CatalogueError):
    """catalogue.db is not a database (overwritten or truncated): run `emblemcheck catalogue build`."""


class UsageError(EmblemcheckError):
    """An argument is out of its valid range."""


class OutputError(UsageError):
    """The file a report or picture is to be written to cannot be written (missing folder, read-only)."""


class Notice(UserWarning):
    """Something the user must hear that does not stop the command (the CLI prints it as one ``note:`` line)."""


class BrowseError(EmblemcheckError):
    """`emblemcheck browse` cannot start: the port is taken, or Datasette is absent."""


class PortInUse(BrowseError):
    """The port asked for is taken on 127.0.0.1."""


class BrowseExtraMissing(BrowseError):
    """Datasette is not installed: pip install 'emblemcheck[browse]'."""
