"""App latency: request to response for a 1024x768 photo through the running app (gradio_client),
beside the same colourisation called directly in Python (the baseline, measured in this run).

    python bench/app_latency.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from common import ROOT, median_ms
from PIL import Image

from colorizer import Colorizer
from tests.helpers import Server


def main(repeat: int = 5) -> None:
    from gradio_client import handle_file
    from skimage import data

    path = Path(tempfile.mkdtemp()) / "photo.png"
    Image.fromarray(data.astronaut()).convert("L").resize((1024, 768)).save(path)
    col = Colorizer.from_pretrained(device="cpu")
    d = median_ms(lambda: col.colorize(path), repeat)
    server = Server(ROOT)
    try:
        client = server.client()
        a = median_ms(
            lambda: client.predict(handle_file(str(path)), None, col.config.size, col.config.temperature, api_name="/colorize"), repeat
        )
    finally:
        server.stop()
    print(f"1024x768, working size {col.config.size}, CPU: direct colorize {d:.0f} ms; app request->response {a:.0f} ms ({a / d:.2f}x)")


if __name__ == "__main__":
    main()
