"""Where the generator helps and where it hurts: each photo of a folder against its gray baseline.

    python bench/per_image.py --data ../shared/data/bench/kodak24

Sorted from the largest CIEDE2000 gain over gray to the largest loss, with the PSNR difference
and the colourfulness against the photo's own; decoded as the weights are shipped.
"""

from __future__ import annotations

import argparse

import common  # noqa: F401  (puts the repository on sys.path)

from colorizer import Colorizer
from colorizer.evaluate import load_references, score_as_shipped
from colorizer.images import list_images
from colorizer.metrics import all_metrics, colorfulness, gray_baseline


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", default=None, help="default: the shipped weights")
    ap.add_argument("--data", required=True, help="a folder of colour photos")
    args = ap.parse_args()

    col = Colorizer.from_pretrained(args.weights, device="cpu")
    names = [p.name for p in list_images(args.data)]
    refs = load_references(args.data)
    if not refs:
        raise SystemExit(f"no images in {args.data}")
    scores = score_as_shipped(col, refs)
    rows = []
    for name, ref, m in zip(names, refs, scores):
        gray = all_metrics(gray_baseline(ref), ref)
        rows.append((m["ciede2000"] - gray["ciede2000"], name, m, gray, m["colorfulness"] / max(colorfulness(ref), 1e-6)))
    print(f"{args.data}: {len(rows)} photos, working size {col.config.size}, T {col.config.temperature}\n")
    print("| photo | CIEDE2000 | gray | difference | PSNR - gray PSNR | colourfulness (x the photo's) |")
    print("|---|---|---|---|---|---|")
    for diff, name, m, gray, ratio in sorted(rows, key=lambda r: r[0]):
        dpsnr = m["psnr"] - gray["psnr"]
        print(f"| {name} | {m['ciede2000']:.2f} | {gray['ciede2000']:.2f} | {diff:+.2f} | {dpsnr:+.2f} dB | {ratio:.2f}x |")
    worse = sum(r[0] > 0 for r in rows)
    print(f"\nworse than gray by CIEDE2000 on {worse} of {len(rows)} photos")


if __name__ == "__main__":
    main()
