"""Batch command line: colourise a file, a folder or a video; a whole archive on Ray.

    python -m colorizer old_photo.jpg old_photo_color.png
    python -m colorizer scans/ scans_color/        # mirrors the folder, writes PNGs (--format jpg, webp, tif)
    python -m colorizer scans/ scans_color/ --ray  # the same on Ray Data: local, or --ray ADDRESS for a cluster
    python -m colorizer clip.mp4 clip_color.mp4    # a video (mp4, avi, mov, gif, mkv, webm): mp4 with its sound
    python -m colorizer photo.jpg out.png --hint 120,80,#c83232 --hint 300,40,#3060c0   # this pixel is this colour

Inputs are never overwritten, each output is written atomically (a temporary file renamed into
place) and says in its metadata that its colours came from a model (colorizer/provenance.py),
unreadable files are skipped with a message, and the exit code is 1 if any failed. A folder run
skips outputs that already exist (so a stopped run resumes; --overwrite redoes them) and records
every input in a manifest (colorizer-manifest.jsonl in the output folder). Heavy imports wait
until the arguments are read, so --help and argument errors answer at once.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from .files import VIDEO_SUFFIXES

OUTPUT_FORMATS = ("png", "jpg", "webp", "tif")


def parser() -> argparse.ArgumentParser:
    # "colorizer" when run as the installed command, "python -m colorizer" when run as a module
    prog = "python -m colorizer" if Path(sys.argv[0]).name == "__main__.py" else Path(sys.argv[0]).name or "colorizer"
    ap = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    ap.add_argument("input", type=Path, help="an image file, a folder of images or a video")
    ap.add_argument("output", type=Path, help="output file, or folder (created if needed)")
    ap.add_argument("--weights", default=None, help="weights folder or official ECCV16 .pth (default: shipped)")
    ap.add_argument("--size", type=int, default=None, help="working resolution, short side (default: the model's)")
    ap.add_argument("--vividness", type=float, default=None, help="colour intensity from 0 (cautious) to 1 (bold); default: calibrated")
    ap.add_argument("--temperature", type=float, default=None, help="for experts: the decoding temperature instead of --vividness")
    ap.add_argument(
        "--hint", action="append", default=[], metavar="X,Y,#RRGGBB",
        help="one image only: the pixel at column X, row Y is this colour (repeat for more hints)",
    )  # fmt: skip
    ap.add_argument("--device", default=None, help="cuda or cpu (default: cuda when present)")
    ap.add_argument("--format", choices=OUTPUT_FORMATS, default="png", help="file type written into an output folder")
    run = ap.add_argument_group("folders and archives")
    run.add_argument("--overwrite", action="store_true", help="redo outputs that exist (default: skip them: a stopped run resumes)")
    run.add_argument("--manifest", type=Path, default=None, help="the JSON-lines record of the run (default: in the output folder)")
    run.add_argument("--ray", nargs="?", const="local", default=None, metavar="ADDRESS", help="run on Ray Data (local, or a cluster)")
    run.add_argument("--actors", type=int, default=None, help="Ray actors (default: one per --cpus-per-actor CPUs Ray sees)")
    run.add_argument("--batch-size", type=int, default=8, help="photos per Ray batch")
    run.add_argument("--cpus-per-actor", type=float, default=1.0, help="CPUs each Ray actor holds (its torch threads)")
    run.add_argument("--gpus-per-actor", type=float, default=0.0, help="GPUs each Ray actor holds (then it runs on CUDA)")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not args.input.exists() and not args.input.is_symlink():
        print(f"error: {args.input} does not exist", file=sys.stderr)
        return 2
    if args.ray and not args.input.is_dir():
        print("error: --ray takes a folder of images", file=sys.stderr)
        return 2
    try:
        hints = [parse_hint(h) for h in args.hint]
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if hints and (args.input.is_dir() or args.input.suffix.lower() in VIDEO_SUFFIXES):
        print("error: --hint takes one image file (a hint is a pixel of one photo)", file=sys.stderr)
        return 2

    from .batch import MANIFEST_NAME, Manifest, colorize_files, plan, remove_partial, split_done
    from .inference import Colorizer, check_size
    from .weights import WeightsNotFoundError

    jobs, left_out = plan(args.input, args.output, args.format)
    inputs = {p.resolve() for p, _ in jobs}
    clashes = [out for _, out in jobs if out.resolve() in inputs]
    if clashes:
        print(f"error: refusing to overwrite an input: {clashes[0]}", file=sys.stderr)
        return 2
    try:
        check_size(args.size)
        colorizer = Colorizer.from_pretrained(args.weights, device=args.device)
        decoding = colorizer.decoding(args.vividness, args.temperature)
    except (WeightsNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.input.is_file() and args.input.suffix.lower() in VIDEO_SUFFIXES:
        return video(colorizer, args, decoding)

    line = colorizer.settings(args.size, decoding, hints)
    if not args.input.is_dir():  # one file: always written, no manifest unless asked for
        manifest = Manifest(args.manifest, line)
        failed = colorize_files(colorizer, jobs, line, args.size, decoding, prefix="error:", done=manifest.record, hints=hints)
        manifest.close()
        if not failed:
            print(f"wrote {jobs[0][1]}", file=sys.stderr)
        return 1 if failed else 0

    try:
        manifest = Manifest(args.manifest or args.output / MANIFEST_NAME, line)
    except OSError as e:
        print(f"warning: no manifest ({e.strerror}: {args.manifest or args.output / MANIFEST_NAME}); use --manifest PATH", file=sys.stderr)
        manifest = Manifest(None, line)
    for path, why in left_out:
        print(f"skipped {path}: {why}", file=sys.stderr)
        manifest.record(path, None, "failed", why)
    remove_partial(args.output)  # a stopped run's half-written files (they never carry a final name)
    todo = jobs if args.overwrite else split_done(jobs, manifest)
    if args.ray:
        from .ray_batch import run

        try:
            run(todo, manifest, weights=args.weights, size=args.size, decoding=decoding, line=line,
                address=None if args.ray == "local" else args.ray, actors=args.actors, batch_size=args.batch_size,
                cpus_per_actor=args.cpus_per_actor, gpus_per_actor=args.gpus_per_actor)  # fmt: skip
        except RuntimeError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    else:
        colorize_files(colorizer, todo, line, args.size, decoding, done=manifest.record)
    remove_partial(args.output)  # a killed Ray actor's, whose batch was retried
    manifest.close()
    c = manifest.counts
    skipped = f"; {c['exists']} already there" if c["exists"] else ""
    failed = f"; {c['failed']} failed" if c["failed"] else ""
    where = f" (manifest: {manifest.path})" if manifest.path else ""
    print(f"{c['written']} of {len(jobs)} images written to {args.output}{skipped}{failed}{where}", file=sys.stderr)
    return 1 if c["failed"] else 0


def parse_hint(text: str) -> tuple[float, float, tuple[int, int, int]]:
    """'X,Y,#rrggbb' -> (x, y, (r, g, b)); ValueError saying what is wrong."""
    parts = text.split(",", 2)
    try:
        x, y = float(parts[0]), float(parts[1])
        colour = parts[2].strip()
        if len(colour) != 7 or colour[0] != "#":
            raise ValueError
        rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    except (ValueError, IndexError):
        raise ValueError(f"--hint {text!r}: expected X,Y,#RRGGBB (column, row, colour), e.g. 120,80,#c83232") from None
    if not all(math.isfinite(v) and v >= 0 for v in (x, y)):
        raise ValueError(f"--hint {text!r}: X and Y are pixel positions (0 or more)")
    return x, y, rgb


def video(colorizer, args: argparse.Namespace, decoding) -> int:
    from .video import VideoError, colorize_video

    out = args.output / (args.input.stem + "_color.mp4") if args.output.is_dir() else args.output
    if out.suffix.lower() != ".mp4":
        print(f"error: video output must be an .mp4 file, not {out}", file=sys.stderr)
        return 2
    try:
        info = colorize_video(colorizer, args.input, out, size=args.size, decoding=decoding)
    except VideoError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    sound = "with its sound" if info["audio"] else "no sound track"
    print(f"{info['frames']} frames at {info['fps']:.3g} fps, {info['width']}x{info['height']}, {sound}: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
