"""Inference speed on this machine: the generator, the work around it, encoding, and peak memory.

    python bench/inference_speed.py            # full table (a few minutes on 2 CPU cores)
    python bench/inference_speed.py --quick    # fewer repeats
    python bench/inference_speed.py --weights weights runs/v5/final   # trained generators as they ship

Prints (0) the architectures side by side (v3: ECCV16 width 0.5; the U-Net on EfficientNet-Lite0,
width 1.0, alone, with scene context, and on EfficientNet-Lite2; all at working size 128): parameters, GFLOP at the working shape
of a 1024x768 photo, and ms for the whole photo (Colorizer.colorize), with the ratio to ECCV16;
(1) ms per image of the raw generator forward and of Colorizer.colorize at working sizes
256 and 512, widths 1.0 and 0.5, fp32 and bf16 (random weights: speed does not depend on them);
(2) the cost around the model per megapixel (lightness, resize, ab upsampling, gamut mapping and
RGB conversion) for a 2048x1536 photo, against the 40 ms/MP budget; (3) PNG and JPEG encoding;
(4) peak resident memory colourising a 25-megapixel image, in a fresh process.
"""

from __future__ import annotations

import argparse
import io
import resource
import subprocess
import sys
import time

import numpy as np
import torch
from common import cpu_name, median_ms
from PIL import Image

from colorizer import Colorizer
from colorizer.color import ab_gamut
from colorizer.inference import compose
from colorizer.models import Generator, GeneratorConfig, build_generator

SHIPPED_CONFIGS = {
    "ECCV16 width 0.5 (v3)": ("eccv16", 0.5),
    "U-Net on EfficientNet-Lite0, width 1.0 (v4, default)": ("unet_lite0", 1.0),
    "the same with scene context (issue 25's arm)": ("unet_lite0_scene", 1.0),
    "U-Net on EfficientNet-Lite2, width 1.0 (issue 25's arm)": ("unet_lite2", 1.0),
}


def model(width: float, arch: str = "eccv16") -> Generator:
    torch.manual_seed(0)
    return build_generator(GeneratorConfig(arch=arch, width=width, num_bins=len(ab_gamut()), size=128), ab_gamut()).eval()


def architectures(repeat: int) -> None:
    """The generators as shipped, on one 1024x768 photo, in this one run."""
    from torch.utils.flop_counter import FlopCounterMode

    img = photo(1024, 768)
    print("| generator | parameters | working shape | GFLOP | colorize 1024x768, ms (fp32) | ratio | ms (fast dtype) | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    base: dict[str, float] = {}
    for label, (arch, width) in SHIPPED_CONFIGS.items():
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


def weights_table(folders: list[str], repeat: int) -> None:
    """Trained generators as they ship (each at its own working size and dtype) on one 1024x768 photo."""
    img = photo(1024, 768)
    print(f"CPU: {cpu_name()}\n")
    print("| weights | architecture | working size | colorize 1024x768, ms | ratio |")
    print("|---|---|---|---|---|")
    base = None
    for folder in folders:
        col = Colorizer.from_pretrained(folder, device="cpu")
        ms = median_ms(lambda col=col: col.colorize(img), repeat)
        base = base or ms
        print(f"| {folder} | {col.config.arch} | {col.config.size} | {ms:.1f} | {ms / base:.2f}x |", flush=True)


def photo(w: int, h: int) -> np.ndarray:
    from skimage import data

    return np.asarray(Image.fromarray(data.astronaut()).resize((w, h), Image.BICUBIC))


def peak_memory_25mp() -> None:
    img = photo(5800, 4350)  # 25.2 megapixels
    col = Colorizer(model(0.5), device="cpu")
    t = time.perf_counter()
    out = col.colorize(img, size=256)
    dt = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    w, h = out.size
    print(f"25.2 MP ({w}x{h}): {dt:.2f} s; peak RSS of the whole process {peak:.0f} MiB (Python, torch, model, input, output)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--architectures", action="store_true", help="only the table of shipped architectures")
    ap.add_argument("--weights", nargs="+", default=None, help="only these weights folders, as they ship; ratios to the first")
    ap.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        peak_memory_25mp()
        return
    repeat = 2 if args.quick else 5
    native = torch.ops.mkldnn._is_mkldnn_bf16_supported()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU; bf16 native: {native}\n")
    if args.weights:
        weights_table(args.weights, repeat)
        return
    architectures(repeat)
    if args.architectures:
        return

    native_bf16 = torch.ops.mkldnn._is_mkldnn_bf16_supported()
    print("| width | size | dtype | generator forward (ms) | colorize 1024x768 (ms) |")
    print("|---|---|---|---|---|")
    img = photo(1024, 768)
    for width in (1.0, 0.5):
        G = model(width)
        for size in (256, 512):
            for dtype in (torch.float32, torch.bfloat16):
                col = Colorizer(G, device="cpu", dtype=dtype)
                L = col.working_l(torch.from_numpy(np.zeros((768, 1024), np.float32)), size)
                if dtype == torch.bfloat16 and not native_bf16:
                    # emulated bf16 is an order of magnitude slower: one timed call, at one setting
                    if (width, size) != (0.5, 256):
                        print(f"| {width} | {size} | bfloat16 | not run: no native bf16 on this CPU | |")
                        continue
                    t = time.perf_counter()
                    col.working_logits(L)
                    print(f"| {width} | {size} | bfloat16 | {(time.perf_counter() - t) * 1000:.0f} (1 call, emulated) | |", flush=True)
                    continue
                fwd = median_ms(lambda col=col, L=L: col.working_logits(L), repeat)
                full = median_ms(lambda col=col, size=size: col.colorize(img, size=size), repeat)
                print(f"| {width} | {size} | {str(dtype).split('.')[-1]} | {fwd:.0f} | {full:.0f} |", flush=True)

    print("\nAround the model, 2048x1536 (3.15 MP), the shipped weights' prediction, fp32:")
    big = photo(2048, 1536)
    col = Colorizer.from_pretrained(device="cpu", dtype=torch.float32)
    L = col.read(big)[0]
    small = col.working_l(L, col.config.size)
    ab = col.working_ab(small)[0]
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
        ms = median_ms(lambda fmt=fmt, kw=kw: out.save(io.BytesIO(), fmt, **kw), repeat)
        print(f"  encode {fmt}: {ms:.0f} ms")
    print()
    subprocess.run([sys.executable, __file__, "--memory-child"], check=True)


if __name__ == "__main__":
    main()
