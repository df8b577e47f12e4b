"""Obtaining artwork: the pinned npm package (through the ordinary ``npm pack``
client), a folder the user downloaded (``--from DIR``), or the project's assets.

Official files are checked against the SHA-256 in the manifest and cached
under ``<home>/cache``; they are never written anywhere else.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from ..errors import ArtworkSourceError
from ..resources import assets_dir
from .manifest import Artwork, Source

#: npm may need to reach its registry; give it time, but never hang a build.
NPM_TIMEOUT_S = 300


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checked(data: bytes, artwork: Artwork, where: str) -> bytes:
    if artwork.sha256 and sha256(data) != artwork.sha256:
        raise ArtworkSourceError(
            f"{where}: SHA-256 {sha256(data)[:12]}… does not match the manifest's {artwork.sha256[:12]}…"
        )
    return data


def cache_path(cache: Path, source: Source, artwork: Artwork) -> Path:
    """Where a source's file is cached: ``<cache>/npm/<package>@<version>/<file>``."""
    safe = source.spec.replace("/", "__")
    return cache / "npm" / safe / artwork.file


def fetch_npm(source: Source, artworks: list[Artwork], cache: Path) -> dict[str, bytes]:
    """Every artwork file of ``source``, from the cache or through ``npm pack``.

    Raises :class:`ArtworkSourceError` in one line when npm is missing, fails,
    or a file does not match its recorded SHA-256.
    """
    found: dict[str, bytes] = {}
    missing = []
    for artwork in artworks:
        cached = cache_path(cache, source, artwork)
        if cached.is_file() and sha256(data := cached.read_bytes()) == artwork.sha256:
            found[artwork.file] = data
        else:
            missing.append(artwork)
    if missing:
        for artwork, data in _npm_pack(source, missing).items():
            target = cache_path(cache, source, artwork)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            found[artwork.file] = data
    return found


def _npm_pack(source: Source, artworks: list[Artwork]) -> dict[Artwork, bytes]:
    npm = shutil.which("npm")
    if npm is None:
        raise ArtworkSourceError(
            f"npm is not installed, so {source.spec} cannot be fetched; install Node.js and npm, "
            f"or download the package's SVG files and run `emblemcheck catalogue build --from DIR`"
        )
    with tempfile.TemporaryDirectory(prefix="emblemcheck-npm-") as tmp:
        try:
            done = subprocess.run(
                [npm, "pack", source.spec, "--pack-destination", tmp, "--silent"],
                capture_output=True, text=True, timeout=NPM_TIMEOUT_S, cwd=tmp, stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise ArtworkSourceError(
                f"npm pack {source.spec} did not finish in {NPM_TIMEOUT_S} s (offline?); "
                f"use `emblemcheck catalogue build --from DIR`"
            ) from None
        tarballs = list(Path(tmp).glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise ArtworkSourceError(
                f"npm pack {source.spec} failed ({last}); use `emblemcheck catalogue build --from DIR`"
            )
        return _extract(tarballs[0], source, artworks)


def _extract(tarball: Path, source: Source, artworks: list[Artwork]) -> dict[Artwork, bytes]:
    # Only the named members are read, as bytes: nothing is unpacked to disk.
    out = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for artwork in artworks:
            try:
                member = archive.getmember(f"package/{artwork.file}")
            except KeyError:
                raise ArtworkSourceError(f"{source.spec} has no file {artwork.file}") from None
            handle = archive.extractfile(member)
            if handle is None:
                raise ArtworkSourceError(f"{source.spec}: {artwork.file} is not a regular file")
            out[artwork] = _checked(handle.read(), artwork, f"{source.spec} {artwork.file}")
    return out


def from_folder(folder: Path, artwork: Artwork) -> bytes:
    """An artwork file from a folder the user downloaded, by its path in the package or its file name."""
    candidates = [folder / artwork.file, folder / "package" / artwork.file, folder / Path(artwork.file).name]
    for candidate in candidates:
        if candidate.is_file():
            return _checked(candidate.read_bytes(), artwork, str(candidate))
    matches = sorted(folder.rglob(Path(artwork.file).name)) if folder.is_dir() else []
    if matches:
        return _checked(matches[0].read_bytes(), artwork, str(matches[0]))
    raise ArtworkSourceError(f"{folder}: no {Path(artwork.file).name} found")


def drawn(artwork: Artwork) -> bytes:
    """Artwork the project draws itself, shipped in assets/."""
    path = assets_dir() / artwork.file
    try:
        return path.read_bytes()
    except OSError:
        raise ArtworkSourceError(f"assets/{artwork.file} is missing from this installation") from None


def user_file(artwork_dir: Path, artwork: Artwork) -> bytes:
    """A file the user attached with ``catalogue add`` (copied into the home folder)."""
    path = artwork_dir / artwork.file
    try:
        return _checked(path.read_bytes(), artwork, str(path))
    except OSError:
        raise ArtworkSourceError(f"{path}: attached artwork is missing; "
                                 "run `catalogue remove` and add it again") from None
