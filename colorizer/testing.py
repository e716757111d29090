"""Tools for testing and benchmarking the colorizer (as ``numpy.testing`` is numpy's).

The test suite and ``bench/`` both start the app in a real process, and both measure video
flicker on the same synthetic clip; this is their one copy.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
from PIL import Image

from .inference import Colorizer
from .video import colorize_frames


def free_port() -> int:
    """A TCP port nobody listens on now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """``python app.py`` from ``cwd`` on a free port, in its own process, until it answers.

    No clock: a slow machine only waits longer; if the app exits, its log is the error.
    """

    def __init__(self, cwd: str | Path, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        full_env = {**os.environ, "GRADIO_SERVER_PORT": str(self.port), "GRADIO_ANALYTICS_ENABLED": "False", **env}
        self.log = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: a chatty server never blocks
        self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=cwd, env=full_env, stdout=self.log, stderr=subprocess.STDOUT)
        while True:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"app exited: {self.log.read()[-3000:]}")
            try:
                urllib.request.urlopen(self.url, timeout=2)
                return
            except OSError:
                time.sleep(0.5)

    def client(self):
        from gradio_client import Client

        return Client(self.url, verbose=False)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def synthetic_clip(n: int = 16, side: int = 128, seed: int = 0) -> tuple[list[np.ndarray], list[tuple[int, int]]]:
    """A still colour photo with camera noise and a cut-out object moving across it.

    Returns the colour frames (ground truth) and the object's top-left corner in each frame."""
    from skimage import data

    rng = np.random.default_rng(seed)
    still = np.asarray(Image.fromarray(data.astronaut()).resize((side, side)), dtype=np.float64)
    patch = np.asarray(Image.fromarray(data.chelsea()).resize((32, 32)), dtype=np.float64)
    frames, boxes = [], []
    for i in range(n):
        f = still.copy()
        x, y = 4 + 6 * i, side // 2 - 16
        f[y : y + 32, x : x + 32] = patch
        f += rng.normal(0, 2.0, f.shape)
        frames.append(np.clip(f, 0, 255).astype(np.uint8))
        boxes.append((x, y))
    return frames, boxes


def flicker_and_object_error(colorizer: Colorizer, smoothing: float) -> tuple[float, float]:
    """On the synthetic clip: mean frame-to-frame ab change where nothing moves (flicker), and the
    moving object's mean ab error (what too much smoothing costs)."""
    from skimage.color import rgb2lab

    frames, boxes = synthetic_clip()
    grey = [np.asarray(Image.fromarray(f).convert("L")) for f in frames]
    outs = [rgb2lab(o)[..., 1:] for o in colorize_frames(colorizer, grey, smoothing=smoothing)]
    static = np.ones(frames[0].shape[:2], bool)
    static[boxes[0][1] - 8 : boxes[0][1] + 40, :] = False  # the object's whole path, with a margin
    flicker = np.mean([np.abs(b - a)[static].mean() for a, b in zip(outs, outs[1:])])
    truth = [rgb2lab(f)[..., 1:] for f in frames]
    err = np.mean([np.linalg.norm((o - t)[y : y + 32, x : x + 32], axis=-1).mean() for o, t, (x, y) in zip(outs, truth, boxes)])
    return float(flicker), float(err)
