"""Peak memory of one app job at the app's limit (25 megapixels), whatever the photo's shape.

Each case runs in a fresh process through the app's own service (what a request runs) and
reports the process's peak resident memory beside the baseline in the same run: the model
loaded and a small photo colourised, nothing large touched yet. Shapes: 1 x N, N x 1 and square,
at every working size the app offers; then the square photo with a 25-megapixel reference, 32
hints and 4 alternatives at the largest size.

    python bench/app_memory.py              # --megapixels 25 --sizes 128 192 256 384 512
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT

CASE = """
import resource, sys
sys.path.insert(0, {root!r})
import numpy as np
from colorizer import Colorizer
from colorizer.serve import DiskBudget, Limits, Service
limits = Limits(folder=__import__("pathlib").Path({folder!r}) / "files", max_pixels=int({mp} * 1e6) + 1)
service = Service(Colorizer.from_pretrained(), limits, DiskBudget(limits.folder, limits.output_bytes, 3600))
service.warm()
kind, photo, size = {kind!r}, {photo!r}, {size!r}
if kind == "colorize":
    service.colorize(photo, None, size, None)
elif kind == "reference":
    service.colorize(photo, {colour!r}, size, 1.0)
elif kind == "hints":
    w, h = {square}
    service.colorize(photo, None, size, None, [[w * (i + 1) // 34, h * (i + 1) // 34, "#c83232"] for i in range(32)])
elif kind == "alternatives":
    service.alternatives(photo, size, 1.0, [], 0)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--megapixels", type=float, default=25.0)
    ap.add_argument("--sizes", type=int, nargs="+", default=[128, 192, 256, 384, 512])
    args = ap.parse_args()
    from PIL import Image
    from skimage import data

    folder = Path(tempfile.mkdtemp())
    n = int(args.megapixels * 1e6)
    side = int(n**0.5)
    square = Image.fromarray(data.astronaut()).resize((side, side), Image.BICUBIC)
    square.convert("L").save(folder / "square.png")
    square.save(folder / "colour.png")
    Image.new("L", (n, 1), 90).save(folder / "wide.png")
    Image.new("L", (1, n), 90).save(folder / "tall.png")

    def run(kind: str, photo: str, size: int | None) -> float:
        code = CASE.format(
            root=str(ROOT), folder=str(folder), mp=args.megapixels, kind=kind, photo=str(folder / photo),
            size=size, colour=str(folder / "colour.png"), square=square.size,
        )  # fmt: skip
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
        if out.returncode:
            raise SystemExit(out.stderr[-2000:])
        return float(out.stdout.split()[-1])

    base = run("baseline", "square.png", None)
    print(f"{args.megapixels:g} MP photos; peak resident memory per process (GiB); baseline (model loaded, warmed): {base:.2f}")
    print("| photo | " + " | ".join(f"size {s}" for s in args.sizes) + " |")
    print("|---|" + "---|" * len(args.sizes))
    for name, photo in ((f"{n:,} x 1 (wide)", "wide.png"), (f"1 x {n:,} (tall)", "tall.png"), (f"{side} x {side}", "square.png")):
        print(f"| {name} | " + " | ".join(f"+{run('colorize', photo, s) - base:.2f}" for s in args.sizes) + " |")
    largest = max(args.sizes)
    for kind, what in (("reference", "25 MP reference (metrics)"), ("hints", "32 hints"), ("alternatives", "4 alternatives")):
        print(f"| {side} x {side}, size {largest}, {what} | +{run(kind, 'square.png', largest) - base:.2f} |")


if __name__ == "__main__":
    main()
