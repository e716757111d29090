"""Files: which ones are images, and atomic writes (a reader, or a crash, never sees half a file).

Weights, checkpoints, packs and colourised images are all written to a temporary file beside the
target and renamed into place, which is atomic on one file system.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"}
VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".gif", ".mkv", ".webm", ".m4v"}


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` on a temporary path beside ``path`` (same suffix), then rename it over."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{os.getpid()}{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def kind_of(mode: int) -> str | None:
    """What a non-regular file is, in words (None for a regular file)."""
    for test, name in (
        (stat.S_ISREG, None),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def scan_images(folder: str | Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Image files under a folder, recursively, in a stable order, and every entry left out with why.

    Symbolic links to files and folders are followed, a folder already on the way down is not
    (a link loop); dangling links, pipes, sockets and devices are reported, never opened (opening
    a pipe would wait for ever). Regular files without an image suffix are passed over silently.
    """
    found: list[Path] = []
    left_out: list[tuple[Path, str]] = []

    def walk(d: Path, ancestors: frozenset) -> None:
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as e:
            left_out.append((d, f"the folder cannot be read ({e.strerror})"))
            return
        for e in entries:
            p = Path(e.path)
            try:
                st = os.stat(p)  # follows links
            except OSError:
                left_out.append((p, "a symbolic link whose target does not exist" if e.is_symlink() else "cannot be read"))
                continue
            if stat.S_ISDIR(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if key in ancestors:
                    left_out.append((p, "a symbolic link loop (it leads back to a folder above it)"))
                else:
                    walk(p, ancestors | {key})
            elif p.suffix.lower() in IMAGE_SUFFIXES:
                kind = kind_of(st.st_mode)
                if kind is None:
                    found.append(p)
                else:
                    left_out.append((p, f"{kind}, not a regular file"))
            elif not stat.S_ISREG(st.st_mode):
                left_out.append((p, f"{kind_of(st.st_mode)}, not an image file"))

    root = Path(folder)
    walk(root, frozenset({(root.stat().st_dev, root.stat().st_ino)}))
    return found, left_out
