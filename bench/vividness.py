"""Does a vividness step mean the same on every photo? Colourfulness and CIEDE2000 along the scale.

    python bench/vividness.py --weights weights weights/unet_lite0_v5 --val .carry/packs-v6/val.pack

For each generator, at vividness 0, 0.25, 0.5, 0.75, 1 and its default, on Kodak24, McMaster18
and the general photos of the validation pack (whole photos through the product's own path, at
the weights' working size): the colourfulness as a multiple of the photos' own, the CIEDE2000,
and the spread of the colourfulness ratios across the sets at each step (a consistent scale
keeps it small and rises with every step on every set).
"""

from __future__ import annotations

import argparse
from functools import partial

import common
import numpy as np

from colorizer import Colorizer
from colorizer.evaluate import general_photos, load_references, score_decodings
from colorizer.metrics import colorfulness

POINTS = (0.0, 0.25, 0.5, 0.75, 1.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", nargs="+", default=["weights"])
    ap.add_argument("--val", required=True, help="the validation pack (its manifest names each photo's folder)")
    ap.add_argument("--bench", default=str(common.ROOT.parent / "shared" / "data" / "bench"))
    args = ap.parse_args()
    sets = {
        "Kodak24": load_references(f"{args.bench}/kodak24"),
        "McMaster18": load_references(f"{args.bench}/mcmaster18"),
        "general photos": general_photos(args.val),
    }
    gts = {name: float(np.mean([colorfulness(r) for r in refs])) for name, refs in sets.items()}
    print(f"CPU: {common.cpu_name()}")
    for weights in args.weights:
        col = Colorizer.from_pretrained(weights, device="cpu")
        decodings = {f"{v:.2f}": col.decoding(v) for v in POINTS} | {"default": col.decoding()}
        print(f"\n{weights}: {col!r}; default {col.decoding().describe()}")
        print("| vividness | " + " | ".join(f"{n}: colour / CIEDE2000" for n in sets) + " | spread |")
        print("|---|" + "---|" * (len(sets) + 1))
        table: dict[str, list[str]] = {k: [] for k in decodings}
        ratios: dict[str, list[float]] = {k: [] for k in decodings}
        for name, refs in sets.items():
            scores = score_decodings(col, refs, col.config.size, {k: partial(col.decode, decoding=d) for k, d in decodings.items()})
            for k, rows in scores.items():
                ratio = float(np.mean([r["colorfulness"] for r in rows])) / gts[name]
                ratios[k].append(ratio)
                table[k].append(f"{ratio:.2f}x / {np.mean([r['ciede2000'] for r in rows]):.2f}")
        for k in decodings:
            label = k if k != "default" else f"default ({decodings[k].vividness:.2f})"
            print(f"| {label} | " + " | ".join(table[k]) + f" | {max(ratios[k]) - min(ratios[k]):.2f} |", flush=True)
        steps = [ratios[f"{v:.2f}"] for v in POINTS]
        rising = all(b[i] > a[i] for a, b in zip(steps, steps[1:]) for i in range(len(sets)))
        print(f"every step bolder on every set: {rising}; largest spread {max(max(r) - min(r) for r in steps):.2f}")


if __name__ == "__main__":
    main()
