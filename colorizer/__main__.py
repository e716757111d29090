"""Batch command line: colourise a file or a folder.

    python -m colorizer old_photo.jpg old_photo_color.png
    python -m colorizer scans/ scans_color/        # mirrors the folder, writes PNGs (--format jpg, webp, tif)
    python -m colorizer clip.mp4 clip_color.mp4    # a video (mp4, avi, mov, gif, mkv, webm): mp4 with its sound

Inputs are never overwritten, each output is written atomically (a temporary file renamed into
place) and says in its metadata that its colours came from a model (colorizer/provenance.py),
unreadable files are skipped with a message, and the exit code is 1 if any failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from .files import atomic_write
from .images import ImageError, list_images
from .inference import Colorizer
from .provenance import save_image, settings
from .video import VIDEO_SUFFIXES, VideoError, colorize_video
from .weights import WeightsNotFoundError

OUTPUT_FORMATS = ("png", "jpg", "webp", "tif")


def plan(src: Path, dst: Path, fmt: str = "png") -> list[tuple[Path, Path]]:
    """(input, output) pairs; a folder maps onto a folder of ``fmt`` files with the same layout."""
    if src.is_dir():
        return [(p, (dst / p.relative_to(src)).with_suffix(f".{fmt}")) for p in list_images(src)]
    if dst.is_dir():
        return [(src, dst / f"{src.stem}_color.{fmt}")]
    return [(src, dst)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m colorizer", description=__doc__.splitlines()[0])
    ap.add_argument("input", type=Path, help="an image file or a folder of images")
    ap.add_argument("output", type=Path, help="output file, or folder (created if needed)")
    ap.add_argument("--weights", default=None, help="weights folder or official ECCV16 .pth (default: shipped)")
    ap.add_argument("--size", type=int, default=None, help="working resolution, short side (default: the model's)")
    ap.add_argument("--temperature", type=float, default=None, help="colour intensity: lower is more vivid")
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
    jobs = plan(args.input, args.output, args.format)
    inputs = {p.resolve() for p, _ in jobs}
    clashes = [out for _, out in jobs if out.resolve() in inputs]
    if clashes:
        print(f"error: refusing to overwrite an input: {clashes[0]}", file=sys.stderr)
        return 2
    try:
        colorizer = Colorizer.from_pretrained(args.weights, device=args.device)
    except (WeightsNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    if args.input.is_file() and args.input.suffix.lower() in VIDEO_SUFFIXES:
        return video(colorizer, args)
    failed = 0
    line = settings(colorizer.config, args.size, args.temperature)
    for src, dst in tqdm(jobs, desc="colourising", unit="img", disable=len(jobs) < 2):
        try:
            image = colorizer.colorize(src, size=args.size, temperature=args.temperature)
            atomic_write(dst, lambda tmp, image=image: save_image(image, tmp, line))
        except (ImageError, OSError, ValueError) as e:
            failed += 1
            tqdm.write(f"skipped {src}: {e}", file=sys.stderr)
    done = len(jobs) - failed
    print(f"{done} of {len(jobs)} images written to {args.output}" + (f"; {failed} failed" if failed else ""), file=sys.stderr)
    return 1 if failed else 0


def video(colorizer: Colorizer, args: argparse.Namespace) -> int:
    out = args.output / (args.input.stem + "_color.mp4") if args.output.is_dir() else args.output
    if out.suffix.lower() != ".mp4":
        print(f"error: video output must be an .mp4 file, not {out}", file=sys.stderr)
        return 2
    try:
        info = colorize_video(colorizer, args.input, out, size=args.size, temperature=args.temperature)
    except VideoError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    sound = "with its sound" if info["audio"] else "no sound track"
    print(f"{info['frames']} frames at {info['fps']:.3g} fps, {info['width']}x{info['height']}, {sound}: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
