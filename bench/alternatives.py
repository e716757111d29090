"""Alternative colourisations: how different they are, and what they cost in accuracy (Kodak24).

    python bench/alternatives.py --data ../shared/data/bench/kodak24 --n 4

Diversity: mean pairwise CIEDE2000 between alternatives (the target: at least 8), and the mean
pairwise ab distance on ab downsampled x8 (so pixel noise does not count). Accuracy: each
alternative's mean CIEDE2000 against the photo, beside the main result's (the target: each
within +2.0).
"""

from __future__ import annotations

import argparse
from itertools import combinations

import common  # noqa: F401  (puts the repository on sys.path)
import numpy as np
from PIL import Image
from skimage.color import deltaE_ciede2000, rgb2lab

from colorizer import Colorizer  # noqa: E402
from colorizer.evaluate import load_references  # noqa: E402
from colorizer.metrics import ciede2000  # noqa: E402


def ab8(img: Image.Image) -> np.ndarray:
    w, h = img.size
    return rgb2lab(np.asarray(img.resize((max(1, w // 8), max(1, h // 8)), Image.BOX)))[..., 1:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--n", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    col = Colorizer.from_pretrained(device="cpu")
    refs = load_references(args.data)
    main_err, alt_err, diversity, main_div, pairwise = [], [[] for _ in range(args.n)], [], [], []
    sure, unsure = [], []  # pairwise CIEDE2000 in the third of pixels where the model is surest / least sure
    for ref in refs:
        grey = Image.fromarray(ref).convert("L")
        main = col.colorize(grey)
        alts = col.colorize(grey, n=args.n, seed=args.seed)
        main_err.append(ciede2000(np.asarray(main), ref))
        for k, a in enumerate(alts):
            alt_err[k].append(ciede2000(np.asarray(a), ref))
        pairwise.append(np.mean([ciede2000(np.asarray(x), np.asarray(y)) for x, y in combinations(alts, 2)]))
        labs = [rgb2lab(np.asarray(a)) for a in alts]
        spread = np.mean([deltaE_ciede2000(x, y) for x, y in combinations(labs, 2)], axis=0)
        d = col.decoding()
        logits = col.photo_logits(col.read(ref)[0])
        confidence = col.generator.distribution(logits, d.temperature, d.bias_scale).amax(1)[0].numpy()
        conf = np.asarray(Image.fromarray(confidence).resize(grey.size, Image.BILINEAR))
        lo, hi = np.quantile(conf, [1 / 3, 2 / 3])
        sure.append(spread[conf >= hi].mean())
        unsure.append(spread[conf <= lo].mean())
        abs_ = [ab8(a) for a in alts]
        diversity.append(np.mean([np.linalg.norm(x - y, axis=-1).mean() for x, y in combinations(abs_, 2)]))
        main_div.append(np.mean([np.linalg.norm(ab8(main) - x, axis=-1).mean() for x in abs_]))
    print(f"{args.data}: {len(refs)} images, n {args.n}, seed {args.seed}, working size {col.config.size}, {col.decoding().describe()}")
    print(f"main result: CIEDE2000 {np.mean(main_err):.2f}")
    for k, e in enumerate(alt_err):
        print(f"alternative {k + 1}: CIEDE2000 {np.mean(e):.2f} ({np.mean(e) - np.mean(main_err):+.2f})")
    print(f"diversity: mean pairwise CIEDE2000 {np.mean(pairwise):.2f} (smallest photo {np.min(pairwise):.2f})")
    print(
        f"where the model is surest (top third of pixels by its largest bin probability): pairwise {np.mean(sure):.2f}; "
        f"least sure third: {np.mean(unsure):.2f}"
    )
    print(f"diversity: mean pairwise ab distance (x8 downsampled) {np.mean(diversity):.2f}; from the main result {np.mean(main_div):.2f}")


if __name__ == "__main__":
    main()
