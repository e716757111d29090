"""How fast it runs on this machine: one subcommand per path, each against a baseline timed in the same run.

    python bench/speed.py inference [--quick] [--architectures] [--weights weights weights/unet_lite0_v5]
    python bench/speed.py hints
    python bench/speed.py video
    python bench/speed.py training [--recipes ...] [--rounds 3]
    python bench/speed.py training --profile --recipes "unet B, v5 (CE, 4 blocks fixed)"

Every table names the CPU (lscpu) and its threads; time one benchmark at a time on a quiet machine.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from io import BytesIO

import common
import numpy as np
import torch
from common import cpu_name, median_ms, photo  # (common also puts the repository on sys.path)
from PIL import Image

from colorizer import Colorizer, efficientnet
from colorizer.color import ab_gamut, downsample_ab, rgb_to_lab, soft_encode
from colorizer.data import ImageBank
from colorizer.inference import compose
from colorizer.models import Generator, GeneratorConfig, build_generator
from colorizer.testing import flicker_and_object_error
from colorizer.trainer import TrainConfig, Trainer
from colorizer.video import SMOOTHING, colorize_frames

# --- inference ------------------------------------------------------------------------------
ARCHITECTURES = {
    "ECCV16 width 0.5 (v3)": ("eccv16", 0.5),
    "U-Net on EfficientNet-Lite0, width 1.0 (v4)": ("unet_lite0", 1.0),
    "the same with scene context (issue 25's arm)": ("unet_lite0_scene", 1.0),
    "U-Net on EfficientNet-Lite2, width 1.0 (issue 25's arm)": ("unet_lite2", 1.0),
    "the same with hint inputs (v6, default)": ("unet_lite2_hints", 1.0),
}


def model(width: float, arch: str = "eccv16") -> Generator:
    """Random weights: speed does not depend on them."""
    torch.manual_seed(0)
    return build_generator(GeneratorConfig(arch=arch, width=width, num_bins=len(ab_gamut()), size=128), ab_gamut()).eval()


def architectures(repeat: int) -> None:
    """The generators' architectures on one 1024x768 photo: parameters, GFLOP, whole-photo ms."""
    from torch.utils.flop_counter import FlopCounterMode

    img = photo(1024, 768)
    print("| generator | parameters | working shape | GFLOP | colorize 1024x768, ms (fp32) | ratio | ms (fast dtype) | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    base: dict[str, float] = {}
    for label, (arch, width) in ARCHITECTURES.items():
        G = model(width, arch)
        row = []
        for dtype in (torch.float32, None):
            col = Colorizer(G, device="cpu", dtype=dtype)
            ms = median_ms(lambda col=col: col.colorize(img), repeat)
            key = "fp32" if dtype else "fast"
            base.setdefault(key, ms)
            row.append(f"{ms:.0f} | {ms / base[key]:.2f}x")
        L = col.working_l(torch.zeros(768, 1024), 128)
        with FlopCounterMode(display=False) as flops, torch.no_grad():
            G(L)
        params = sum(p.numel() for p in G.parameters())
        shape = "x".join(map(str, L.shape[-2:]))
        print(f"| {label} | {params / 1e6:.2f} M | {shape} | {flops.get_total_flops() / 1e9:.2f} | {' | '.join(row)} |", flush=True)
    print(f"(fast dtype here: {str(Colorizer(model(0.5), device='cpu').dtype).split('.')[-1]})\n")


def widths_and_dtypes(repeat: int) -> None:
    """ms of the raw generator forward and of the whole photo, at working sizes 256 and 512,
    widths 1.0 and 0.5, fp32 and bf16 (bf16 only where the CPU has it natively)."""
    native = torch.ops.mkldnn._is_mkldnn_bf16_supported()
    print("| width | size | dtype | generator forward (ms) | colorize 1024x768 (ms) |")
    print("|---|---|---|---|---|")
    img = photo(1024, 768)
    for width in (1.0, 0.5):
        G = model(width)
        for size in (256, 512):
            for dtype in (torch.float32, torch.bfloat16):
                if dtype == torch.bfloat16 and not native:
                    print(f"| {width} | {size} | bfloat16 | not run: no native bf16 on this CPU | |")
                    continue
                col = Colorizer(G, device="cpu", dtype=dtype)
                L = col.working_l(torch.zeros(768, 1024), size)
                fwd = median_ms(lambda col=col, L=L: col.working_logits(L), repeat)
                full = median_ms(lambda col=col, size=size: col.colorize(img, size=size), repeat)
                print(f"| {width} | {size} | {str(dtype).split('.')[-1]} | {fwd:.0f} | {full:.0f} |", flush=True)


def around_the_model(repeat: int) -> None:
    """The work around the network per megapixel (2048x1536, shipped weights, fp32) and encoding."""
    print("\nAround the model, 2048x1536 (3.15 MP), the shipped weights' prediction, fp32:")
    big = photo(2048, 1536)
    col = Colorizer.from_pretrained(device="cpu", dtype=torch.float32)
    L = col.read(big)[0]
    ab = col.working_ab(col.working_l(L, col.config.size))[0]
    steps = {
        "read + lightness": median_ms(lambda: col.read(big)[0], repeat),
        "resize to working size": median_ms(lambda: col.working_l(L, col.config.size), repeat),
        "upsample ab + gamut map + RGB": median_ms(lambda: compose(L, ab), repeat),
    }
    stress = median_ms(lambda: compose(L, ab * 3), repeat)
    total = sum(steps.values())
    for k, v in steps.items():
        print(f"  {k}: {v:.1f} ms")
    print(f"  total {total:.1f} ms = {total / 3.1457:.1f} ms per megapixel (budget 40)")
    print(f"  stress: ab x3 (many out-of-gamut pixels to map): upsample + gamut map + RGB {stress:.1f} ms")
    out = Image.fromarray(compose(L, ab))
    for fmt, kw in (("PNG", {}), ("JPEG", {"quality": 92})):
        ms = median_ms(lambda fmt=fmt, kw=kw: out.save(BytesIO(), fmt, **kw), repeat)
        print(f"  encode {fmt}: {ms:.0f} ms")


def peak_memory_25mp() -> None:
    img = photo(5800, 4350)  # 25.2 megapixels
    col = Colorizer(model(0.5), device="cpu")
    t = time.perf_counter()
    out = col.colorize(img, size=256)
    dt = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"25.2 MP ({out.size[0]}x{out.size[1]}): {dt:.2f} s; "
          f"peak RSS of the whole process {peak:.0f} MiB (Python, torch, model, input, output)")  # fmt: skip


