"""The folder walk: content sniffing, excludes, .gitignore, links, special files, escaping."""

from __future__ import annotations

import os
import subprocess

import pytest
from bulk_tree import photo, save

from emblemcheck.scan.walk import Excludes, ImageFile, Skip, sniff, walk
from emblemcheck.text import printable


def _walk(root, **kwargs):
    return {os.path.relpath(e.path, root): e for e in walk([root], **kwargs)}


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "ICO", "AVIF"])
def test_sniff_recognises_pillow_formats_by_content(tmp_path, fmt):
    path = save(photo(1, (64, 48)), tmp_path / "no-extension", fmt)
    assert sniff(path.read_bytes()[:1024]) == fmt


def test_sniff_svg_and_heif():
    assert sniff(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>') == "SVG"
    assert sniff(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00") == "HEIF"
    assert sniff(b"hello, world") is None


def test_walk_finds_images_by_content_not_extension(tmp_path):
    save(photo(1), tmp_path / "a" / "picture.txt", "PNG")
    (tmp_path / "a" / "notes.txt").write_text("just text")
    (tmp_path / "a" / "fake.jpg").write_text("just text")
    found = _walk(tmp_path)
    assert isinstance(found["a/picture.txt"], ImageFile) and found["a/picture.txt"].format == "PNG"
    assert found["a/notes.txt"] == Skip(str(tmp_path / "a/notes.txt"),
                                        "not an image (content is not an image format emblemcheck reads)")
    assert found["a/fake.jpg"].error is True


def test_excludes_prune_folders_and_match_names(tmp_path):
    save(photo(1), tmp_path / "cache" / "x.png")
    save(photo(2), tmp_path / "keep" / "y.png")
    save(photo(3), tmp_path / "keep" / "z.gif")
    found = _walk(tmp_path, excludes=Excludes(["cache", "*.gif"]))
    assert found["cache"].reason == "excluded by --exclude cache"
    assert "cache/x.png" not in found
    assert found["keep/z.gif"].reason == "excluded by --exclude *.gif"
    assert isinstance(found["keep/y.png"], ImageFile)


def test_gitignore_is_respected_inside_a_work_tree(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("build/\n*.tmp.png\n")
    save(photo(1), tmp_path / "build" / "a.png")
    save(photo(2), tmp_path / "b.tmp.png")
    save(photo(3), tmp_path / "c.png")
    found = _walk(tmp_path)
    assert found["build"].reason == "ignored by .gitignore"
    assert found["b.tmp.png"].reason == "ignored by .gitignore"
    assert isinstance(found["c.png"], ImageFile)
    assert ".git" not in found
    everything = _walk(tmp_path, gitignore=False)
    assert isinstance(everything["build/a.png"], ImageFile)


def test_symlink_loop_and_broken_link_are_errors(tmp_path):
    (tmp_path / "sub").mkdir()
    os.symlink("..", tmp_path / "sub" / "up")
    os.symlink("missing.png", tmp_path / "broken.png")
    found = _walk(tmp_path)
    assert found["sub/up"].error and "loop" in found["sub/up"].reason
    assert found["broken.png"].error and found["broken.png"].reason == "broken symbolic link"


def test_fifo_is_skipped_without_being_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.jpg")
    found = _walk(tmp_path)  # opening the FIFO would block forever
    assert found["pipe.jpg"].reason == "FIFO, not a regular file"


def test_missing_root_is_an_error():
    (entry,) = walk(["/no/such/folder/anywhere"])
    assert entry == Skip("/no/such/folder/anywhere", "no such file or folder", error=True)


def test_walk_is_lazy(tmp_path):
    for n in range(5):
        save(photo(n, (16, 16)), tmp_path / f"{n}.png")
    entries = walk([tmp_path])
    first = next(entries)
    assert isinstance(first, ImageFile)  # produced before the rest of the folder is examined


@pytest.mark.parametrize("raw, shown", [
    ("plain.jpg", "plain.jpg"),
    ("new\nline.jpg", "new\\nline.jpg"),
    (os.fsdecode(b"bad\xff.jpg"), "bad\\xff.jpg"),
    ("tab\there.jpg", "tab\\there.jpg"),
    ("back\\slash.jpg", "back\\\\slash.jpg"),
    ("a\\nb.png", "a\\\\nb.png"),
])
def test_printable_escapes_names(raw, shown):
    assert printable(raw) == shown
