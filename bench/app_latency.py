"""App latency: request to response for a 1024x768 photo through the running app (gradio_client),
beside the same colourisation called directly in Python (the baseline, measured in this run).

    python bench/app_latency.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from colorizer import Colorizer  # noqa: E402
from tests.test_app import Server  # noqa: E402


def main(repeat: int = 5) -> None:
    from gradio_client import handle_file
    from skimage import data

    path = Path(tempfile.mkdtemp()) / "photo.png"
    Image.fromarray(data.astronaut()).convert("L").resize((1024, 768)).save(path)
    col = Colorizer.from_pretrained(device="cpu")
    col.colorize(path)
    direct = []
    for _ in range(repeat):
        t = time.perf_counter()
        col.colorize(path)
        direct.append(time.perf_counter() - t)
    server = Server(ROOT)
    try:
        client = server.client()
        call = lambda: client.predict(handle_file(str(path)), None, col.config.size, col.config.temperature, api_name="/colorize")  # noqa: E731
        call()
        app = []
        for _ in range(repeat):
            t = time.perf_counter()
            call()
            app.append(time.perf_counter() - t)
    finally:
        server.stop()
    d, a = float(np.median(direct)), float(np.median(app))
    print(f"1024x768, working size {col.config.size}, CPU: direct colorize {d * 1000:.0f} ms;", end=" ")
    print(f"app request->response {a * 1000:.0f} ms ({a / d:.2f}x the direct call)")


if __name__ == "__main__":
    main()