def inference(args: argparse.Namespace) -> None:
    """The whole-photo path: architectures, widths and dtypes, the work around the model, memory.

    With --weights: only those weights folders as they ship (each at its own working size and
    decoding) on one 1024x768 photo, ratios to the first."""
    if args.memory_child:
        peak_memory_25mp()
        return
    repeat = 2 if args.quick else 5
    native = torch.ops.mkldnn._is_mkldnn_bf16_supported()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU: {cpu_name()}; bf16 native: {native}\n")
    if args.weights:
        img = photo(1024, 768)
        print("| weights | architecture | working size | colorize 1024x768, ms | ratio |\n|---|---|---|---|---|")
        base = None
        for folder in args.weights:
            col = Colorizer.from_pretrained(folder, device="cpu")
            ms = median_ms(lambda col=col: col.colorize(img), repeat)
            base = base or ms
            print(f"| {folder} | {col.config.arch} | {col.config.size} | {ms:.1f} | {ms / base:.2f}x |", flush=True)
        return
    architectures(repeat)
    if args.architectures:
        return
    widths_and_dtypes(repeat)
    around_the_model(repeat)
    print()
    subprocess.run([sys.executable, __file__, "inference", "--memory-child"], check=True)


# --- hints and video ------------------------------------------------------------------------
def hint_speed(args: argparse.Namespace) -> None:
    """A 1024x768 photo with 10 hints, beside the same photo without."""
    img = Image.fromarray(photo(1024, 768)).convert("L")
    rng = np.random.default_rng(0)
    hints = [(float(rng.integers(0, 1024)), float(rng.integers(0, 768)), tuple(int(v) for v in rng.integers(0, 256, 3))) for _ in range(10)]
    col = Colorizer.from_pretrained(args.weights, device="cpu")
    plain = median_ms(lambda: col.colorize(img))
    hinted = median_ms(lambda: col.colorize(img, hints=hints))
    print(f"{cpu_name()}; 1024x768, {col!r}: no hints {plain:.0f} ms; 10 hints {hinted:.0f} ms ({hinted / plain:.2f}x)")


def video(args: argparse.Namespace) -> None:
    """Video frames per second, and the flicker that temporal smoothing removes.

    640x480 frames, per-frame and smoothed.

    Flicker: the synthetic clip of colorizer.testing (a still photo with camera noise and a
    cut-out object moving across it): mean frame-to-frame ab change on the static region, and
    ab error on the moving object."""
    n = args.frames
    col = Colorizer.from_pretrained(args.weights, device="cpu")
    base = np.asarray(Image.fromarray(photo(640, 480)).convert("L"))
    frames = [np.roll(base, 4 * i, axis=1) for i in range(n)]
    list(colorize_frames(col, frames[:2]))  # warm-up
    print(f"{cpu_name()}; {col!r}")
    for smoothing in (0.0, SMOOTHING):
        t = time.perf_counter()
        for _ in colorize_frames(col, frames, smoothing=smoothing):
            pass
        print(f"640x480, smoothing {smoothing}: {n / (time.perf_counter() - t):.1f} frames/s")
    plain, smooth = flicker_and_object_error(col, 0.0), flicker_and_object_error(col, SMOOTHING)
    print(f"flicker (static region, mean |d ab| per frame): per-frame {plain[0]:.3f}, smoothed {smooth[0]:.3f} "
          f"({100 * (1 - smooth[0] / plain[0]):.0f}% lower)")  # fmt: skip
    print(f"ab error on the moving object: per-frame {plain[1]:.2f}, smoothed {smooth[1]:.2f} ({smooth[1] / plain[1]:.3f}x)")


