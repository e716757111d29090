"""Peak memory of one app job at the largest settings the app allows, on a 25-megapixel photo.

Each case runs in a fresh process through the app's own functions (what a request runs), and
reports the process's peak resident memory beside the baseline in the same run: the model loaded
and the photo read, nothing colourised.

    python bench/app_memory.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT

CASE = """
import resource, sys
sys.path.insert(0, {root!r})
import app
model, _ = app.loaded()
grey, colour, case = {grey!r}, {colour!r}, {case!r}
app.open_photo(grey)
if case == "colorize, default size":
    app.colorize(grey, None, None, None)
elif case == "colorize, size 512, 25 MP reference (metrics)":
    app.colorize(grey, colour, 512, 1.0)
elif case == "colorize, size 512, 32 hints":
    app.colorize(grey, None, 512, None, [[100 + 150 * i, 100 + 120 * i, "#c83232"] for i in range(32)])
elif case == "4 alternatives, size 512":
    app.alternatives(grey, 512, 1.0, [], 0)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)
"""
CASES = [
    "baseline: model loaded, photo read",
    "colorize, default size",
    "colorize, size 512, 25 MP reference (metrics)",
    "colorize, size 512, 32 hints",
    "4 alternatives, size 512",
]


def main() -> None:
    from PIL import Image
    from skimage import data

    folder = Path(tempfile.mkdtemp())
    photo = Image.fromarray(data.astronaut()).resize((6124, 4082), Image.BICUBIC)  # 25.0 MP, the app's limit
    photo.convert("L").save(folder / "grey.png")
    photo.save(folder / "colour.png")
    print(f"{photo.size[0]}x{photo.size[1]} = {photo.size[0] * photo.size[1] / 1e6:.1f} MP photo; peak resident memory per process (GiB)")
    base = None
    for case in CASES:
        code = CASE.format(root=str(ROOT), grey=str(folder / "grey.png"), colour=str(folder / "colour.png"), case=case)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
        if out.returncode:
            raise SystemExit(out.stderr[-2000:])
        peak = float(out.stdout.split()[-1])
        base = base or peak
        print(f"| {case} | {peak:.2f} | +{peak - base:.2f} |")


if __name__ == "__main__":
    main()
