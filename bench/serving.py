"""The app as a user meets it: request latency, click-to-result for a hint, and peak memory per job.

    python bench/serving.py latency     # gradio_client against the running app
    python bench/serving.py click [--weights weights/unet_lite0_v4]   # headless Chromium (Debian's, through Playwright)
    python bench/serving.py memory [--megapixels 25 --sizes 128 192 256 384 512] [--weights W]

Each against a baseline measured in the same run: the same colourisation called directly in
Python, or (memory) a process with the model loaded and warmed and nothing large touched yet.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common
import numpy as np
from common import ROOT, cpu_name, median_ms, photo  # (common also puts the repository on sys.path)
from PIL import Image

from colorizer import Colorizer
from colorizer.testing import AppServer


def grey_photo() -> Path:
    path = Path(tempfile.mkdtemp()) / "photo.png"
    Image.fromarray(photo(1024, 768)).convert("L").save(path)
    return path


def latency(args: argparse.Namespace) -> None:
    """Request to response for a 1024x768 photo through the running app, beside a direct call."""
    from gradio_client import handle_file

    path = grey_photo()
    col = Colorizer.from_pretrained(args.weights, device="cpu")
    direct = median_ms(lambda: col.colorize(path), args.repeat)
    server = AppServer(ROOT, **({"COLORIZER_WEIGHTS": args.weights} if args.weights else {}))
    try:
        client = server.client()
        app = median_ms(lambda: client.predict(handle_file(str(path)), None, col.config.size, None, api_name="/colorize"), args.repeat)
    finally:
        server.stop()
    print(f"{cpu_name()}; 1024x768, {col!r}: direct colorize {direct:.0f} ms; app request->response {app:.0f} ms ({app / direct:.2f}x)")


SRCS = "Array.from(document.querySelectorAll('#result-slider img')).map(i => i.src)"


def click(args: argparse.Namespace) -> None:
    """Click to result for a colour hint in a real browser, beside colorize with a hint called directly.

    Headless Chromium at 1280x800: upload the photo, wait for its result, then click a point of
    the photo and time until the result shows the new colourisation; each click adds one hint."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("needs Debian's chromium (apt-get install chromium)")
    path = grey_photo()
    col = Colorizer.from_pretrained(args.weights, device="cpu")
    direct = median_ms(lambda: col.colorize(path, hints=[(300.0, 400.0, (200, 50, 50))]), 5)
    server = AppServer(ROOT, **({"COLORIZER_WEIGHTS": args.weights} if args.weights else {}))
    times = []
    try:
        flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=flags)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(server.url, wait_until="load", timeout=120_000)
            page.wait_for_selector("#photo input[type=file]", state="attached", timeout=120_000)
            page.locator("#photo input[type=file]").set_input_files(str(path))
            page.wait_for_function(f"{SRCS}.length >= 2", timeout=60_000)
            changed = f"old => {{ const now = {SRCS}; return now.length >= 2 && now.join() !== old.join(); }}"
            for i in range(args.clicks):
                before = page.evaluate(SRCS)
                box = page.locator("#photo img").first.bounding_box()
                t = time.perf_counter()
                page.locator("#photo img").first.click(position={"x": box["width"] * (0.2 + 0.15 * i), "y": box["height"] * 0.6})
                page.wait_for_function(changed, arg=before, timeout=60_000, polling=20)
                times.append((time.perf_counter() - t) * 1000)
            browser.close()
    finally:
        server.stop()
    print(f"{cpu_name()}; 1024x768, {col!r}: click to result {np.median(times):.0f} ms (median of {args.clicks}; "
          f"{', '.join(f'{t:.0f}' for t in times)}), against {direct:.0f} ms for colorize with one hint called directly")  # fmt: skip


CASE = """
import resource, sys
sys.path.insert(0, {root!r})
from pathlib import Path
from colorizer import Colorizer
from colorizer.serve import DiskBudget, Limits, Service
limits = Limits(folder=Path({folder!r}) / "files", max_pixels=int({mp} * 1e6) + 1)
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


def memory(args: argparse.Namespace) -> None:
    """Peak memory of one app job at the app's limit, whatever the photo's shape.

    Each case in a fresh process through the app's own service (what a request runs). Shapes:
    1 x N, N x 1 and square, at every working size the app offers; then the square photo with a
    reference as large, 32 hints and 4 alternatives at the largest size."""
    from skimage import data

    folder = Path(tempfile.mkdtemp())
    n = int(args.megapixels * 1e6)
    side = int(n**0.5)
    square = Image.fromarray(data.astronaut()).resize((side, side), Image.BICUBIC)
    square.convert("L").save(folder / "square.png")
    square.save(folder / "colour.png")
    Image.new("L", (n, 1), 90).save(folder / "wide.png")
    Image.new("L", (1, n), 90).save(folder / "tall.png")

    def run(kind: str, name: str, size: int | None) -> float:
        code = CASE.format(
            root=str(ROOT), folder=str(folder), mp=args.megapixels, kind=kind, photo=str(folder / name),
            size=size, colour=str(folder / "colour.png"), square=square.size,
        )  # fmt: skip
        env = {**os.environ, **({"COLORIZER_WEIGHTS": args.weights} if args.weights else {})}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
        if out.returncode:
            raise SystemExit(out.stderr[-2000:])
        return float(out.stdout.split()[-1])

    base = run("baseline", "square.png", None)
    print(f"{cpu_name()}; {args.megapixels:g} MP photos; peak resident memory per process (GiB); "
          f"baseline (model loaded, warmed): {base:.2f}")  # fmt: skip
    print("| photo | " + " | ".join(f"size {s}" for s in args.sizes) + " |")
    print("|---|" + "---|" * len(args.sizes))
    for label, name in ((f"{n:,} x 1 (wide)", "wide.png"), (f"1 x {n:,} (tall)", "tall.png"), (f"{side} x {side}", "square.png")):
        print(f"| {label} | " + " | ".join(f"+{run('colorize', name, s) - base:.2f}" for s in args.sizes) + " |", flush=True)
    largest = max(args.sizes)
    extras = (("reference", f"{args.megapixels:g} MP reference (metrics)"), ("hints", "32 hints"), ("alternatives", "4 alternatives"))
    for kind, what in extras:
        print(f"| {side} x {side}, size {largest}, {what} | +{run(kind, 'square.png', largest) - base:.2f} |", flush=True)


def main() -> None:
    ap, command = common.command_line(__doc__)

    p = command("latency", latency)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--weights", help="the app serves these (COLORIZER_WEIGHTS); default: what ships")
    p = command("click", click)
    p.add_argument("--clicks", type=int, default=5)
    p.add_argument("--weights", help="the app serves these (COLORIZER_WEIGHTS); default: what ships")
    p = command("memory", memory)
    p.add_argument("--megapixels", type=float, default=25.0)
    p.add_argument("--sizes", type=int, nargs="+", default=[128, 192, 256, 384, 512])
    p.add_argument("--weights", help="the app serves these (COLORIZER_WEIGHTS); default: what ships")
    common.run(ap)


if __name__ == "__main__":
    main()
