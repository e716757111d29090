"""Does pasting two photos into one sample (`--paste`) slow down memorisation?

The shipped generator saw its 17.6k training photos for ~100 epochs on average and colours them
far better than unseen ones (model card): a longer GPU round would mostly memorise more. This
bench makes that regime cheap on a CPU: warm-start from the shipped weights, train many epochs
on a small random subset, and score the EMA generator, decoded as shipped, on that subset (what
it memorised) and on the validation photos (what carries over), with and without pasting, from
the same seed. Each setting runs in its own process on one core, side by side.

    python bench/paste_overfit.py --data data/packs-full --subset 256 --steps 200 --paste 0 0.5
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import time
from pathlib import Path

import common  # noqa: F401  (puts the repository on sys.path)
import torch

from colorizer.data import ImageBank, train_packs
from colorizer.trainer import TrainConfig, Trainer

METRICS = ("psnr", "ciede2000", "auc", "colorfulness")


def run(paste: float, args: argparse.Namespace) -> list[dict]:
    torch.set_num_threads(1)
    full = ImageBank.from_packs(train_packs(args.data))
    pick = torch.randperm(len(full), generator=torch.Generator().manual_seed(args.seed))[: args.subset]
    subset = ImageBank(full.images[pick], torch.ones(len(pick)), [full.names[i] for i in pick.tolist()])
    val = ImageBank.from_pack(Path(args.data) / "val.pack")
    cfg = TrainConfig(
        out=f"{args.out}/paste{paste}", batch=args.batch, lr_g=args.lr, warmup_steps=10, decay_from=1.0, ema=args.ema,
        steps=args.steps, val_every=0, val_images=args.val_images, ckpt_every=0, log_every=10**9, seed=args.seed, paste=paste,
    )  # fmt: skip
    t = Trainer(cfg, subset, val, device="cpu", init=args.init)
    rows = []

    def score() -> None:
        seen = t.validate(save_grid=False)
        t.val_bank = subset
        memorised = t.validate(save_grid=False)
        t.val_bank = val
        rows.append({"paste": paste, "step": t.step, "epochs": t.images_seen / len(subset), "val": seen, "subset": memorised})
        print(json.dumps(rows[-1]), flush=True)

    score()
    start = time.perf_counter()
    while t.step < args.steps:
        t.train_step()
        t.step += 1
        t.images_seen += args.batch
        if t.step % args.every == 0 or t.step == args.steps:
            score()
    rows[-1]["train_seconds"] = time.perf_counter() - start
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="data/packs-full", help="a folder made by train.pack")
    ap.add_argument("--init", default="weights")
    ap.add_argument("--out", default="runs/paste_overfit")
    ap.add_argument("--subset", type=int, default=256)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--every", type=int, default=50)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--ema", type=float, default=0.98)
    ap.add_argument("--val-images", type=int, default=490)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--paste", type=float, nargs="+", default=[0.0, 0.5])
    args = ap.parse_args()
    with mp.get_context("spawn").Pool(len(args.paste)) as pool:
        results = pool.starmap(run, [(p, args) for p in args.paste])
    print(f"\n{args.subset} photos, {args.steps} steps of {args.batch}, lr {args.lr}, EMA {args.ema}, from {args.init}")
    columns = [f"val {m}" for m in METRICS] + [f"subset {m}" for m in METRICS]
    print("| paste | step | epochs | " + " | ".join(columns) + " |")
    print("|---" * (3 + 2 * len(METRICS)) + "|")
    for rows in results:
        for r in rows:
            cells = [f"{r['val'][m]:.4g}" for m in METRICS] + [f"{r['subset'][m]:.4g}" for m in METRICS]
            print(f"| {r['paste']} | {r['step']} | {r['epochs']:.1f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
