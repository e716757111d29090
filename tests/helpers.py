"""Helpers several test modules share (tests import this, never each other)."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from fractions import Fraction

import numpy as np
import torch
from PIL import Image

from colorizer.data import ImageBank
from colorizer.trainer import TrainConfig

from .conftest import REPO


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
        lr_g=1e-4,
        l1_weight=10.0,  # the tests' losses have every term the trainer logs
        encoder_frozen=0,
    )
    return TrainConfig(**{**base, **kw})


def make_pack(tmp_path, photo, *extra: str, folder: str = "g") -> str:
    """``train.pack`` over 12 shifted, downscaled copies of ``photo`` in one folder (30% held out): the packs' folder."""
    root = tmp_path / "photos" / folder
    root.mkdir(parents=True)
    for i in range(12):
        Image.fromarray(np.roll(photo, 30 * i, axis=0)[::8, ::8]).save(root / f"{i}.jpg")
    cmd = [sys.executable, "-m", "train.pack", str(tmp_path / "photos"), str(tmp_path / "packs"), "--val-fraction", "0.3", *extra]
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return str(tmp_path / "packs")
