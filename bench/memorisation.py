"""How much of the generator's skill is memory: its gain over gray on photos it trained on for many
epochs, on photos it saw for a few, and on held-out validation photos.

    python bench/memorisation.py --weights weights --old .carry/packs/train.pack --full data/packs-full

``--old``: the pack of the long GPU round (v1: 182 epochs over its 8,605 photos); ``--full``: the
folder of the full pack (all 17,606 photos, of which the ones not in ``--old`` were seen only in
the short CPU rounds) with its val.pack. Same random sample size from each; 128-px centre crops,
decoded as the weights are shipped (their temperature and calibration).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import common  # noqa: F401  (puts the repository on sys.path)
import numpy as np
import torch

from colorizer.data import ImageBank, center_crops, pack_manifest, train_packs
from colorizer.metrics import all_metrics, gray_baseline, mean_metrics
from colorizer.trainer import TrainConfig, Trainer


def gray_scores(bank: ImageBank, n: int) -> dict[str, float]:
    refs = (center_crops(bank.images[:n], 128).permute(0, 2, 3, 1).numpy() * 255 + 0.5).astype(np.uint8)
    return mean_metrics([all_metrics(gray_baseline(r), r) for r in refs])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", default="weights")
    ap.add_argument("--old", type=Path, default=Path(".carry/packs/train.pack"))
    ap.add_argument("--full", type=Path, default=Path("data/packs-full"))
    ap.add_argument("--n", type=int, default=490)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    for need in (args.old, args.full / "val.pack"):
        if not need.is_file():
            raise SystemExit(f"{need} not found: make the packs with train.pack (docs/experiments/v1-v3.md has the commands)")
    full = ImageBank.from_packs(train_packs(args.full))
    val = ImageBank.from_pack(args.full / "val.pack")
    old = set(pack_manifest(args.old)["files"])
    in_old = torch.tensor([name in old for name in full.names])
    gen = torch.Generator().manual_seed(args.seed)

    def sample(mask: torch.Tensor) -> ImageBank:
        idx = mask.nonzero().squeeze(1)
        idx = idx[torch.randperm(len(idx), generator=gen)[: args.n]]
        return ImageBank(full.images[idx], torch.ones(len(idx)), [full.names[i] for i in idx.tolist()])

    sets = {
        "validation (never trained on)": val,
        f"{args.old.name}: the long round's photos": sample(in_old),
        "the other photos": sample(~in_old),
    }
    t = Trainer(TrainConfig(out="runs/memorisation", val_images=args.n), val, val, device="cpu", init=args.weights)
    print(f"{args.weights}, {args.n} random photos per set, 128-px centre crops, decoded as shipped\n")
    print("| photos | PSNR | gray PSNR | gain dB | CIEDE2000 | gray CIEDE2000 | gain | AuC | colourfulness |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, bank in sets.items():
        t.val_bank = bank
        s, g = t.validate(save_grid=False), gray_scores(bank, args.n)
        print(
            f"| {name} | {s['psnr']:.2f} | {g['psnr']:.2f} | {s['psnr'] - g['psnr']:+.2f} | {s['ciede2000']:.2f} | "
            f"{g['ciede2000']:.2f} | {s['ciede2000'] - g['ciede2000']:+.2f} | {s['auc']:.4f} | {s['colorfulness']:.1f} |"
        )


if __name__ == "__main__":
    main()