# --- training -------------------------------------------------------------------------------
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
    "v6: unet_lite2_hints, v5 recipe": dict(arch="unet_lite2_hints", width=1.0, encoder_init="random", l1_weight=0.0, encoder_frozen=4),
    "v6, depthwise in bf16": dict(
        arch="unet_lite2_hints", width=1.0, encoder_init="random", l1_weight=0.0, encoder_frozen=4, depthwise_bf16=True
    ),
}


@contextlib.contextmanager
def depthwise_precision(recipe: str):
    """While the recipe runs: its depthwise layers' training precision on a CPU (fp32 unless the
    recipe says ``depthwise_bf16``; colorizer.efficientnet.FP32_DEPTHWISE_TRAINING_ON_CPU)."""
    before = efficientnet.FP32_DEPTHWISE_TRAINING_ON_CPU
    efficientnet.FP32_DEPTHWISE_TRAINING_ON_CPU = not RECIPES[recipe].get("depthwise_bf16", False)
    try:
        yield
    finally:
        efficientnet.FP32_DEPTHWISE_TRAINING_ON_CPU = before


def trainer(recipe: str, width: float, batch: int, crop: int, device: str | None, out: str) -> tuple[Trainer, float]:
    """A trainer for the recipe on random photos (only the shapes matter), warmed up, and its FLOPs per image."""
    from torch.utils.flop_counter import FlopCounterMode

    g = torch.Generator().manual_seed(0)
    bank = ImageBank(torch.randint(0, 256, (256, 3, crop, crop), dtype=torch.uint8, generator=g), torch.ones(256), [])
    base = dict(out=out, width=width, batch=batch, crop=crop, side=crop, steps=10**9, val_every=0, ckpt_every=0, log_every=10**9)
    recipe_config = {k: v for k, v in RECIPES[recipe].items() if k != "depthwise_bf16"}
    tr = Trainer(TrainConfig(**{**base, **recipe_config}), bank, None, device=device)
    with depthwise_precision(recipe):
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


def profile_groups(tr: Trainer, steps: int) -> dict[str, float]:
    """Self time of every operator over ``steps`` steps, in groups: the encoder's depthwise and
    other convolutions, the decoder's (told apart by their weights' shapes), BatchNorm, the
    optimizer and EMA, the loss and decoding, the rest."""
    from torch.profiler import ProfilerActivity, profile

    convs = [(n, m) for n, m in tr.G.named_modules() if isinstance(m, torch.nn.Conv2d)]
    depthwise = {tuple(m.weight.shape) for n, m in convs if n.startswith("encoder") and m.groups > 1}
    encoder = {tuple(m.weight.shape) for n, m in convs if n.startswith("encoder") and m.groups == 1}
    encoder -= {tuple(m.weight.shape) for n, m in convs if not n.startswith("encoder")}  # shared shapes count as the decoder's

    def group(event) -> str:
        name = event.key
        weights = {tuple(s) for s in (event.input_shapes or []) if isinstance(s, list) and len(s) == 4}
        if "conv" in name:
            return "encoder: depthwise convolutions" if weights & depthwise else (
                "encoder: other convolutions" if weights & encoder else "decoder and head: convolutions")  # fmt: skip
        if "batch_norm" in name:
            return "BatchNorm"
        if name.startswith("Optimizer") or "_foreach" in name or "adam" in name.lower() or "lerp" in name:
            return "optimizer and EMA"
        if any(k in name for k in ("softmax", "nll", "cdist", "topk", "scatter", "cross_entropy")):
            return "loss and decoding"
        return "other element-wise and copies"

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        for _ in range(steps):
            tr.train_step()
    totals: dict[str, float] = defaultdict(float)
    for e in prof.key_averages(group_by_input_shape=True):
        totals[group(e)] += e.self_cpu_time_total
    total = sum(totals.values())
    return {k: v / total for k, v in sorted(totals.items(), key=lambda kv: -kv[1])}


