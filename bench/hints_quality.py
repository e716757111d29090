"""How much colour hints help, and whether they colour the object (Kodak24, ideepcolor's protocol).

    python bench/hints_quality.py --weights weights runs/v6/best --seeds 3

As Zhang et al. (2017) measure user hints: N pixels drawn at random, each hinting the photo's own
colour there; PSNR and CIEDE2000 of the result against the photo, for N = 0 (no hints) to 20,
averaged over seeds, for each method: a generator with hint inputs (the network takes the hints),
and for each other generator today's edge-aware solver and the earlier global one (the network's
prediction pulled less, so a hint spreads over the photo). Locality, on kodim04 at full size: one
hint at (256, 90) with the hat's own colour; the mean CIEDE2000 change (against no hint) over
the hat (rows 40-140, columns 120-400) and over the face (rows 300-470, columns 180-360). A hint
should change the hat by about 10 and the face by at most 1.5.
"""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from pathlib import Path

import common
import numpy as np
from PIL import Image
from skimage.color import deltaE_ciede2000, rgb2lab

from colorizer import Colorizer, hints
from colorizer.evaluate import load_references
from colorizer.metrics import ciede2000, psnr

COUNTS = (0, 1, 2, 5, 10, 20)
SOLVERS = {"solver": {}, "global solver": {"ALPHA": 1e-4, "SIGMA": 4.0}}  # today's constants; the earlier ones
HAT, FACE, CLICK = (slice(40, 140), slice(120, 400)), (slice(300, 470), slice(180, 360)), (256, 90)


@contextmanager
def solver(settings: dict):
    old = {k: getattr(hints, k) for k in settings}
    for k, v in settings.items():
        setattr(hints, k, v)
    try:
        yield
    finally:
        for k, v in old.items():
            setattr(hints, k, v)


def methods(weights: list[str]):
    """(label, Colorizer, solver settings or None for the network's own hint inputs)."""
    for w in weights:
        col = Colorizer.from_pretrained(w, device="cpu")
        if col.hints_in_network:
            yield f"{w}: network", col, None
        else:
            for name, settings in SOLVERS.items():
                yield f"{w}: {name}", col, settings


def colorize(col: Colorizer, settings: dict | None, ref: np.ndarray, hs: list) -> np.ndarray:
    with solver(settings or {}):
        return np.asarray(col.colorize(ref, hints=hs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", nargs="+", default=["weights"])
    ap.add_argument("--data", default=str(common.ROOT.parent / "shared" / "data" / "bench" / "kodak24"))
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--limit", type=int, default=None, help="photos to use at most")
    ap.add_argument("--scale", type=int, default=2, help="photos downscaled by this (Kodak24 at 384x256 by default)")
    args = ap.parse_args()

    refs = [np.asarray(Image.fromarray(r).reduce(args.scale)) for r in load_references(args.data, args.limit)]
    kodim04 = np.asarray(Image.open(Path(args.data) / "kodim04.png").convert("RGB"))
    hat_colour = tuple(int(v) for v in kodim04[CLICK[1] - 2 : CLICK[1] + 3, CLICK[0] - 2 : CLICK[0] + 3].reshape(-1, 3).mean(0))
    print(f"CPU: {common.cpu_name()}; {args.data}: {len(refs)} photos at {refs[0].shape[1]}x{refs[0].shape[0]}, {args.seeds} seeds\n")
    print("| method | " + " | ".join(f"N={n}: PSNR / CIEDE2000" for n in COUNTS) + " | kodim04: hat change | face change |")
    print("|---|" + "---|" * (len(COUNTS) + 2))
    for label, col, settings in methods(args.weights):
        cells = []
        for n in COUNTS:
            p, d = [], []
            for seed in range(args.seeds):
                rng = np.random.default_rng(seed)
                for ref in refs:
                    h, w = ref.shape[:2]
                    ys, xs = rng.integers(0, h, n), rng.integers(0, w, n)
                    out = colorize(col, settings, ref, [(float(x), float(y), tuple(int(v) for v in ref[y, x])) for x, y in zip(xs, ys)])
                    p.append(psnr(out, ref))
                    d.append(ciede2000(out, ref))
            cells.append(f"{np.mean(p):.2f} / {np.mean(d):.2f}")
        plain = rgb2lab(colorize(col, settings, kodim04, []))
        change = deltaE_ciede2000(plain, rgb2lab(colorize(col, settings, kodim04, [(*CLICK, hat_colour)])))
        print(f"| {label} | " + " | ".join(cells) + f" | {change[HAT].mean():.2f} | {change[FACE].mean():.2f} |", flush=True)


if __name__ == "__main__":
    main()
