"""Train the colouriser: by default the shipped recipe (v6), a U-Net with hint inputs on the ImageNet EfficientNet-Lite2.

    python -m train.fit --data .carry/packs-v6 --out runs/v6 --steps 31250   # v6 (train/v6.sh: in the background, resumed)
    python -m train.fit --data .carry/packs --out runs/b --arch unet_lite0 --init weights/unet_lite0 --minutes 62 \
        --encoder-frozen 0 --l1-weight 10 --lr-g 1e-4 --crop 128 --side 128 --warmup-steps 20   # v4's stage B
    python -m train.fit --data .carry/packs --out runs/a --arch unet_lite0 --encoder-lr 0 --cache-features --steps 3000   # stage A
    python -m train.fit --data .carry/packs --out runs/e --arch eccv16 --width 0.5 --lr-g 3e-4 --minutes 9   # ECCV16
    python -m train.fit ... --adv-weight 0.05 --adv-start 0.6   # with the GAN's adversarial loss
    python -m train.fit ... --init weights --l1-weight 0 --encoder-frozen 4   # issue 25's faster stage B (1.77x on a CPU)
    torchrun --nproc_per_node 2 -m train.fit ...      # several processes (DDP)
    python -m train.fit --data .carry/packs --out runs/b --resume   # continue exactly

--data is a folder made by train.pack (train.pack or its shards + val.pack), a single .pack file, or a folder of
images (split by path hash, decoded in memory). Every TrainConfig field is a flag.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
from pathlib import Path

import torch
import torch.distributed as dist

from colorizer.data import ImageBank, choose_subset, is_validation, scan_folder, train_packs
from colorizer.trainer import TrainConfig, Trainer

from .pack import parse_group_weights

_TYPES = {"int": int, "float": float, "str": str}


def add_config_flags(ap: argparse.ArgumentParser) -> None:
    for f in dataclasses.fields(TrainConfig):
        if f.name == "extra":
            continue
        flag = "--" + f.name.replace("_", "-")
        text = f.metadata["help"].replace("%", "%%")  # argparse formats help with %
        help = text if f.default is None else f"{text} (default: {f.default})"
        if f.type == "bool":
            ap.add_argument(flag, action=argparse.BooleanOptionalAction, default=f.default, help=text)
        else:
            ap.add_argument(flag, type=_TYPES[f.type.split(" ")[0]], default=f.default, help=help)


def load_banks(data: Path, side: int, group_weights: dict, val_fraction: float = 0.03) -> tuple[ImageBank, ImageBank | None]:
    packs = train_packs(data) if data.is_dir() else []
    if packs:
        val = data / "val.pack"
        return ImageBank.from_packs(packs, side), ImageBank.from_pack(val, side) if val.is_file() else None
    if data.suffix == ".pack":
        return ImageBank.from_pack(data, side), None
    records = scan_folder(data)
    if not records:
        raise SystemExit(f"no images found in {data}")
    train = choose_subset([r for r in records if not is_validation(r.rel, val_fraction)], group_weights, None, 0)
    val = [r for r in records if is_validation(r.rel, val_fraction)]
    return ImageBank.from_records(train, side), ImageBank.from_records(val, side) if val else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="a train.pack output folder, a .pack file, or a folder of images")
    ap.add_argument("--resume", nargs="?", const="auto", default=None, help="checkpoint (default: OUT/checkpoint.pt)")
    ap.add_argument("--init", default=None, help="warm start from exported weights (generator + discriminator)")
    ap.add_argument(
        "--group-weight", action="append", default=[], metavar="NAME=W", help="image-folder data: sampling weight of a top-level folder"
    )
    ap.add_argument("--device", default=None, help="cuda or cpu (default: cuda when present)")
    add_config_flags(ap)
    args = ap.parse_args(argv)
    cfg = TrainConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig) if f.name != "extra"})
    if cfg.steps is None and cfg.minutes is None:
        raise SystemExit("give a budget: --steps N or --minutes M")

    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
    train, val = load_banks(args.data, cfg.side, parse_group_weights(args.group_weight))
    cfg.extra = {"data": str(args.data), "train_images": len(train), "val_images": len(val) if val else 0}
    trainer = Trainer(cfg, train, val, device=args.device, init=args.init)
    if args.resume:
        ckpt = Path(cfg.out) / "checkpoint.pt" if args.resume == "auto" else Path(args.resume)
        trainer.load_checkpoint(ckpt)
    summary = trainer.fit()
    if trainer.rank == 0:
        print(json.dumps(summary))
    if dist.is_initialized():
        # DDP's reducer holds the process group: drop it first, or the group outlives destroy_process_group
        # and its threads die in the interpreter's teardown (std::terminate). Then leave together.
        del trainer
        gc.collect()
        dist.barrier()
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
