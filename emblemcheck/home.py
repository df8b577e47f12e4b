"""Where emblemcheck keeps its state: ``--home``, ``EMBLEMCHECK_HOME`` or the user data folder."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from .errors import HomeNotWritable


@dataclass(frozen=True)
class Home:
    """The folder holding ``catalogue.db``, ``scans.db``, the artwork cache and user artwork."""

    root: Path

    def ensure_writable(self) -> None:
        """Create the folder if needed and prove a file can be written in it; raise :class:`HomeNotWritable`."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.root):
                pass
        except OSError as exc:
            raise HomeNotWritable(f"cannot write in the home folder {self.root} ({exc.strerror or exc}): "
                                  "make it writable, or choose another with --home") from None

    @property
    def catalogue_db(self) -> Path:
        return self.root / "catalogue.db"

    @property
    def scans_db(self) -> Path:
        return self.root / "scans.db"

    @property
    def cache(self) -> Path:
        """Official artwork fetched at build time; never redistributed."""
        return self.root / "cache"

    @property
    def artwork(self) -> Path:
        """Copies of artwork the user attached with ``catalogue add``."""
        return self.root / "artwork"

    @property
    def user_manifest(self) -> Path:
        """Entries and renderings the user added; replayed by every rebuild."""
        return self.root / "user-catalogue.json"


def resolve_home(home: Path | str | None = None) -> Home:
    """The home folder: the argument, else ``$EMBLEMCHECK_HOME``, else the platform's user data folder."""
    chosen = home or os.environ.get("EMBLEMCHECK_HOME") or platformdirs.user_data_dir("emblemcheck")
    return Home(Path(chosen).expanduser())
