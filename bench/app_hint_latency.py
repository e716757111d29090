"""Click to result for a colour hint in a real browser, on a 1024x768 photo, beside the same
colourisation with that hint called directly in Python (the baseline, measured in this run).

    python bench/app_hint_latency.py

Headless Chromium (Debian's, through Playwright) at 1280x800 on the app served here: upload the
photo, wait for its result, then click a point of the photo and time until the result shows the
new colourisation; each of 5 clicks adds one more hint.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from common import ROOT, median_ms
from PIL import Image

from colorizer import Colorizer
from tests.helpers import Server

SRCS = "Array.from(document.querySelectorAll('#result-slider img')).map(i => i.src)"


def main(clicks: int = 5) -> None:
    from playwright.sync_api import sync_playwright
    from skimage import data

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("needs Debian's chromium (apt-get install chromium)")
    path = Path(tempfile.mkdtemp()) / "photo.png"
    Image.fromarray(data.astronaut()).convert("L").resize((1024, 768)).save(path)
    col = Colorizer.from_pretrained(device="cpu")
    direct = median_ms(lambda: col.colorize(path, hints=[(300.0, 400.0, (200, 50, 50))]), 5)
    server = Server(ROOT)
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
            for i in range(clicks):
                before = page.evaluate(SRCS)
                box = page.locator("#photo img").first.bounding_box()
                t = time.perf_counter()
                page.locator("#photo img").first.click(position={"x": box["width"] * (0.2 + 0.15 * i), "y": box["height"] * 0.6})
                page.wait_for_function(changed, arg=before, timeout=60_000, polling=20)
                times.append((time.perf_counter() - t) * 1000)
            browser.close()
    finally:
        server.stop()
    print(f"1024x768, v4 at its defaults, CPU: click to result {np.median(times):.0f} ms (median of {clicks}; "
          f"{', '.join(f'{t:.0f}' for t in times)}), against {direct:.0f} ms for colorize with one hint called directly")  # fmt: skip


if __name__ == "__main__":
    main()
