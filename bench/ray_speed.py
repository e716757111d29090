"""The batch command on one machine against the same job on Ray Data, and Ray with 1 and 2 actors.

    python bench/ray_speed.py --count 200

One folder of photos of mixed sizes from ../shared/data/train (links, one per photo), the shipped
weights, each command in a fresh process, one after the other. For each: the whole command's
wall time (Ray's start included), the throughput once running (from the manifest: first to last
photo written), and the peak memory of its whole process tree (sampled every 0.1 s: Ray's
actors, raylet and object store are children of the command).
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

from common import ROOT

from colorizer.files import scan_images


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
    return {"wall": wall, "rate": (len(times) - 1) / (times[-1] - times[0]), "peak": peak / 2**30, "n": len(times)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "train")
    ap.add_argument("--count", type=int, default=200)
    args = ap.parse_args()
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
    print(f"{len(chosen)} photos from {args.data}, {os.cpu_count()} CPUs; each command in a fresh process\n")
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


if __name__ == "__main__":
    main()
