"""Two generators photo by photo on benchmark folders: each metric's paired difference and its standard error.

    python bench/paired.py --weights runs/cand --baseline weights/eccv16_v3 --data ../shared/data/bench/kodak24
    python bench/paired.py --weights runs/v5/final --data ../shared/data/bench/kodak24 --general .carry/packs-all/val.pack

A mean difference smaller than about two standard errors is a tie. Each photo at its native
size, each generator decoded as its weights say (``score_as_shipped``). ``--general`` adds the
validation pack's general photos (bench/per_group.py). Colourfulness is compared as a fraction of
the photos' own (the ship gate's "0.1x more colourful"), also with its standard error.
"""

from __future__ import annotations

import argparse

import common  # noqa: F401  (puts the repository on sys.path)
import numpy as np

from colorizer import Colorizer
from colorizer.evaluate import general_photos, load_references, score_as_shipped
from colorizer.metrics import colorfulness

METRICS = ("psnr", "ssim", "ciede2000", "auc")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", required=True, help="the candidate generator")
    ap.add_argument("--baseline", default=None, help="default: the shipped generator")
    ap.add_argument("--data", nargs="*", default=[], help="folders (or .pack files) of colour photos")
    ap.add_argument("--general", default=None, help="a validation pack: also its general photos")
    args = ap.parse_args()
    new, old = (Colorizer.from_pretrained(w, device="cpu") for w in (args.weights, args.baseline))
    print(f"candidate {args.weights}, baseline {args.baseline or 'shipped weights'}\n")
    sets = {data: load_references(data) for data in args.data}
    if args.general:
        sets[f"general photos of {args.general}"] = general_photos(args.general)
    if not sets:
        raise SystemExit("give --data and/or --general")
    head = " | ".join(f"{m} (SE)" for m in METRICS)
    print(f"| data | photos | {head} | candidate closer (CIEDE2000) | colourfulness x GT: baseline | candidate | difference (SE) |")
    print("|---|---|" + "---|" * len(METRICS) + "---|---|---|---|")
    for data, refs in sets.items():
        a, b = score_as_shipped(new, refs), score_as_shipped(old, refs)
        cells = []
        for m in METRICS:
            d = np.array([x[m] - y[m] for x, y in zip(a, b)])
            cells.append(f"{d.mean():+.4f} ({d.std(ddof=1) / np.sqrt(len(d)):.4f})")
        closer = sum(x["ciede2000"] < y["ciede2000"] for x, y in zip(a, b))
        gt = float(np.mean([colorfulness(r) for r in refs]))
        cf = [float(np.mean([x["colorfulness"] for x in s])) / gt for s in (b, a)]
        dc = np.array([x["colorfulness"] - y["colorfulness"] for x, y in zip(a, b)]) / gt
        print(
            f"| {data} | {len(refs)} | " + " | ".join(cells) + f" | {closer} of {len(refs)} | {cf[0]:.2f}x | {cf[1]:.2f}x "
            f"| {dc.mean():+.3f}x ({dc.std(ddof=1) / np.sqrt(len(dc)):.3f}) |",
            flush=True,
        )  # fmt: skip


if __name__ == "__main__":
    main()
