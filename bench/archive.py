"""Archives: the batch command's throughput on this machine, and on Ray Data.

    python bench/archive.py batch [--data ../shared/data/gallery/historical] [--weights weights]
    python bench/archive.py ray --count 200

batch: in one process, the stages one photo at a time, the command's loop as it was (each photo
read, colourised and written in turn, PNG level 6), and ``colorizer.batch.colorize_files`` (reading
ahead and writing behind the network, PNG level ``PNG_COMPRESSION``), the code the command runs.
ray: the command on one machine against the same job on Ray Data (1 and 2 actors), each in a
fresh process: wall time with Ray's start, throughput once running (from the manifest), and
the peak memory of the whole process tree (Ray's actors, raylet and object store are children).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common
import numpy as np
from common import ROOT, SHARED, cpu_name  # (common also puts the repository on sys.path)

from colorizer import Colorizer
from colorizer.batch import colorize_files, plan
from colorizer.files import atomic_write, scan_images
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


def batch(args: argparse.Namespace) -> None:
    """The batch command before and after pipelining, and where the time goes (images/s of wall time)."""
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
    print(f"{cpu_name()}; {args.data}: {len(photos)} photos, {mp:.2f} megapixels on average; {col!r}\n")
    print("| stage (one photo at a time) | ms per photo |\n|---|---|")
    for name, seconds in per_stage.items():
        print(f"| {name} | {1000 * seconds:.0f} |")
    print("\n| run | images/s | PNG KiB per photo |\n|---|---|---|")
    print(f"| before: one photo at a time, PNG level 6 | {len(photos) / t_before:.2f} | {sizes['before']:.0f} |")
    print(f"| after: pipelined, PNG level {PNG_COMPRESSION} | {len(photos) / t_after:.2f} | {sizes['after']:.0f} |")
    print(f"\nspeed-up: {t_before / t_after:.2f}x" + (f" ({len(failed)} failed)" if failed else ""))


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            fields = (p / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(p.name))
            rss[int(p.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        q = todo.pop()
        total += rss.get(q, 0)
        todo += children.get(q, [])
    return total


def run(folder: Path, out: Path, *flags: str) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "colorizer", str(folder), str(out), *flags]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr.read()[-3000:])
    times = sorted(json.loads(line)["time"] for line in (out / "colorizer-manifest.jsonl").read_text().splitlines())
    span = times[-1] - times[0]  # one batch written at once has no span: no rate
    return {"wall": wall, "rate": (len(times) - 1) / span if span > 0 else float("nan"), "peak": peak / 2**30, "n": len(times)}


def ray(args: argparse.Namespace) -> None:
    """The batch command on one machine against the same job on Ray Data, with 1 and 2 actors."""
    if not args.data.is_dir():
        raise SystemExit(f"no folder {args.data} (the reference photos live in ../shared/data)")
    photos = scan_images(args.data)[0]
    step = max(1, len(photos) // args.count)
    chosen = photos[::step][: args.count]  # spread over every collection: mixed sizes
    tmp = Path(tempfile.mkdtemp())
    folder = tmp / "in"
    folder.mkdir()
    for i, p in enumerate(chosen):
        (folder / f"{i:05d}{p.suffix.lower()}").symlink_to(p.resolve())
    print(f"{cpu_name()}; {len(chosen)} photos from {args.data}, {os.cpu_count()} CPUs; each command in a fresh process\n")
    print("| command | wall (s) | images/s once running | ratio | peak memory, process tree (GiB) |")
    print("|---|---|---|---|---|")
    cases = [
        ("plain (pipelined, one process)", ()),
        ("--ray (default actors)", ("--ray",)),
        ("--ray --actors 1 --cpus-per-actor 1", ("--ray", "--actors", "1", "--cpus-per-actor", "1")),
        ("--ray --actors 2 --cpus-per-actor 1", ("--ray", "--actors", "2", "--cpus-per-actor", "1")),
    ]
    base = None
    for name, flags in cases:
        r = run(folder, tmp / "out", *flags)
        base = base or r["rate"]
        print(f"| {name} | {r['wall']:.1f} | {r['rate']:.1f} | {r['rate'] / base:.2f}x | {r['peak']:.2f} |", flush=True)
    shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap, command = common.command_line(__doc__)
    p = command("batch", batch)
    p.add_argument("--data", type=Path, default=SHARED / "gallery" / "historical")
    p.add_argument("--weights", default=None)
    p = command("ray", ray)
    p.add_argument("--data", type=Path, default=SHARED / "train")
    p.add_argument("--count", type=int, default=200)
    common.run(ap)


if __name__ == "__main__":
    main()
