"""Helpers several test modules share (tests import this, never each other)."""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from skimage.color import rgb2lab

from colorizer import Colorizer
from colorizer.data import ImageBank
from colorizer.trainer import TrainConfig
from colorizer.video import colorize_frames

from .conftest import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, cwd: Path, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        full_env = {**os.environ, "GRADIO_SERVER_PORT": str(self.port), "GRADIO_ANALYTICS_ENABLED": "False", **env}
        self.log = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: a chatty server never blocks
        self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=cwd, env=full_env, stdout=self.log, stderr=subprocess.STDOUT)
        while True:  # until it answers or exits: no clock, so a slow machine only waits longer
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

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def write_clip(path, n=12, w=64, h=48, fps=10, audio=True, vcodec="libx264", acodec="aac"):
    import av

    c = av.open(str(path), "w")
    v = c.add_stream(vcodec, rate=fps)
    v.width, v.height, v.pix_fmt = w, h, "yuv420p"
    a = c.add_stream(acodec, rate=16000) if audio else None
    for i in range(n):
        img = np.full((h, w, 3), 90, np.uint8)
        img[:, (4 * i) % w : (4 * i) % w + 8] = (200, 120, 60)
        f = av.VideoFrame.from_ndarray(img, format="rgb24")
        f.pts, f.time_base = i, Fraction(1, fps)
        for p in v.encode(f):
            c.mux(p)
    if a is not None:
        t = np.arange(int(16000 * n / fps)) / 16000
        samples = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None]
        for k in range(0, samples.shape[1], 1024):
            chunk = np.ascontiguousarray(samples[:, k : k + 1024])
            if acodec.startswith("pcm_s16"):
                af = av.AudioFrame.from_ndarray((chunk * 32767).astype(np.int16), format="s16", layout="mono")
            else:
                af = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            af.sample_rate, af.pts = 16000, k
            for p in a.encode(af):
                c.mux(p)
        for p in a.encode(None):
            c.mux(p)
    for p in v.encode(None):
        c.mux(p)
    c.close()


def count_frames(path) -> int:
    import av

    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


def run_cli_process(*args):
    """``python -m colorizer ARGS`` in a new process (the entry point itself, Ray's driver)."""
    return subprocess.run([sys.executable, "-m", "colorizer", *map(str, args)], cwd=REPO, capture_output=True, text=True, timeout=300)


def run_cli(*args):
    """The batch command's ``main`` in this process (no interpreter start): its exit code and stderr."""
    from colorizer.__main__ import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return subprocess.CompletedProcess(args, code, "", err.getvalue())


def synthetic_bank(n: int = 8, side: int = 32) -> ImageBank:
    g = torch.Generator().manual_seed(0)
    return ImageBank(torch.randint(0, 256, (n, 3, side, side), dtype=torch.uint8, generator=g), torch.ones(n), [str(i) for i in range(n)])


def tiny_config(out, **kw) -> TrainConfig:
    base = dict(
        out=str(out),
        arch="eccv16",
        width=0.125,
        crop=32,
        side=32,
        batch=4,
        amp="fp32",
        val_every=0,
        ckpt_every=0,
        log_every=1,
        warmup_steps=2,
        decay_from=1.0,
    )
    return TrainConfig(**{**base, **kw})


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
    frames, boxes = synthetic_clip()
    grey = [np.asarray(Image.fromarray(f).convert("L")) for f in frames]
    outs = [rgb2lab(o)[..., 1:] for o in colorize_frames(colorizer, grey, smoothing=smoothing)]
    static = np.ones(frames[0].shape[:2], bool)
    static[boxes[0][1] - 8 : boxes[0][1] + 40, :] = False  # the object's whole path, with a margin
    flicker = np.mean([np.abs(b - a)[static].mean() for a, b in zip(outs, outs[1:])])
    truth = [rgb2lab(f)[..., 1:] for f in frames]
    err = np.mean([np.linalg.norm((o - t)[y : y + 32, x : x + 32], axis=-1).mean() for o, t, (x, y) in zip(outs, truth, boxes)])
    return float(flicker), float(err)
