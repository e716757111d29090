"""Video: frames per second at 640x480 on this machine, and flicker with and without smoothing.

    python bench/video_speed.py

Speed: colorize_frames over 30 frames of a 640x480 clip (shipped weights, default working size),
per-frame (smoothing 0) beside temporally smoothed. Flicker: the synthetic clip of
tests/test_video.py (a still photo with camera noise and a cut-out object moving across it):
mean frame-to-frame ab change on the static region, and ab error on the moving object.
"""

from __future__ import annotations

import time

import common  # noqa: F401  (puts the repository on sys.path)
import numpy as np
from PIL import Image

from colorizer import Colorizer  # noqa: E402
from colorizer.video import SMOOTHING, colorize_frames  # noqa: E402
from tests.helpers import flicker_and_object_error  # noqa: E402


def main(n: int = 30) -> None:
    from skimage import data

    col = Colorizer.from_pretrained(device="cpu")
    base = np.asarray(Image.fromarray(data.astronaut()).convert("L").resize((640, 480)))
    frames = [np.roll(base, 4 * i, axis=1) for i in range(n)]
    list(colorize_frames(col, frames[:2]))  # warm-up
    for smoothing in (0.0, SMOOTHING):
        t = time.perf_counter()
        for _ in colorize_frames(col, frames, smoothing=smoothing):
            pass
        fps = n / (time.perf_counter() - t)
        print(f"640x480, working size {col.config.size}, smoothing {smoothing}: {fps:.1f} frames/s")
    plain = flicker_and_object_error(col, 0.0)
    smooth = flicker_and_object_error(col, SMOOTHING)
    lower = 100 * (1 - smooth[0] / plain[0])
    print(f"flicker (static region, mean |d ab| per frame): per-frame {plain[0]:.3f}, smoothed {smooth[0]:.3f} ({lower:.0f}% lower)")
    print(f"ab error on the moving object: per-frame {plain[1]:.2f}, smoothed {smooth[1]:.2f} ({smooth[1] / plain[1]:.3f}x)")


if __name__ == "__main__":
    main()
