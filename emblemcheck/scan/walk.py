"""Walking a folder for images: by content, not by file extension.

The walk is a generator over ``os.scandir`` so a folder of any size is never
held in memory: each entry is either an :class:`ImageFile` to scan or a
:class:`Skip` that says why it was left out. Nothing is dropped silently.

Inside a git work tree, untracked files matched by ``.gitignore`` (and
``.git/info/exclude`` and the global excludes file) are skipped. The ignored
set comes from one ``git ls-files --others --ignored --exclude-standard
--directory`` call: git folds a wholly ignored folder (``node_modules/``)
into one line, so the set stays small; the walk itself stays ours, so symlink
and FIFO handling is the same with or without git.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..media.content import is_pdf, is_svg, is_video, is_zip, office_format

#: File name endings people give images (and PDF documents, videos, office documents); a file with one of these whose
#: content is not an image is reported as an error, not skipped quietly.
IMAGE_SUFFIXES = frozenset({
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".apng", ".gif", ".webp", ".bmp", ".dib",
    ".tif", ".tiff", ".ico", ".cur", ".heic", ".heif", ".avif", ".svg", ".pdf",
    ".mp4", ".m4v", ".mov", ".webm", ".mkv",
    ".pptx", ".pptm", ".ppsx", ".potx", ".docx", ".docm", ".dotx", ".xlsx", ".xlsm", ".xltx",
    ".odp", ".otp", ".odt", ".ott", ".ods", ".ots",
})

#: ISO-BMFF brands (bytes 8..12 after "ftyp") of HEIF-family still images.
_HEIF_BRANDS = {b"heic": "HEIF", b"heix": "HEIF", b"hevc": "HEIF", b"heim": "HEIF", b"heis": "HEIF",
                b"mif1": "HEIF", b"msf1": "HEIF", b"avif": "AVIF", b"avis": "AVIF"}

#: Bytes read from each file to sniff its format: SVG needs the most (an XML
#: declaration and comments may precede ``<svg``).
SNIFF_BYTES = 1024


@dataclass(frozen=True)
class ImageFile:
    """A file whose first bytes say it is an image of ``format``."""

    path: str
    size: int
    mtime_ns: int
    format: str


@dataclass(frozen=True)
class Skip:
    """An entry the walk did not hand on, and why.

    ``error`` is true when the entry was meant to be scanned and could not be
    (unreadable, vanished, a symlink loop, text named ``.jpg``); false when it
    was left out on purpose (excluded, git-ignored, not an image, a FIFO).
    """

    path: str
    reason: str
    error: bool = False


Entry = ImageFile | Skip


def sniff(head: bytes) -> str | None:
    """The format (an image's, ``PDF`` or ``VIDEO``) the first bytes of a file announce, or ``None``."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:2] == b"BM" and len(head) >= 14:
        return "BMP"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head[:4] in (b"\x00\x00\x01\x00", b"\x00\x00\x02\x00") and len(head) >= 22:
        return "ICO"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return _HEIF_BRANDS[head[8:12]]
    if is_video(head):
        return "VIDEO"
    if is_svg(head):
        return "SVG"
    if is_pdf(head):
        return "PDF"
    return None


class Excludes:
    """``--exclude`` globs, matched against a path relative to the scan root and its name.

    ``*`` crosses ``/`` (as in fnmatch), so ``cache/*`` excludes everything
    under ``cache``; a leading ``**/`` is optional; a pattern naming a folder
    prunes the whole folder.
    """

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self.patterns = tuple(p.rstrip("/").removeprefix("./") for p in patterns if p.strip())
        expanded = []
        for pattern in self.patterns:
            expanded.append(pattern)
            if pattern.startswith("**/"):
                expanded.append(pattern[3:])
        self._expanded = tuple(expanded)

    def match(self, relative: str) -> str | None:
        """The pattern that excludes ``relative`` (a POSIX path), if any."""
        name = relative.rsplit("/", 1)[-1]
        for pattern in self._expanded:
            if fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(name, pattern):
                return pattern
        return None


class GitIgnores:
    """Untracked paths git ignores under a work tree, as paths relative to ``root``."""

    def __init__(self, root: Path) -> None:
        self.paths: frozenset[str] = frozenset()
        self.folders: tuple[str, ...] = ()
        self.active = False
        try:
            listing = subprocess.run(
                ["git", "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"],
                cwd=root, capture_output=True, timeout=120, check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return  # no git, or a hung one: scan everything rather than guess
        if listing.returncode != 0:
            return  # not a work tree
        self.active = True
        names = [os.fsdecode(n) for n in listing.stdout.split(b"\0") if n]
        self.paths = frozenset(n.rstrip("/") for n in names)

    def ignored(self, relative: str) -> bool:
        return relative in self.paths


def walk(roots: Iterable[str | Path], *, excludes: Excludes | None = None, gitignore: bool = True,
         sniff_content: bool = True, follow_symlinks: bool = False) -> Iterator[Entry]:
    """Yield every file under ``roots`` as an :class:`ImageFile` or a :class:`Skip`.

    Follows symbolic links whose target is inside the root being walked, but
    never twice into the same folder, so a link loop ends the branch with a
    :class:`Skip` error. A link that leads outside the root is skipped, with
    its target in the reason (a scan of untrusted uploads must not read
    ``/etc/shadow``), unless ``follow_symlinks``. A root named by the caller
    is walked even when it is itself a link. FIFOs, sockets and
    devices are skipped without being opened (opening a FIFO would block).
    With ``sniff_content=False`` files are not opened and every regular file
    is yielded with format ``""`` (used to count files for progress).
    """
    excludes = excludes or Excludes()
    for root in roots:
        yield from _walk_root(str(root), excludes, gitignore, sniff_content, follow_symlinks)


def _walk_root(root: str, excludes: Excludes, gitignore: bool, sniff_content: bool,
               follow_symlinks: bool) -> Iterator[Entry]:
    try:
        info = os.stat(root)
    except FileNotFoundError:
        yield Skip(root, "no such file or folder", error=True)
        return
    except OSError as exc:
        yield Skip(root, f"cannot read ({exc.strerror or exc})", error=True)
        return
    if not stat.S_ISDIR(info.st_mode):
        # A file named on the command line is scanned whatever git or --exclude say.
        yield _file_entry(root, info, sniff_content, named=True)
        return
    ignores = GitIgnores(Path(root)) if gitignore else None
    inside = None if follow_symlinks else os.path.realpath(root)
    yield from _walk_folder(root, "", excludes, ignores, sniff_content, visited=set(), ancestors=[],
                            inside=inside)


def _walk_folder(folder: str, relative: str, excludes: Excludes, ignores: GitIgnores | None,
                 sniff_content: bool, *, visited: set[tuple[int, int]],
                 ancestors: list[tuple[int, int]], inside: str | None) -> Iterator[Entry]:
    try:
        info = os.stat(folder)
        key = (info.st_dev, info.st_ino)
        if key in ancestors:
            yield Skip(folder, "symbolic link loop: leads back to a folder above it", error=True)
            return
        if key in visited:
            yield Skip(folder, "already scanned through another symbolic link")
            return
        visited.add(key)
        with os.scandir(folder) as listing:
            # Sorted for a stable order between runs; one folder's names at a time.
            children = sorted(listing, key=lambda e: e.name)
    except FileNotFoundError:
        yield Skip(folder, "folder vanished during the scan", error=True)
        return
    except PermissionError:
        yield Skip(folder, "permission denied", error=True)
        return
    except OSError as exc:
        yield Skip(folder, _os_reason(exc), error=True)
        return
    ancestors.append(key)
    for child in children:
        yield from _walk_child(child, f"{relative}{child.name}", excludes, ignores, sniff_content,
                               visited=visited, ancestors=ancestors, inside=inside)
    ancestors.pop()


def _walk_child(child: os.DirEntry, relative: str, excludes: Excludes, ignores: GitIgnores | None,
                sniff_content: bool, *, visited: set[tuple[int, int]],
                ancestors: list[tuple[int, int]], inside: str | None) -> Iterator[Entry]:
    if child.name == ".git":
        return  # git's own store: never user content, never reported
    pattern = excludes.match(relative)
    if pattern:
        yield Skip(child.path, f"excluded by --exclude {pattern}")
        return
    if ignores is not None and ignores.ignored(relative):
        yield Skip(child.path, "ignored by .gitignore")
        return
    outside = _outside(child, inside)
    if outside:
        yield Skip(child.path, f"symbolic link to {outside}, outside the scanned folder "
                               "(--follow-symlinks to follow it)")
        return
    try:
        info = os.stat(child.path)  # follows links: a link is judged by its target
    except FileNotFoundError:
        reason = "broken symbolic link" if child.is_symlink() else "vanished during the scan"
        yield Skip(child.path, reason, error=True)
        return
    except OSError as exc:
        yield Skip(child.path, _os_reason(exc), error=True)
        return
    if stat.S_ISDIR(info.st_mode):
        yield from _walk_folder(child.path, relative + "/", excludes, ignores, sniff_content,
                                visited=visited, ancestors=ancestors, inside=inside)
    else:
        yield _file_entry(child.path, info, sniff_content, named=False)


def _file_entry(path: str, info: os.stat_result, sniff_content: bool, *, named: bool) -> Entry:
    mode = info.st_mode
    if not stat.S_ISREG(mode):
        kind = ("FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode)
                else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "special file")
        return Skip(path, f"{kind}, not a regular file", error=named)
    if not sniff_content:
        return ImageFile(path, info.st_size, info.st_mtime_ns, "")
    try:
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except FileNotFoundError:
        return Skip(path, "vanished during the scan", error=True)
    except PermissionError:
        return Skip(path, "permission denied", error=True)
    except OSError as exc:
        return Skip(path, _os_reason(exc), error=True)
    fmt = sniff(head) or (_office(path, named) if is_zip(head) else None)
    if fmt:
        return ImageFile(path, info.st_size, info.st_mtime_ns, fmt)
    looks_like_image = named or os.path.splitext(path)[1].lower() in IMAGE_SUFFIXES
    what = "empty file (0 bytes)" if not head else "content is not an image format emblemcheck reads"
    if looks_like_image:
        return Skip(path, what, error=True)
    return Skip(path, f"not an image ({what})")


def _office(path: str, named: bool) -> str | None:
    """An office document's format (PPTX, DOCX, ODP...) from its zip directory; a zip that cannot be read
    is handed on if it is named or named like an office document, for the scan to say why."""
    import zipfile  # here: most walks meet no zip

    try:
        return office_format(path)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return "OFFICE" if named or os.path.splitext(path)[1].lower() in IMAGE_SUFFIXES else None


def _outside(child: os.DirEntry, inside: str | None) -> str | None:
    """The target of ``child`` if it is a symbolic link leading outside the folder ``inside``."""
    if inside is None or not child.is_symlink():
        return None
    target = os.path.realpath(child.path)
    if target == inside or target.startswith(inside.rstrip(os.sep) + os.sep):
        return None
    return target


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    return f"cannot read ({exc.strerror or exc})"
