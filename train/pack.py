"""Pack a folder of colour photos into train/val pack files (one safetensors file each).

    python -m train.pack ../shared/data/train data/packs --max-images 9000 \
        --group-weight flowers128=0.3 --val-fraction 0.03

Each first-level subfolder is a group; --group-weight sets its share (default 1) both in the
subset chosen and in the sampling weights used in training. A manifest lists every file packed.
--shard-mib splits the training pack into interleaved shards (train-00001-of-0000N.pack ...) of
about that size, for machines that receive a limited number of MiB per transfer.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from colorizer.data import SHARD_GLOB, choose_subset, is_validation, scan_folder, shard_name, shard_records, write_pack


def parse_group_weights(items: list[str]) -> dict[str, float]:
    weights = {}
    for item in items or []:
        name, _, value = item.partition("=")
        if not value:
            raise SystemExit(f"--group-weight takes NAME=WEIGHT, not {item!r}")
        weights[name] = float(value)
    return weights


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path, help="folder of colour photos (recursive)")
    ap.add_argument("out", type=Path, help="output folder for train.pack, val.pack and manifest.json")
    ap.add_argument("--max-images", type=int, default=None, help="training images to keep (weighted by group)")
    ap.add_argument(
        "--group-weight",
        action="append",
        default=[],
        metavar="NAME=W",
        help="sampling weight of a top-level folder (repeatable; default 1)",
    )
    ap.add_argument("--val-fraction", type=float, default=0.03, help="held out by a hash of each path")
    ap.add_argument("--val-max", type=int, default=512, help="validation images to keep at most")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random draws (--max-images, --val-max)")
    ap.add_argument("--shard-mib", type=float, default=None, help="split the training pack into shards of about this many MiB")
    args = ap.parse_args(argv)

    weights = parse_group_weights(args.group_weight)
    records = scan_folder(args.root)
    if not records:
        raise SystemExit(f"no images under {args.root}")
    val = [r for r in records if is_validation(r.rel, args.val_fraction)]
    val = [val[i] for i in sorted(np.random.default_rng(args.seed).permutation(len(val))[: args.val_max])]
    train = choose_subset([r for r in records if not is_validation(r.rel, args.val_fraction)], weights, args.max_images, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    info = {"root": str(args.root), "val_fraction": args.val_fraction, "seed": args.seed}
    shards = shard_records(train, args.shard_mib) if args.shard_mib else [train]
    paths = [args.out / shard_name(i, len(shards)) for i in range(len(shards))]
    n_train = sum(write_pack(sh, p, weights, {**info, "split": "train"}) for sh, p in zip(shards, paths))
    for stale in {*args.out.glob("train.pack"), *args.out.glob(SHARD_GLOB)} - set(paths):  # an earlier packing's
        stale.unlink()
    n_val = write_pack(val, args.out / "val.pack", {}, {**info, "split": "val"})
    manifest = {"train": [r.rel for sh in shards for r in sh], "val": [r.rel for r in val], "group_weights": weights, **info}
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    sizes = {p.name: f"{p.stat().st_size / 2**20:.1f} MiB" for p in (*paths, args.out / "val.pack")}
    print(f"packed {n_train} training and {n_val} validation images into {args.out}: {sizes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
