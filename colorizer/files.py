"""Files: which ones are images, and atomic writes (a reader, or a crash, never sees half a file).

Weights, checkpoints, packs and colourised images are all written to a temporary file beside the
target and renamed into place, which is atomic on one file system.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"}


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
