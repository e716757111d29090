"""A run's newest generator, exported from its checkpoint while the run goes on.

    python -m train.export runs/v7 --out runs/v7/newest

A long run exports only its best and, at the end, its final generator; its checkpoint holds the
newest EMA generator every ``--ckpt-every`` steps. This writes that EMA generator as bf16
safetensors + JSON, taking the configuration (architecture, calibration) from an export of the
same run (``RUN/best`` unless ``--like``) and recording the checkpoint's step and images seen.
The checkpoint is read with ``weights_only``: nothing in it is unpickled as code.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from colorizer.weights import load_generator, save_generator


def export(run: Path, out: Path, like: Path | None = None) -> dict:
    """Write RUN/checkpoint.pt's EMA generator to ``out``; returns its provenance (``config.extra``)."""
    state = torch.load(str(run / "checkpoint.pt"), map_location="cpu", weights_only=True)
    generator = load_generator(like or run / "best")
    generator.load_state_dict(state["ema"])
    extra = generator.config.extra
    extra.update(steps=state["step"], images_seen=state["images_seen"], train_seconds=round(state["elapsed"], 1))
    extra["exported_from"] = "the run's checkpoint (its EMA generator)"
    save_generator(generator, out)
    return extra


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="a train.fit output folder with checkpoint.pt")
    ap.add_argument("--out", type=Path, required=True, help="the weights folder to write")
    ap.add_argument("--like", type=Path, default=None, help="an export of the same run for the configuration (default: RUN/best)")
    args = ap.parse_args(argv)
    if not (args.run / "checkpoint.pt").is_file():
        raise SystemExit(f"no checkpoint in {args.run}")
    extra = export(args.run, args.out, args.like)
    print(f"{args.out}: step {extra['steps']}, {extra['images_seen']:,} images")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
