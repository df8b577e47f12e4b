"""Built FLANN trees kept on disk between processes, keyed by catalogue version and tree content.

Every scanning process (a pool worker per core, a cluster worker per
catalogue version) builds the same KD-trees from the same descriptors.
OpenCV's ``cv2.flann.Index`` can write its trees (``save``) and read them
back over the same descriptors (``load``), which is far quicker than a build
and gives the same neighbours (tests/test_trees.py). The index cannot be
pickled, so this is the only way to share it. Files live in
``<catalogue folder>/index/<catalogue version>/<key>.flann``; a
save removes other versions' folders.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import cv2
    import numpy as np


class TreeCache:
    """The FLANN trees of one catalogue version, in a folder (see the module docstring)."""

    def __init__(self, folder: Path, version: str):
        self.root = Path(folder)
        self.folder = self.root / version

    @classmethod
    def beside(cls, catalogue_path: Path, version: str) -> TreeCache | None:
        """The cache next to a catalogue.db, or ``None`` for a catalogue without a version."""
        return cls(Path(catalogue_path).parent / "index", version) if version else None

    def load(self, key: str, descriptors: np.ndarray) -> cv2.flann.Index | None:
        """The trees saved under ``key`` over ``descriptors``, or ``None`` when none were saved (or unreadable)."""
        import cv2

        path = self.folder / f"{key}.flann"
        if not path.is_file():
            return None
        tree = cv2.flann.Index()
        try:
            loaded = tree.load(descriptors, str(path))
        except cv2.error:
            loaded = False
        # An unreadable file is a miss: the caller builds the trees again and saves them over it.
        return tree if loaded else None

    def save(self, key: str, tree: cv2.flann.Index) -> None:
        """Write ``tree`` under ``key`` (whole or not at all), and drop other catalogue versions' trees.

        A home that cannot be written to only loses the cache: the trees are
        built in memory either way, so the error is not raised.
        """
        import cv2

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = self.folder / f".{key}.{os.getpid()}.partial"
            tree.save(str(partial))
            os.replace(partial, self.folder / f"{key}.flann")
            for other in self.root.iterdir():
                if other.is_dir() and other != self.folder:
                    shutil.rmtree(other, ignore_errors=True)
        except (OSError, cv2.error):
            return
