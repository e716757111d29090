"""Generators compared the fair way: CIEDE2000 at equal colourfulness, along each one's frontier.

    python bench/frontier.py --weights weights runs/arm-ce/final --val .carry/packs-all/val.pack
    python bench/frontier.py --weights runs/v5/final --val .carry/packs-all/val.pack --points 31 --curve   # every point

A paler decoding scores better on CIEDE2000 while being less useful, so comparing two
generators at their own defaults mixes accuracy with boldness. Each generator here is decoded
at 11 points (--points) of its vividness scale (its calibrated frontier, colorizer/vividness.py), which
gives a curve of CIEDE2000 against colourfulness on each set; the table reads that curve at
0.55x, 0.7x and 0.85x the photos' own colourfulness (linear between the two points around it;
"-" where the curve does not reach). Sets: Kodak24, McMaster18, and the general photos of the
validation pack (ImageNet and BSDS folders). Each photo at its native size, at the weights'
working size.
"""

from __future__ import annotations

import argparse
from functools import partial

import common
import numpy as np

from colorizer import Colorizer
from colorizer.evaluate import general_photos, load_references, score_decodings
from colorizer.metrics import colorfulness

LEVELS = (0.55, 0.7, 0.85)


def at_level(curve: list[tuple[float, float]], level: float) -> float | None:
    """CIEDE2000 where the (colourfulness, CIEDE2000) curve reaches ``level``, linearly between points."""
    pts = sorted(curve)
    for (c0, d0), (c1, d1) in zip(pts, pts[1:]):
        if c0 <= level <= c1:
            return d0 + (d1 - d0) * (level - c0) / (c1 - c0) if c1 > c0 else d0
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", nargs="+", required=True)
    ap.add_argument("--val", required=True, help="the validation pack (its manifest names each photo's folder)")
    ap.add_argument("--bench", default=str(common.ROOT.parent / "shared" / "data" / "bench"))
    ap.add_argument("--points", type=int, default=11, help="points of the vividness scale, 0 to 1")
    ap.add_argument("--curve", action="store_true", help="also print every point: vividness, colourfulness, CIEDE2000, PSNR")
    args = ap.parse_args()

    sets = {
        "Kodak24": load_references(f"{args.bench}/kodak24"),
        "McMaster18": load_references(f"{args.bench}/mcmaster18"),
        "general photos": general_photos(args.val),
    }
    print("| weights | set | CIEDE2000 at 0.55x | at 0.7x | at 0.85x | default: PSNR / CIEDE2000 / colourfulness |")
    print("|---|---|---|---|---|---|")
    for weights in args.weights:
        col = Colorizer.from_pretrained(weights, device="cpu")
        default = col.decoding()
        decodings = {**{float(v): col.decoding(float(v)) for v in np.linspace(0, 1, args.points)}, "default": default}
        for name, refs in sets.items():
            gt = np.mean([colorfulness(r) for r in refs])
            scores = score_decodings(col, refs, col.config.size, {k: partial(col.decode, decoding=d) for k, d in decodings.items()})
            mean = {k: {m: float(np.mean([s[m] for s in v])) for m in ("psnr", "ciede2000", "colorfulness")} for k, v in scores.items()}
            curve = [(mean[k]["colorfulness"] / gt, mean[k]["ciede2000"]) for k in decodings if k != "default"]
            cells = [at_level(curve, level) for level in LEVELS]
            if args.curve:
                points = ", ".join(
                    f"{k:.3f}: {mean[k]['colorfulness'] / gt:.2f}x {mean[k]['ciede2000']:.2f} {mean[k]['psnr']:.2f} dB"
                    for k in decodings
                    if k != "default"
                )
                print(f"curve of {weights} on {name} (vividness: colourfulness, CIEDE2000, PSNR): {points}")
            d = mean["default"]
            print(
                f"| {weights} | {name} ({len(refs)}) | " + " | ".join("-" if c is None else f"{c:.2f}" for c in cells)
                + f" | {d['psnr']:.2f} / {d['ciede2000']:.2f} / {d['colorfulness'] / gt:.2f}x |",
                flush=True,
            )  # fmt: skip


if __name__ == "__main__":
    main()
