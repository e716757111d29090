"""How much colour hints help, and whether they stay in their object (Kodak24, ideepcolor's protocol).

    python bench/hints_quality.py --data ../shared/data/bench/kodak24 --alpha 1e-4 3e-3

As Zhang et al. (2017) measure user hints: N pixels drawn at random, each hinting the photo's own
colour there; PSNR and CIEDE2000 of the result against the photo, for N = 0 (no hints) to 20,
averaged over seeds. Locality: with one hint, the mean CIEDE2000 change (against no hint) outside
a disc of radius 1/8 of the short side around it. Each --alpha (the pull towards the network's
prediction, colorizer.hints.ALPHA), --sigma and --radius is one curve.
"""

from __future__ import annotations

import argparse

import common  # noqa: F401  (puts the repository on sys.path)
import numpy as np
from PIL import Image
from skimage.color import deltaE_ciede2000, rgb2lab

from colorizer import Colorizer, hints
from colorizer.evaluate import load_references
from colorizer.metrics import ciede2000, psnr

COUNTS = (0, 1, 2, 5, 10, 20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(common.ROOT.parent / "shared" / "data" / "bench" / "kodak24"))
    ap.add_argument("--alpha", nargs="+", type=float, default=[hints.ALPHA])
    ap.add_argument("--sigma", nargs="+", type=float, default=[hints.SIGMA], help="edge sensitivity (L* units; colorizer.hints.SIGMA)")
    ap.add_argument("--radius", nargs="+", type=float, default=[hints.RADIUS], help="grid cells a hint holds (colorizer.hints.RADIUS)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--scale", type=int, default=2, help="photos downscaled by this (Kodak24 at 384x256 by default)")
    args = ap.parse_args()

    col = Colorizer.from_pretrained(device="cpu")
    refs = [np.asarray(Image.fromarray(r).reduce(args.scale)) for r in load_references(args.data)]
    prepared = []
    for ref in refs:
        L = col.read(ref)[0]
        prepared.append((ref, L, col.photo_ab(L)))
    print(f"{args.data}: {len(refs)} photos at {refs[0].shape[1]}x{refs[0].shape[0]}, {args.seeds} seeds, v4 at its defaults\n")
    print("| alpha, sigma, radius | " + " | ".join(f"N={n}" for n in COUNTS) + " | one hint: change outside the disc |")
    print("|---|" + "---|" * (len(COUNTS) + 1))
    for alpha, sigma, radius in [(a, s, r) for a in args.alpha for s in args.sigma for r in args.radius]:
        hints.ALPHA, hints.SIGMA, hints.RADIUS = alpha, sigma, radius
        cells, far = [], []
        for n in COUNTS:
            p, d = [], []
            for seed in range(args.seeds):
                rng = np.random.default_rng(seed)
                for ref, L, ab in prepared:
                    h, w = L.shape
                    ys, xs = rng.integers(0, h, n), rng.integers(0, w, n)
                    hs = [(float(x), float(y), tuple(int(v) for v in ref[y, x])) for x, y in zip(xs, ys)]
                    out = np.asarray(col.render(L, ab, hs))
                    p.append(psnr(out, ref))
                    d.append(ciede2000(out, ref))
                    if n == 1:
                        plain = np.asarray(col.render(L, ab))
                        yy, xx = np.mgrid[:h, :w]
                        outside = (yy - ys[0]) ** 2 + (xx - xs[0]) ** 2 > (min(h, w) / 8) ** 2
                        far.append(deltaE_ciede2000(rgb2lab(plain), rgb2lab(out))[outside].mean())
            cells.append(f"{np.mean(p):.2f} dB / {np.mean(d):.2f}")
        print(f"| {alpha:g}, {sigma:g}, {radius:g} | " + " | ".join(cells) + f" | {np.mean(far):.2f} |", flush=True)


if __name__ == "__main__":
    main()
