"""Colour hints stay interactive: a 1024x768 photo with 10 hints, beside the same photo without.

python bench/hints_speed.py
"""

from __future__ import annotations

import numpy as np
from common import median_ms
from PIL import Image

from colorizer import Colorizer


def main() -> None:
    from skimage import data

    img = Image.fromarray(data.astronaut()).convert("L").resize((1024, 768))
    rng = np.random.default_rng(0)
    hints = [(float(rng.integers(0, 1024)), float(rng.integers(0, 768)), tuple(int(v) for v in rng.integers(0, 256, 3))) for _ in range(10)]
    col = Colorizer.from_pretrained(device="cpu")
    plain = median_ms(lambda: col.colorize(img))
    hinted = median_ms(lambda: col.colorize(img, hints=hints))
    print(f"1024x768, working size {col.config.size}, CPU: no hints {plain:.0f} ms; 10 hints {hinted:.0f} ms ({hinted / plain:.2f}x)")


if __name__ == "__main__":
    main()
