"""What each step of the vividness scale costs: PSNR, CIEDE2000 and colourfulness along it.

    python bench/vividness.py --val .carry/packs/val.pack

On Kodak24 and on the general photos of the validation split (the ImageNet and BSDS folders;
their pack comes from ``python -m train.pack``), each photo at its native size and the weights'
working size, decoded at five points of the scale; the gray baseline beside them.
"""

from __future__ import annotations

import argparse

import common
import numpy as np
from per_group import general_photos

from colorizer import Colorizer
from colorizer.evaluate import load_references, score_decodings
from colorizer.metrics import all_metrics, colorfulness, gray_baseline, mean_metrics
from colorizer.vividness import default_vividness


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", default=None)
    ap.add_argument("--kodak", default=str(common.ROOT.parent / "shared" / "data" / "bench" / "kodak24"))
    ap.add_argument("--val", default=".carry/packs/val.pack", help="the validation pack (its manifest names each photo's folder)")
    args = ap.parse_args()

    col = Colorizer.from_pretrained(args.weights, device="cpu")
    default = default_vividness(col.config)
    middle = default if default is not None else 0.5
    points = [0.0, 0.25, middle, 0.75, 1.0]
    sets = {"Kodak24": load_references(args.kodak), "general photos (validation)": general_photos(args.val)}
    print(f"{col!r}; the default is vividness {default:.2f}\n")
    print("| set | vividness | decoding | PSNR | CIEDE2000 | colourfulness (x photos') |")
    print("|---|---|---|---|---|---|")
    for name, refs in sets.items():
        gt = np.mean([colorfulness(r) for r in refs])
        gray = mean_metrics([all_metrics(gray_baseline(r), r) for r in refs])
        decodings = {v: col.decoding(v) for v in points}
        scores = score_decodings(col, refs, col.config.size, {v: (lambda lg, d=d: col.decode(lg, d)) for v, d in decodings.items()})
        print(f"| {name} ({len(refs)}) | gray | ab = 0 | {gray['psnr']:.2f} | {gray['ciede2000']:.2f} | {gray['colorfulness'] / gt:.2f}x |")
        for v, d in decodings.items():
            m = mean_metrics(scores[v])
            knobs = f"T {d.temperature:.2f}, correction x{d.bias_scale:.2f}" + (" (default)" if v == default else "")
            print(f"| | {v:.2f} | {knobs} | {m['psnr']:.2f} | {m['ciede2000']:.2f} | {m['colorfulness'] / gt:.2f}x |")


if __name__ == "__main__":
    main()