def soft_encoding_ms(tr: Trainer, repeats: int) -> tuple[float, float]:
    """A batch's targets soft-encoded as training does (colorizer.color.soft_encode's candidate
    table), and by a search over every bin, the way it was done before: ms each."""
    rgb = tr.draw_batch()[0]
    ab = downsample_ab(rgb_to_lab(rgb.float())[:, 1:], tr.G.output_stride)
    centres = tr.G.centres.to(ab)

    def search() -> None:
        pts = ab.movedim(1, -1).reshape(-1, 2)
        torch.cdist(pts, centres).pow(2).topk(5, dim=1, largest=False)

    return median_ms(lambda: soft_encode(ab, centres), repeats + 2), median_ms(search, repeats + 2)


def training(args: argparse.Namespace) -> None:
    """Training throughput per recipe, or with --profile where a step spends its time.

    Images/s, the ratio to the first recipe, and on GPUs the fraction of the bf16 peak (FLOPs
    counted over one whole step); with --profile, torch.profiler's self time in groups, and what
    drawing the batch costs alone."""
    gpu = torch.cuda.is_available() and args.device != "cpu"
    width = args.width or (0.5 if gpu else 0.25)
    batch = args.batch or (128 if gpu else 16)
    steps = args.steps or (30 if gpu else 3)
    name = torch.cuda.get_device_name() if gpu else "CPU"
    print(f"{name}: {cpu_name()}, {torch.get_num_threads()} threads; median of {args.rounds} interleaved rounds of {steps} steps")
    with tempfile.TemporaryDirectory() as out:
        trainers = {r: trainer(r, width, batch, args.crop, args.device, out) for r in args.recipes}
        if args.profile:
            for r, (tr, _) in trainers.items():
                with depthwise_precision(r):
                    step, draw, groups = median_ms(tr.train_step, steps), median_ms(tr.draw_batch, steps), profile_groups(tr, steps)
                table, search = soft_encoding_ms(tr, steps)
                print(f"\n{r}, batch {batch}, {args.crop} px, {tr.dtype}: a step {step:.0f} ms ({1000 * batch / step:.1f} images/s), "
                      f"of which drawing the batch {draw:.0f} ms; the soft encoding of its targets {table:.1f} ms "
                      f"(a search over all bins: {search:.1f} ms)\n\n| group | share of self CPU time |\n|---|---|")  # fmt: skip
                for k, share in groups.items():
                    print(f"| {k} | {100 * share:.1f}% |")
            return
        speeds: dict[str, list[float]] = {r: [] for r in args.recipes}
        for _ in range(args.rounds):  # interleaved, so a busy spell touches every recipe alike
            for r, (tr, _) in trainers.items():
                with depthwise_precision(r):
                    speeds[r].append(images_per_second(tr, steps))
    print("| recipe | device | width | batch | crop | dtype | images/s | against the first | GFLOP/img | TFLOP/s | of bf16 peak |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    first = statistics.median(speeds[args.recipes[0]])
    for r, (tr, flops) in trainers.items():
        img_s = statistics.median(speeds[r])
        tflops = img_s * flops / 1e12
        frac = f"{100 * tflops / args.peak_tflops:.1f}%" if gpu else "-"
        print(
            f"| {r} | {name} | {RECIPES[r].get('width', width)} | {batch} | {args.crop} | {str(tr.dtype).split('.')[-1]} | {img_s:.1f} "
            f"| {img_s / first:.2f}x | {flops / 1e9:.2f} | {tflops:.2f} | {frac} |",
            flush=True,
        )


def main() -> None:
    ap, command = common.command_line(__doc__)

    p = command("inference", inference)
    p.add_argument("--quick", action="store_true", help="2 repeats instead of 5")
    p.add_argument("--architectures", action="store_true", help="only the table of architectures")
    p.add_argument("--weights", nargs="+", default=None, help="only these weights folders, as they ship; ratios to the first")
    p.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)

    for name, fn in (("hints", hint_speed), ("video", video)):
        p = command(name, fn)
        p.add_argument("--weights", default=None, help="default: the shipped weights")
    p.add_argument("--frames", type=int, default=30)

    p = command("training", training)
    p.add_argument("--recipes", nargs="+", default=list(RECIPES), choices=list(RECIPES), help="the first is the baseline of the ratios")
    p.add_argument("--profile", action="store_true", help="where each recipe's step spends its time, instead of throughput")
    p.add_argument("--width", type=float, default=None, help="default: 0.5 on GPU, 0.25 on CPU (ECCV16 recipes)")
    p.add_argument("--batch", type=int, default=None, help="default: 128 on GPU, 16 on CPU")
    p.add_argument("--crop", type=int, default=128)
    p.add_argument("--steps", type=int, default=None, help="default: 30 on GPU, 3 on CPU")
    p.add_argument("--rounds", type=int, default=1, help="interleaved timing rounds; the median is reported")
    p.add_argument("--peak-tflops", type=float, default=790.0, help="the GPU's dense bf16 peak (measured on an H100/H200 here)")
    p.add_argument("--device", default=None)

    common.run(ap)


if __name__ == "__main__":
    main()
