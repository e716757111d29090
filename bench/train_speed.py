"""Training throughput: images/s for each recipe, and the achieved fraction of the bf16 peak on GPUs.

    python bench/train_speed.py                      # this machine (CPU or GPU), synthetic images
    python bench/train_speed.py --width 0.5 --batch 128 --steps 30

FLOPs per image are counted with torch's FlopCounterMode over one full training step (G forward
and backward, D steps, VGG when on), so the fraction of peak covers everything that is matmul or
convolution. The GPU peak defaults to 790 TFLOP/s (dense bf16 measured on this workplace's H100/H200).
"""

from __future__ import annotations

import argparse
import tempfile
import time

import common  # noqa: F401  (puts the repository on sys.path)
import torch
from torch.utils.flop_counter import FlopCounterMode

from colorizer.data import ImageBank  # noqa: E402
from colorizer.trainer import TrainConfig, Trainer  # noqa: E402

RECIPES = {
    "ce+l1": dict(arch="eccv16", ce_weight=1.0, l1_weight=10.0),
    "ce+l1+adv": dict(arch="eccv16", ce_weight=1.0, l1_weight=10.0, adv_weight=0.05, adv_start=0.0),
    "ce+l1+adv+vgg": dict(arch="eccv16", ce_weight=1.0, l1_weight=10.0, adv_weight=0.05, adv_start=0.0, content_weight=0.2, vgg="random"),
    # The U-Net's stages (width 1.0 whatever --width says; the encoder's weights do not change its speed)
    "unet A, cached features": dict(arch="unet_lite0", width=1.0, encoder_init="random", encoder_lr=0.0, cache_features=True),
    "unet A, encoder frozen in the loop": dict(arch="unet_lite0", width=1.0, encoder_init="random", encoder_lr=0.0),
    "unet B, full fine-tune": dict(arch="unet_lite0", width=1.0, encoder_init="random", encoder_lr=0.1),
}


def measure(recipe: str, width: float, batch: int, crop: int, steps: int, device: str | None) -> dict:
    g = torch.Generator().manual_seed(0)
    bank = ImageBank(torch.randint(0, 256, (256, 3, 128, 128), dtype=torch.uint8, generator=g), torch.ones(256), [])
    with tempfile.TemporaryDirectory() as out:
        base = dict(out=out, width=width, batch=batch, crop=crop, steps=10**9, val_every=0, ckpt_every=0, log_every=10**9)
        cfg = TrainConfig(**{**base, **RECIPES[recipe]})
        tr = Trainer(cfg, bank, None, device=device)
        with FlopCounterMode(display=False) as fc:
            tr.train_step()
        flops = fc.get_total_flops() / batch
        for _ in range(3):
            tr.train_step()
        if tr.device.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        for _ in range(steps):
            tr.train_step()
        if tr.device.type == "cuda":
            torch.cuda.synchronize()
        dt = time.perf_counter() - t
    return {
        "recipe": recipe,
        "device": str(tr.device),
        "dtype": str(tr.dtype).split(".")[-1],
        "img_s": batch * steps / dt,
        "gflop_per_img": flops / 1e9,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--width", type=float, default=None, help="default: 0.5 on GPU, 0.25 on CPU")
    ap.add_argument("--batch", type=int, default=None, help="default: 128 on GPU, 16 on CPU")
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--recipes", nargs="+", default=list(RECIPES))
    ap.add_argument("--peak-tflops", type=float, default=790.0)
    ap.add_argument("--device", default=None)
    args = ap.parse_args()
    gpu = torch.cuda.is_available() and args.device != "cpu"
    width = args.width or (0.5 if gpu else 0.25)
    batch = args.batch or (128 if gpu else 16)
    steps = args.steps or (30 if gpu else 3)
    name = torch.cuda.get_device_name() if gpu else "CPU"
    print("| recipe | device | width | batch | crop | dtype | images/s | GFLOP/img | TFLOP/s | of bf16 peak |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in args.recipes:
        m = measure(r, width, batch, args.crop, steps, args.device)
        tflops = m["img_s"] * m["gflop_per_img"] / 1e3
        frac = f"{100 * tflops / args.peak_tflops:.1f}%" if gpu else "-"
        print(
            f"| {r} | {name} | {RECIPES[r].get('width', width)} | {batch} | {args.crop} | {m['dtype']} | {m['img_s']:.1f} "
            f"| {m['gflop_per_img']:.2f} | {tflops:.2f} | {frac} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
