"""Training throughput: images/s for each recipe, and the achieved fraction of the bf16 peak on GPUs.

    python bench/train_speed.py                      # this machine (CPU or GPU), synthetic images
    python bench/train_speed.py --width 0.5 --batch 128 --steps 30
    python bench/train_speed.py --batch 32 --steps 5 --rounds 3 --recipes "unet B, full fine-tune" "unet B, v5 (CE, 4 blocks fixed)"

FLOPs per image are counted with torch's FlopCounterMode over one full training step (G forward
and backward, D steps, VGG when on), so the fraction of peak covers everything that is matmul or
convolution. The GPU peak defaults to 790 TFLOP/s (dense bf16 measured on this workplace's H100/H200).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch
from common import cpu_name  # (common also puts the repository on sys.path)
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
    "unet B, cross-entropy alone": dict(arch="unet_lite0", width=1.0, encoder_init="random", l1_weight=0.0),
    # v5's stage B: cross-entropy alone (nothing to decode in the step), the encoder's stem and first 4 blocks fixed
    "unet B, v5 (CE, 4 blocks fixed)": dict(arch="unet_lite0", width=1.0, encoder_init="random", l1_weight=0.0, encoder_frozen=4),
    "unet B, v5 + scene context": dict(arch="unet_lite0_scene", width=1.0, encoder_init="random", l1_weight=0.0, encoder_frozen=4),
    "unet_lite2 B, v5 recipe": dict(arch="unet_lite2", width=1.0, encoder_init="random", l1_weight=0.0, encoder_frozen=4),
}


def build(recipe: str, width: float, batch: int, crop: int, device: str | None, out: str) -> tuple[Trainer, float]:
    """A trainer for the recipe on random photos, warmed up, and its FLOPs per image."""
    g = torch.Generator().manual_seed(0)
    bank = ImageBank(torch.randint(0, 256, (256, 3, crop, crop), dtype=torch.uint8, generator=g), torch.ones(256), [])
    base = dict(out=out, width=width, batch=batch, crop=crop, side=crop, steps=10**9, val_every=0, ckpt_every=0, log_every=10**9)
    tr = Trainer(TrainConfig(**{**base, **RECIPES[recipe]}), bank, None, device=device)
    with FlopCounterMode(display=False) as fc:
        tr.train_step()
    for _ in range(2):
        tr.train_step()
    return tr, fc.get_total_flops() / batch


def images_per_second(tr: Trainer, steps: int) -> float:
    if tr.device.type == "cuda":
        torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(steps):
        tr.train_step()
    if tr.device.type == "cuda":
        torch.cuda.synchronize()
    return tr.cfg.batch * steps / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--width", type=float, default=None, help="default: 0.5 on GPU, 0.25 on CPU")
    ap.add_argument("--batch", type=int, default=None, help="default: 128 on GPU, 16 on CPU")
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--recipes", nargs="+", default=list(RECIPES), help="the first is the baseline of the ratios")
    ap.add_argument("--rounds", type=int, default=1, help="interleaved timing rounds; the median is reported")
    ap.add_argument("--peak-tflops", type=float, default=790.0)
    ap.add_argument("--device", default=None)
    args = ap.parse_args()
    gpu = torch.cuda.is_available() and args.device != "cpu"
    width = args.width or (0.5 if gpu else 0.25)
    batch = args.batch or (128 if gpu else 16)
    steps = args.steps or (30 if gpu else 3)
    name = torch.cuda.get_device_name() if gpu else "CPU"
    print(f"{name}: {cpu_name()}, {torch.get_num_threads()} threads; median of {args.rounds} interleaved rounds of {steps} steps")
    print("| recipe | device | width | batch | crop | dtype | images/s | against the first | GFLOP/img | TFLOP/s | of bf16 peak |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as out:
        trainers = {r: build(r, width, batch, args.crop, args.device, out) for r in args.recipes}
        speeds: dict[str, list[float]] = {r: [] for r in args.recipes}
        for _ in range(args.rounds):  # interleaved, so a busy spell touches every recipe alike
            for r, (tr, _) in trainers.items():
                speeds[r].append(images_per_second(tr, steps))
    first = statistics.median(speeds[args.recipes[0]])
    for r, (tr, flops) in trainers.items():
        img_s = statistics.median(speeds[r])
        tflops = img_s * flops / 1e12
        frac = f"{100 * tflops / args.peak_tflops:.1f}%" if gpu else "-"
        dtype = str(tr.dtype).split(".")[-1]
        print(
            f"| {r} | {name} | {RECIPES[r].get('width', width)} | {batch} | {args.crop} | {dtype} | {img_s:.1f} "
            f"| {img_s / first:.2f}x | {flops / 1e9:.2f} | {tflops:.2f} | {frac} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
