"""Where a stage-B training step spends its time on this CPU (torch.profiler, grouped).

    python bench/train_profile.py --steps 5
    python bench/train_profile.py --steps 5 --recipe "unet B, v5 (CE, 4 blocks fixed)"

Stage B as v4 was trained (the U-Net on EfficientNet-Lite0, everything trainable, batch 32 at
128 px, bf16 where the CPU has it natively), on random photos: only the shapes matter. The
profiler's self time of every operator is put in one group: the encoder's depthwise
convolutions, its other convolutions, the decoder's convolutions (told apart by their weights'
shapes), BatchNorm, the optimizer (Adam and the EMA), the loss and decoding, and the rest;
forward and backward together. Drawing the batch (crops, flips) is timed on its own.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict

import torch
from common import cpu_name, median_ms
from torch.profiler import ProfilerActivity, profile
from train_speed import RECIPES

from colorizer.data import ImageBank
from colorizer.trainer import TrainConfig, Trainer


def group_of(event, depthwise: set, encoder_convs: set) -> str:
    name, shapes = event.key, [tuple(s) for s in (event.input_shapes or []) if isinstance(s, list)]
    weights = {s for s in shapes if len(s) == 4}
    if "conv" in name:
        if weights & depthwise:
            return "encoder: depthwise convolutions"
        if weights & encoder_convs:
            return "encoder: other convolutions"
        return "decoder and head: convolutions"
    if "batch_norm" in name or "native_batch_norm" in name:
        return "BatchNorm"
    if name.startswith("Optimizer") or "_foreach" in name or "adam" in name.lower() or "lerp" in name:
        return "optimizer and EMA"
    if any(k in name for k in ("softmax", "log_softmax", "nll", "cdist", "topk", "scatter", "cross_entropy")):
        return "loss and decoding"
    return "other element-wise and copies"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--recipe", default="unet B, full fine-tune", choices=list(RECIPES), help="a recipe of bench/train_speed.py")
    args = ap.parse_args()

    g = torch.Generator().manual_seed(0)
    bank = ImageBank(torch.randint(0, 256, (256, 3, 128, 128), dtype=torch.uint8, generator=g), torch.ones(256), [])
    with tempfile.TemporaryDirectory() as out:
        base = dict(out=out, batch=args.batch, steps=10**9, val_every=0, ckpt_every=0, log_every=10**9)
        cfg = TrainConfig(**{**base, **RECIPES[args.recipe]})
        tr = Trainer(cfg, bank, None, device="cpu")
        convs = [(n, m) for n, m in tr.G.named_modules() if isinstance(m, torch.nn.Conv2d)]
        depthwise = {tuple(m.weight.shape) for n, m in convs if n.startswith("encoder") and m.groups > 1}
        encoder_convs = {tuple(m.weight.shape) for n, m in convs if n.startswith("encoder") and m.groups == 1}
        decoder_shapes = {tuple(m.weight.shape) for n, m in convs if not n.startswith("encoder")}
        encoder_convs -= decoder_shapes  # a shape both sides use counts as the decoder's
        for _ in range(2):
            tr.train_step()
        step = median_ms(tr.train_step, args.steps)
        data = median_ms(tr.draw_batch, args.steps)  # the step's own data work, alone
        with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
            for _ in range(args.steps):
                tr.train_step()
    totals: dict[str, float] = defaultdict(float)
    for e in prof.key_averages(group_by_input_shape=True):
        totals[group_of(e, depthwise, encoder_convs)] += e.self_cpu_time_total
    total = sum(totals.values())
    threads = torch.get_num_threads()
    print(f"{args.recipe}, batch {args.batch}, 128 px, {tr.dtype}, {threads} threads, {cpu_name()}; {args.steps} steps profiled")
    print(f"a step: {step:.0f} ms ({1000 * args.batch / step:.1f} images/s), of which drawing the batch {data:.0f} ms\n")
    print("| group | share of self CPU time |\n|---|---|")
    for k, v in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"| {k} | {100 * v / total:.1f}% |")


if __name__ == "__main__":
    main()
