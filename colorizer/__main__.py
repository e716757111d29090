"""Batch command line: colourise a file or a folder.

    python -m colorizer old_photo.jpg old_photo_color.png
    python -m colorizer scans/ scans_color/        # mirrors the folder, writes PNGs (--format jpg, webp, tif)
    python -m colorizer clip.mp4 clip_color.mp4    # a video (mp4, avi, mov, gif, mkv, webm): mp4 with its sound

Inputs are never overwritten, each output is written atomically (a temporary file renamed into
place) and says in its metadata that its colours came from a model (colorizer/provenance.py),
unreadable files are skipped with a message, and the exit code is 1 if any failed. A folder is a
pipeline: the next photos are read, and the last ones written, while the network runs
(bench/batch_speed.py measures it).
"""

from __future__ import annotations

import argparse
import sys
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from tqdm import tqdm

from .files import atomic_write
from .files import scan_images
from .images import ImageError
from .inference import Colorizer, check_size
from .provenance import save_image
from .video import VIDEO_SUFFIXES, VideoError, colorize_video
from .vividness import Decoding
from .weights import WeightsNotFoundError

OUTPUT_FORMATS = ("png", "jpg", "webp", "tif")
READ_AHEAD = 2  # photos decoded ahead of the network
WRITERS = 2  # threads encoding and writing results (PNG, JPEG and TIFF encoders release the GIL)


def plan(src: Path, dst: Path, fmt: str = "png") -> tuple[list[tuple[Path, Path]], list[tuple[Path, str]]]:
    """(input, output) pairs, and the folder's entries left out with why (links to nowhere, pipes...).

    A folder maps onto a folder of ``fmt`` files with the same layout.
    """
    if src.is_dir():
        found, left_out = scan_images(src)
        return [(p, (dst / p.relative_to(src)).with_suffix(f".{fmt}")) for p in found], left_out
    if dst.is_dir():
        return [(src, dst / f"{src.stem}_color.{fmt}")], []
    return [(src, dst)], []


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m colorizer", description=__doc__.splitlines()[0])
    ap.add_argument("input", type=Path, help="an image file or a folder of images")
    ap.add_argument("output", type=Path, help="output file, or folder (created if needed)")
    ap.add_argument("--weights", default=None, help="weights folder or official ECCV16 .pth (default: shipped)")
    ap.add_argument("--size", type=int, default=None, help="working resolution, short side (default: the model's)")
    ap.add_argument(
        "--vividness", type=float, default=None, help="colour intensity from 0 (cautious) to 1 (bold); default: the calibrated setting"
    )
    ap.add_argument("--temperature", type=float, default=None, help="for experts: the decoding temperature instead of --vividness")
    ap.add_argument("--device", default=None, help="cuda or cpu (default: cuda when present)")
    ap.add_argument(
        "--format",
        choices=OUTPUT_FORMATS,
        default="png",
        help="file type written into an output folder (a named output file keeps its own)",
    )
    args = ap.parse_args(argv)

    if not args.input.exists():
        print(f"error: {args.input} does not exist", file=sys.stderr)
        return 2
    jobs, left_out = plan(args.input, args.output, args.format)
    for path, why in left_out:
        print(f"skipped {path}: {why}", file=sys.stderr)
    inputs = {p.resolve() for p, _ in jobs}
    clashes = [out for _, out in jobs if out.resolve() in inputs]
    if clashes:
        print(f"error: refusing to overwrite an input: {clashes[0]}", file=sys.stderr)
        return 2
    try:
        colorizer = Colorizer.from_pretrained(args.weights, device=args.device)
        decoding = colorizer.decoding(args.vividness, args.temperature)
        check_size(args.size)
    except (WeightsNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    if args.input.is_file() and args.input.suffix.lower() in VIDEO_SUFFIXES:
        return video(colorizer, args)
    line = colorizer.settings(args.size, decoding)
    single = not args.input.is_dir()
    failed = colorize_files(colorizer, jobs, line, args.size, decoding, prefix="error:" if single else "skipped")
    if single:
        if not failed:
            print(f"wrote {jobs[0][1]}", file=sys.stderr)
        return 1 if failed else 0
    done = len(jobs) - len(failed)
    failures = len(failed) + len(left_out)
    print(f"{done} of {len(jobs)} images written to {args.output}" + (f"; {failures} failed" if failures else ""), file=sys.stderr)
    return 1 if failures else 0


def colorize_files(
    colorizer: Colorizer,
    jobs: list[tuple[Path, Path]],
    line: str,
    size: int | None = None,
    decoding: Decoding | None = None,
    prefix: str = "skipped",
) -> list[Path]:
    """Colourise (input, output) pairs; returns the inputs that failed, each reported once.

    Reading runs READ_AHEAD photos ahead in one thread and writing in WRITERS threads, so the
    network (which has the cores to itself during its matrix work) rarely waits on files.
    """
    failed: list[Path] = []

    def fail(src: Path, e: Exception) -> None:
        failed.append(src)
        tqdm.write(f"{prefix} {src}: {getattr(e, 'reason', e)}", file=sys.stderr)

    def finish(write: tuple[Path, Future]) -> None:
        src, future = write
        try:
            future.result()
        except (OSError, ValueError) as e:
            fail(src, e)

    with ThreadPoolExecutor(1) as reader, ThreadPoolExecutor(WRITERS) as writer:
        reads = deque(reader.submit(colorizer.read, src) for src, _ in jobs[:READ_AHEAD])
        writes: deque[tuple[Path, Future]] = deque()
        for i, (src, dst) in enumerate(tqdm(jobs, desc="colourising", unit="img", disable=len(jobs) < 2)):
            read = reads.popleft()
            if i + READ_AHEAD < len(jobs):
                reads.append(reader.submit(colorizer.read, jobs[i + READ_AHEAD][0]))
            try:
                L, dpi = read.result()
                image = colorizer.render(L, colorizer.ab_for(L, size, decoding), dpi=dpi)
            except (ImageError, OSError, ValueError) as e:
                fail(src, e)
                continue
            writes.append((src, writer.submit(atomic_write, dst, lambda tmp, image=image: save_image(image, tmp, line))))
            while len(writes) > 2 * WRITERS:  # bounded: results wait in memory for at most this many writes
                finish(writes.popleft())
        while writes:
            finish(writes.popleft())
    return failed


def video(colorizer: Colorizer, args: argparse.Namespace) -> int:
    out = args.output / (args.input.stem + "_color.mp4") if args.output.is_dir() else args.output
    if out.suffix.lower() != ".mp4":
        print(f"error: video output must be an .mp4 file, not {out}", file=sys.stderr)
        return 2
    try:
        info = colorize_video(colorizer, args.input, out, size=args.size, decoding=colorizer.decoding(args.vividness, args.temperature))
    except VideoError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    sound = "with its sound" if info["audio"] else "no sound track"
    print(f"{info['frames']} frames at {info['fps']:.3g} fps, {info['width']}x{info['height']}, {sound}: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
