"""Two generators photo by photo on benchmark folders: each metric's paired difference and its standard error.

    python bench/paired.py --weights runs/cand --baseline weights/eccv16_v3 --data ../shared/data/bench/kodak24

A mean difference smaller than about two standard errors is a tie. Each photo at its native
size, each generator decoded as its weights say (``score_as_shipped``).
"""

from __future__ import annotations

import argparse

import common  # noqa: F401  (puts the repository on sys.path)
import numpy as np

from colorizer import Colorizer
from colorizer.evaluate import load_references, score_as_shipped
from colorizer.metrics import colorfulness

METRICS = ("psnr", "ssim", "ciede2000", "auc")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", required=True, help="the candidate generator")
    ap.add_argument("--baseline", default=None, help="default: the shipped generator")
    ap.add_argument("--data", nargs="+", required=True, help="folders (or .pack files) of colour photos")
    args = ap.parse_args()
    new, old = (Colorizer.from_pretrained(w, device="cpu") for w in (args.weights, args.baseline))
    print(f"candidate {args.weights}, baseline {args.baseline or 'shipped weights'}\n")
    head = " | ".join(f"{m} (SE)" for m in METRICS)
    print(f"| data | photos | {head} | candidate closer (CIEDE2000) | colourfulness x GT: baseline | candidate |")
    print("|---|---|" + "---|" * len(METRICS) + "---|---|---|")
    for data in args.data:
        refs = load_references(data)
        a, b = score_as_shipped(new, refs), score_as_shipped(old, refs)
        cells = []
        for m in METRICS:
            d = np.array([x[m] - y[m] for x, y in zip(a, b)])
            cells.append(f"{d.mean():+.4f} ({d.std(ddof=1) / np.sqrt(len(d)):.4f})")
        closer = sum(x["ciede2000"] < y["ciede2000"] for x, y in zip(a, b))
        gt = float(np.mean([colorfulness(r) for r in refs]))
        cf = [float(np.mean([x["colorfulness"] for x in s])) / gt for s in (b, a)]
        print(f"| {data} | {len(refs)} | " + " | ".join(cells) + f" | {closer} of {len(refs)} | {cf[0]:.2f}x | {cf[1]:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
