"""Colourising many files: the plan, one file's work, the pipelined loop, and the run's manifest.

The batch command runs this on one machine; ``ray_batch.py`` runs ``colorize_one`` on Ray
actors. Both write each output atomically (a temporary name, renamed into place), so a file
under its final name is always complete; both skip outputs that exist (a resumed run finishes
what a stopped one left), and both record every input in a JSON-lines manifest.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from tqdm import tqdm

from .files import atomic_write, scan_images
from .hints import Hint
from .images import ImageError
from .inference import Colorizer
from .provenance import save_image
from .vividness import Decoding

READ_AHEAD = 2  # photos decoded ahead of the network
WRITERS = 2  # threads encoding and writing results (PNG, JPEG and TIFF encoders release the GIL)
MANIFEST_NAME = "colorizer-manifest.jsonl"
FAILURES = (ImageError, OSError, ValueError)  # what one bad file may raise; anything else is a bug

Job = tuple[Path, Path]


def plan(src: Path, dst: Path, fmt: str = "png") -> tuple[list[Job], list[tuple[Path, str]]]:
    """(input, output) pairs, and the folder's entries left out with why (links to nowhere, pipes...).

    A folder maps onto a folder of ``fmt`` files with the same layout.
    """
    if src.is_dir():
        found, left_out = scan_images(src)
        return [(p, (dst / p.relative_to(src)).with_suffix(f".{fmt}")) for p in found], left_out
    if dst.is_dir():
        return [(src, dst / f"{src.stem}_color.{fmt}")], []
    return [(src, dst)], []


def reason(e: Exception) -> str:
    """What went wrong with one file, in words, without repeating its path."""
    return getattr(e, "reason", None) or getattr(e, "strerror", None) or str(e)


class Manifest:
    """One JSON line per input: its output, status (written, exists, failed), the reason and the settings.

    Appended and flushed line by line, so a run that is killed leaves every line it finished.
    """

    def __init__(self, path: Path | None, settings: str):
        self.path, self.settings, self.counts = path, settings, {"written": 0, "exists": 0, "failed": 0}
        self.file = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.file = path.open("a", encoding="utf-8")

    def record(self, src: Path | str, dst: Path | str | None, status: str, why: str | None = None) -> None:
        self.counts[status] += 1
        if self.file is not None:
            line = {"input": str(src), "output": str(dst) if dst else None, "status": status, "reason": why, "settings": self.settings}
            self.file.write(json.dumps({**line, "time": round(time.time(), 3)}) + "\n")
            self.file.flush()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def colorize_one(colorizer: Colorizer, src: Path, dst: Path, line: str, size: int | None, decoding: Decoding | None) -> None:
    """Read, colourise and write one file (atomically, with its provenance); raises on a bad file."""
    L, dpi = colorizer.read(src)
    image = colorizer.render(L, colorizer.photo_ab(L, size, decoding), dpi=dpi)
    atomic_write(dst, lambda tmp: save_image(image, tmp, line))


def colorize_files(
    colorizer: Colorizer,
    jobs: list[Job],
    line: str,
    size: int | None = None,
    decoding: Decoding | None = None,
    prefix: str = "skipped",
    done: Callable[[Path, Path, str, str | None], None] | None = None,
    hints: list[Hint] | None = None,
) -> list[Path]:
    """Colourise (input, output) pairs; returns the inputs that failed, each reported once.

    ``colorize_one`` pulled apart into a pipeline: reading runs READ_AHEAD photos ahead in one
    thread and writing in WRITERS threads, so the network (which has the cores to itself during
    its matrix work) rarely waits on files. ``done(src, dst, status, reason)`` hears of each.
    ``hints`` (for a single photo: they are its pixels) are spread as in ``colorize``.
    """
    failed: list[Path] = []
    done = done or (lambda *_: None)

    def fail(src: Path, dst: Path, e: Exception) -> None:
        failed.append(src)
        tqdm.write(f"{prefix} {src}: {reason(e)}", file=sys.stderr)
        done(src, dst, "failed", reason(e))

    def finish(write: tuple[Path, Path, Future]) -> None:
        src, dst, future = write
        try:
            future.result()
            done(src, dst, "written", None)
        except FAILURES as e:
            fail(src, dst, e)

    with ThreadPoolExecutor(1) as reader, ThreadPoolExecutor(WRITERS) as writer:
        reads = deque(reader.submit(colorizer.read, src) for src, _ in jobs[:READ_AHEAD])
        writes: deque[tuple[Path, Path, Future]] = deque()
        for i, (src, dst) in enumerate(tqdm(jobs, desc="colourising", unit="img", disable=len(jobs) < 2)):
            read = reads.popleft()
            if i + READ_AHEAD < len(jobs):
                reads.append(reader.submit(colorizer.read, jobs[i + READ_AHEAD][0]))
            try:
                L, dpi = read.result()
                ab = colorizer.photo_ab(L, size, decoding, hints)
                image = colorizer.render(L, ab, dpi=dpi)
            except FAILURES as e:
                fail(src, dst, e)
                continue
            writes.append((src, dst, writer.submit(atomic_write, dst, lambda tmp, image=image: save_image(image, tmp, line))))
            while len(writes) > 2 * WRITERS:  # bounded: results wait in memory for at most this many writes
                finish(writes.popleft())
        while writes:
            finish(writes.popleft())
    return failed


PARTIAL = re.compile(r"^\..+\.tmp\d+\.[A-Za-z0-9]+$")  # files.atomic_write's temporary names


def remove_partial(folder: Path) -> int:
    """Delete what a killed run left half-written under ``folder`` (never a finished output); returns how many."""
    partial = [p for p in folder.rglob(".*.tmp*") if PARTIAL.match(p.name) and p.is_file()] if folder.is_dir() else []
    for p in partial:
        p.unlink(missing_ok=True)
    return len(partial)


def split_done(jobs: list[Job], manifest: Manifest) -> list[Job]:
    """The jobs whose output is not there yet; those that are go into the manifest as 'exists'."""
    todo = []
    for src, dst in jobs:
        if dst.exists():
            manifest.record(src, dst, "exists", "the output exists (a resumed run; --overwrite redoes it)")
        else:
            todo.append((src, dst))
    return todo
