"""Why the product decodes by the (calibrated) annealed mean: other ways to turn the predicted
distribution over ab bins into one colour, scored on the validation split.

    python bench/decoding.py --weights weights --data data/packs-full/val.pack --limit 490

- annealed mean (shipped): the distribution's mean in ab after the calibration bias
  -gamma * log(w); gamma is rescaled from the shipped one (the bias is linear in gamma).
- expected-CIEDE2000 minimiser: per pixel, the ab on a 5-unit grid that minimises the
  CIEDE2000 expected under the distribution. With equal lightness CIEDE2000 depends on ab alone,
  so the cost of every (candidate, bin) pair is one precomputed table. The mean minimises the
  expected squared ab error; CIEDE2000 forgives chroma errors among saturated colours, so its
  minimiser might be both more colourful and closer by the metric the project targets.
- chroma-scaled mean: a stronger bias (duller, more accurate) with its chroma scaled back up, a
  second way to trade colour against accuracy.
"""

from __future__ import annotations

import argparse

import common  # noqa: F401  (puts the repository on sys.path)
import numpy as np
import torch
from skimage.color import deltaE_ciede2000

from colorizer import Colorizer
from colorizer.color import GRID_STEP
from colorizer.evaluate import load_references, score_decodings
from colorizer.metrics import colorfulness, mean_metrics


def candidate_grid(centres: torch.Tensor, step: float = 5.0) -> torch.Tensor:
    """ab points on a ``step`` grid that lie among the bins (within one half-diagonal of a centre)."""
    xs = torch.arange(-110.0, 110.0 + 1e-6, step)
    grid = torch.stack(torch.meshgrid(xs, xs, indexing="ij"), -1).reshape(-1, 2)
    return grid[torch.cdist(grid, centres).min(1).values <= GRID_STEP / 2**0.5 + 0.1]


def ciede_table(candidates: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """CIEDE2000 (C, Q) between each candidate and each bin centre, both at L = 50."""

    def lab(ab: torch.Tensor) -> np.ndarray:
        return np.concatenate([np.full((len(ab), 1), 50.0), ab.double().numpy()], 1)

    return torch.tensor(deltaE_ciede2000(lab(candidates)[:, None], lab(centres)[None]), dtype=torch.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", default="weights")
    ap.add_argument("--data", default="data/packs-full/val.pack", help="validation pack (or folder)")
    ap.add_argument("--limit", type=int, default=490)
    ap.add_argument("--size", type=int, default=128)
    args = ap.parse_args()

    col = Colorizer.from_pretrained(args.weights, device="cpu")
    gen = col.generator
    cal = gen.config.extra.get("calibration", {})
    if gen.config.logit_bias is None or not cal.get("gamma"):
        raise SystemExit(f"{args.weights} has no calibration bias: run train.calibrate --write first")
    unit_bias = torch.tensor(gen.config.logit_bias).view(1, -1, 1, 1) / cal["gamma"]  # -log(w)
    T = gen.config.temperature
    centres = gen.centres
    candidates = candidate_grid(centres)
    table = ciede_table(candidates, centres)

    def probs(logits: torch.Tensor, gamma: float) -> torch.Tensor:
        return torch.softmax((logits.float() + gamma * unit_bias) / T, 1)

    def mean(gamma: float, scale: float = 1.0):
        return lambda logits: torch.einsum("bqhw,qc->bchw", probs(logits, gamma), centres) * scale

    def min_ciede(gamma: float):
        def decode(logits: torch.Tensor) -> torch.Tensor:
            expected = torch.einsum("cq,bqhw->bchw", table, probs(logits, gamma))
            return candidates[expected.argmin(1)].permute(0, 3, 1, 2)

        return decode

    g = cal["gamma"]
    decoders = {
        f"annealed mean, gamma {g} (shipped)": mean(g),
        f"annealed mean, gamma {2 * g}": mean(2 * g),
        "expected-CIEDE2000 minimiser, gamma 0": min_ciede(0.0),
        f"expected-CIEDE2000 minimiser, gamma {g}": min_ciede(g),
        f"expected-CIEDE2000 minimiser, gamma {2 * g}": min_ciede(2 * g),
        f"annealed mean, gamma {2 * g}, chroma x1.3": mean(2 * g, 1.3),
        f"annealed mean, gamma {3 * g}, chroma x1.5": mean(3 * g, 1.5),
    }
    refs = load_references(args.data, args.limit)
    gt = float(np.mean([colorfulness(r) for r in refs]))
    scores = score_decodings(col, refs, args.size, decoders)
    print(f"{args.weights} on {len(refs)} photos of {args.data}, size {args.size}, T {T}; {len(candidates)} candidates\n")
    print("| decoding | PSNR | SSIM | CIEDE2000 | AuC | colourfulness (x GT) |\n|---|---|---|---|---|---|")
    for name, rows in scores.items():
        m = mean_metrics(rows)
        cf = m["colorfulness"]
        print(f"| {name} | {m['psnr']:.2f} | {m['ssim']:.4f} | {m['ciede2000']:.2f} | {m['auc']:.4f} | {cf:.1f} ({cf / gt:.2f}x) |")


if __name__ == "__main__":
    main()
