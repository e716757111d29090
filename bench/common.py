"""What every benchmark here shares: the repository on sys.path, the reference data, a median
timer, the CPU's name, a test photo, and the three photo sets the quality benches score."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))


def command_line(doc: str):
    """A parser of subcommands, each a function whose docstring is its help, and ``add(name, fn)``
    that registers one and returns its parser for the flags. Run with ``run(parser)``."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(required=True)

    def add(name: str, fn) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=fn.__doc__.splitlines()[0], description=fn.__doc__)
        p.set_defaults(run=fn)
        return p

    return ap, add


def run(ap: argparse.ArgumentParser) -> None:
    args = ap.parse_args()
    args.run(args)


def median_ms(fn, repeat: int = 5) -> float:
    """Median wall time of ``fn()`` in ms, after one warm-up call (JIT, caches, allocations)."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times)) * 1000


def cpu_name() -> str:
    """The CPU model as lscpu names it: every figure is recorded beside the machine it came from."""
    out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    m = re.search(r"Model name:\s*(.+)", out)
    return m.group(1).strip() if m else "unknown CPU"


def photo(w: int = 1024, h: int = 768) -> np.ndarray:
    """skimage's astronaut (RGB uint8) resized to w x h: the photo every speed figure uses."""
    from PIL import Image
    from skimage import data

    return np.asarray(Image.fromarray(data.astronaut()).resize((w, h), Image.BICUBIC))


def photo_sets(val: str | None, bench: Path = SHARED / "bench") -> dict[str, list[np.ndarray]]:
    """Kodak24, McMaster18 and (given the validation pack) its general photos, whole."""
    from colorizer.evaluate import general_photos, load_references

    sets = {"Kodak24": load_references(bench / "kodak24"), "McMaster18": load_references(bench / "mcmaster18")}
    if val:
        sets["general photos"] = general_photos(val)
    return sets
