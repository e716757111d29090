"""Which CPU tricks make the U-Net faster here: channels_last, BatchNorm folding, torch.compile, threads.

    python bench/cpu_tricks.py                 # inference and stage-B training (about 5 minutes on 2 cores)
    python bench/cpu_tricks.py --skip-compile  # without torch.compile's first-call compilation

Inference: the generator's forward at the working shape of a 1024x768 photo (128x160), batch 1,
fp32 and the fast dtype, each variant against eager NCHW measured in the same run; variants are
timed in interleaved rounds so a busy moment hits them all. Training: one stage-B step (batch
32, 128 px, everything trains) with the trainer's channels_last on and off, torch.compile on and
off, and 1 or 2 threads. BatchNorm folding is inference-only (training keeps the BatchNorm
parameters the encoder was trained with).
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import time

import common  # noqa: F401  (puts the repository on sys.path)
import torch
import torch.nn as nn

from colorizer.color import ab_gamut
from colorizer.data import ImageBank
from colorizer.models import GeneratorConfig, build_generator, fold_batchnorm
from colorizer.precision import autocast, fast_dtype
from colorizer.trainer import TrainConfig, Trainer


def inference(rounds: int, compile_too: bool) -> None:
    torch.manual_seed(0)
    G = build_generator(GeneratorConfig(arch="unet_lite0", width=1.0, num_bins=len(ab_gamut()), size=128), ab_gamut()).eval()
    x = torch.rand(1, 1, 128, 160)
    variants: dict[str, tuple[nn.Module, bool]] = {
        "eager, NCHW": (G, False),
        "channels_last": (copy.deepcopy(G).to(memory_format=torch.channels_last), True),
        "BatchNorm folded": (fold_batchnorm(G), False),
        "BatchNorm folded + channels_last": (fold_batchnorm(G).to(memory_format=torch.channels_last), True),
    }
    if compile_too:
        variants["channels_last + torch.compile"] = (torch.compile(copy.deepcopy(G).to(memory_format=torch.channels_last)), True)
    dtypes = [torch.float32] + ([fast_dtype(torch.device("cpu"))] if fast_dtype(torch.device("cpu")) != torch.float32 else [])
    print("| variant | " + " | ".join(f"{str(d).split('.')[-1]} ms | ratio" for d in dtypes) + " |")
    print("|---|" + "---|---|" * len(dtypes))
    times: dict[tuple[str, torch.dtype], list[float]] = {(v, d): [] for v in variants for d in dtypes}
    with torch.no_grad():
        for d in dtypes:  # warm-up (and compilation) before any timing
            for model, cl in variants.values():
                with autocast(torch.device("cpu"), d):
                    for _ in range(2):
                        model(x.contiguous(memory_format=torch.channels_last) if cl else x)
        for _ in range(rounds):
            for d in dtypes:
                for name, (model, cl) in variants.items():
                    xx = x.contiguous(memory_format=torch.channels_last) if cl else x
                    with autocast(torch.device("cpu"), d):
                        t = time.perf_counter()
                        model(xx)
                        times[name, d].append(time.perf_counter() - t)
    median = {k: sorted(v)[len(v) // 2] * 1000 for k, v in times.items()}
    for name in variants:
        cells = [f"{median[name, d]:.1f} | {median[name, d] / median['eager, NCHW', d]:.2f}x" for d in dtypes]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


def training(steps: int, compile_too: bool) -> None:
    g = torch.Generator().manual_seed(0)
    bank = ImageBank(torch.randint(0, 256, (256, 3, 128, 128), dtype=torch.uint8, generator=g), torch.ones(256), [])
    n = torch.get_num_threads()
    variants = {f"channels_last (the default), {n} threads": dict(channels_last=True)}
    variants[f"NCHW, {n} threads"] = dict(channels_last=False)
    if compile_too:
        variants[f"channels_last + torch.compile, {n} threads"] = dict(channels_last=True, compile=True)
    if n > 1:
        variants["channels_last, 1 thread"] = dict(channels_last=True, threads=1)
    print("\n| stage B step, batch 32 | images/s | ratio |\n|---|---|---|")
    base = None
    for name, kw in variants.items():
        torch.set_num_threads(kw.pop("threads", n))
        with tempfile.TemporaryDirectory() as out:
            recipe = dict(arch="unet_lite0", width=1.0, encoder_init="random", encoder_lr=0.1, batch=32, crop=128)
            cfg = TrainConfig(out=out, steps=10**9, val_every=0, ckpt_every=0, log_every=10**9, **recipe, **kw)
            tr = Trainer(cfg, bank, None, device="cpu")
            for _ in range(2):
                tr.train_step()
            t = time.perf_counter()
            for _ in range(steps):
                tr.train_step()
            img_s = 32 * steps / (time.perf_counter() - t)
        torch.set_num_threads(n)
        base = base or img_s
        print(f"| {name} | {img_s:.1f} | {img_s / base:.2f}x |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=30, help="timed inference calls per variant")
    ap.add_argument("--steps", type=int, default=4, help="timed training steps per variant")
    ap.add_argument("--skip-compile", action="store_true")
    args = ap.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU; fast dtype {fast_dtype(torch.device('cpu'))}\n")
    inference(args.rounds, not args.skip_compile)
    training(args.steps, not args.skip_compile)


if __name__ == "__main__":
    main()
