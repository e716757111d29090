"""The batch command's throughput on a folder, before and after pipelining, and where the time goes.

    python bench/batch_speed.py [--data ../shared/data/gallery/historical] [--weights weights]

Three runs over the same photos, in one process, shipped weights, default working size:
  * the stages alone, one photo at a time: reading (decode + lightness), network (working-size
    resize, generator, decoding), composition (full-resolution ab, gamut mapping, sRGB) and
    writing (PNG with provenance) at Pillow's default zlib level 6 and at the level we ship;
  * before: the old loop (each photo read, colourised and written in turn; PNG level 6);
  * after: ``colorizer.batch.colorize_files`` (reading ahead and writing behind the network,
    PNG level ``PNG_COMPRESSION``), the code the command runs.
Speeds are images/s of wall time; the ratio compares the two runs made here.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import common
import numpy as np

from colorizer import Colorizer
from colorizer.batch import colorize_files, plan
from colorizer.files import atomic_write
from colorizer.provenance import PNG_COMPRESSION, save_image


def stages(col: Colorizer, photos: list[Path], out: Path, line: str) -> dict[str, float]:
    """Seconds per photo spent in each stage, one photo at a time."""
    t = {"reading": 0.0, "network": 0.0, "composition": 0.0, "writing (PNG level 6)": 0.0, f"writing (PNG level {PNG_COMPRESSION})": 0.0}
    for p in photos:
        t0 = time.perf_counter()
        L, dpi = col.read(p)
        t1 = time.perf_counter()
        ab = col.photo_ab(L)
        t2 = time.perf_counter()
        image = col.render(L, ab, dpi=dpi)
        t3 = time.perf_counter()
        save_image(image, out / "a.png", line, png_compression=6)
        t4 = time.perf_counter()
        save_image(image, out / "b.png", line)
        t5 = time.perf_counter()
        for key, dt in zip(t, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
            t[key] += dt / len(photos)
    return t


def before(col: Colorizer, jobs: list[tuple[Path, Path]], line: str) -> None:
    """The command as it was: read, colourise and write each photo in turn, PNG at level 6."""
    for src, dst in jobs:
        image = col.colorize(src)
        atomic_write(dst, lambda tmp, image=image: save_image(image, tmp, line, png_compression=6))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=common.ROOT.parent / "shared" / "data" / "gallery" / "historical")
    ap.add_argument("--weights", default=None)
    args = ap.parse_args()
    if not args.data.is_dir():
        raise SystemExit(f"no folder {args.data} (the reference gallery lives in ../shared/data)")

    col = Colorizer.from_pretrained(args.weights, device="cpu")
    line = col.settings()
    with tempfile.TemporaryDirectory() as tmp:
        jobs = plan(args.data, Path(tmp) / "before")[0]
        photos = [src for src, _ in jobs]
        megapixels = []
        for p in photos:  # warm-up: the first call at each working shape builds its kernels, so every run below starts warm
            L = col.read(p)[0]
            col.photo_ab(L)
            megapixels.append(L.numel() / 1e6)
        per_stage = stages(col, photos, Path(tmp), line)
        t = time.perf_counter()
        before(col, jobs, line)
        t_before = time.perf_counter() - t
        t = time.perf_counter()
        failed = colorize_files(col, plan(args.data, Path(tmp) / "after")[0], line)
        t_after = time.perf_counter() - t
        sizes = {d: sum(f.stat().st_size for f in (Path(tmp) / d).rglob("*.png")) / len(photos) / 2**10 for d in ("before", "after")}

    mp = np.mean(megapixels)
    print(f"{args.data}: {len(photos)} photos, {mp:.2f} megapixels on average; {col.config.arch}, working size {col.config.size}\n")
    print("| stage (one photo at a time) | ms per photo |\n|---|---|")
    for name, seconds in per_stage.items():
        print(f"| {name} | {1000 * seconds:.0f} |")
    print("\n| run | images/s | PNG KiB per photo |\n|---|---|---|")
    print(f"| before: one photo at a time, PNG level 6 | {len(photos) / t_before:.2f} | {sizes['before']:.0f} |")
    print(f"| after: pipelined, PNG level {PNG_COMPRESSION} | {len(photos) / t_after:.2f} | {sizes['after']:.0f} |")
    print(f"\nspeed-up: {t_before / t_after:.2f}x" + (f" ({len(failed)} failed)" if failed else ""))


if __name__ == "__main__":
    main()
