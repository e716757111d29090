"""Build the gallery images shipped in examples/ (deterministic; see README.md for licences).

    python examples/make_examples.py

Historical: scikit-image's bundled photographs (CC0 / public domain). X-ray and CCTV: simulated by
this script (a drawn chest radiograph; a fixed-camera frame made from a public-domain photo), so
that the product ships no image of unclear licence. Real samples can be added at run time with
COLORIZER_EXAMPLES_DIR (see the README).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from skimage import data

HERE = Path(__file__).resolve().parent


def gray(a: np.ndarray) -> Image.Image:
    return Image.fromarray(a).convert("L")


def simulated_chest_xray(size: int = 512, seed: int = 0) -> Image.Image:
    """A drawn PA chest radiograph: dark lungs, ribs, spine, heart shadow, film grain."""
    rng = np.random.default_rng(seed)
    img = Image.new("L", (size, size), 40)
    d = ImageDraw.Draw(img)
    d.ellipse((60, 40, 452, 560), fill=150)  # body
    d.ellipse((110, 90, 245, 420), fill=55)  # right lung
    d.ellipse((267, 90, 402, 420), fill=55)  # left lung
    d.ellipse((215, 230, 345, 400), fill=165)  # heart
    d.rectangle((238, 20, 274, 512), fill=190)  # spine
    for i in range(9):  # ribs: arcs over both lungs
        y = 100 + 34 * i
        d.arc((90, y - 40, 256, y + 60), 190, 350, fill=175, width=7)
        d.arc((256, y - 40, 422, y + 60), 190, 350, fill=175, width=7)
    d.line((150, 40, 362, 40), fill=200, width=10)  # clavicles
    img = img.filter(ImageFilter.GaussianBlur(4))
    a = np.asarray(img).astype(np.float32) + rng.normal(0, 6, (size, size))
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def simulated_cctv_frame(seed: int = 0) -> Image.Image:
    """A fixed-camera frame: the public-domain SpaceX launch-pad photo, greyed, softened,
    noisy, with a timestamp overlay as CCTV systems burn in."""
    rng = np.random.default_rng(seed)
    img = gray(data.rocket()).resize((427, 240), Image.BILINEAR).resize((640, 360), Image.BILINEAR)
    a = np.asarray(img).astype(np.float32) * 0.9 + 12 + rng.normal(0, 7, (360, 640))
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    ImageDraw.Draw(img).text((12, 10), "CAM 03  2026-11-26 08:00:13", fill=235)
    return img


def main() -> None:
    out = {
        "historical/cameraman.png": gray(data.camera()),
        "historical/astronaut_1984.png": gray(data.astronaut()),
        "historical/coins.png": gray(data.coins()),
        "xray/simulated_chest_xray.png": simulated_chest_xray(),
        "cctv/simulated_cctv_launchpad.png": simulated_cctv_frame(),
    }
    for rel, img in out.items():
        path = HERE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        img.save(path, optimize=True)
        print(path.relative_to(HERE), img.size)


if __name__ == "__main__":
    main()
