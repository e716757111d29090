"""Checkpoints and exports of a training run.

A checkpoint (``OUT/checkpoint.pt``, written atomically) holds everything needed to continue a run
exactly: the networks, the optimisers, the step and images seen, the training seconds, the best
validation score, the sampler's RNG and the class weights. Its keys are a format: runs span
sessions and refactors, so they never change name. An export is the EMA generator (and the
discriminator) as bf16 safetensors + JSON, with the recipe that made it.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import torch

from .files import atomic_write
from .weights import save_discriminator, save_generator


def state(tr) -> dict:
    """A Trainer's state, as a checkpoint holds it."""
    return {
        "G": tr.G.state_dict(),
        "ema": tr.ema.state_dict(),
        "D": tr.D.state_dict() if tr.D else None,
        "opt_g": tr.opt_g.state_dict(),
        "opt_d": tr.opt_d.state_dict() if tr.opt_d else None,
        "step": tr.step,
        "images_seen": tr.images_seen,
        "elapsed": tr.elapsed,
        "best": tr.best,
        "rng": tr.gen.get_state(),
        "class_weights": tr.losses.class_weights.cpu(),
        "config": asdict(tr.cfg),
    }


def save(tr, path: str | Path) -> Path:
    atomic_write(path, lambda p: torch.save(state(tr), p))
    return Path(path)


def load(tr, path: str | Path) -> None:
    """Continue exactly where a checkpoint stopped (weights, optimisers, sampler, RNG); never unpickles code."""
    s = torch.load(str(path), map_location=tr.device, weights_only=True)
    tr.G.load_state_dict(s["G"])
    tr.ema.load_state_dict(s["ema"])
    if tr.D is not None and s["D"] is not None:
        tr.D.load_state_dict(s["D"])
        if s["opt_d"] is not None:
            tr.opt_d.load_state_dict(s["opt_d"])
    tr.opt_g.load_state_dict(s["opt_g"])
    tr.step, tr.images_seen, tr.elapsed, tr.best = s["step"], s["images_seen"], s["elapsed"], s["best"]
    tr.gen.set_state(s["rng"].cpu())
    tr.losses.class_weights = s["class_weights"].to(tr.device)


def export(tr, folder: str | Path) -> None:
    """The EMA generator (and the discriminator) as bf16 safetensors + JSON, with how it was made."""
    tr.ema.config.extra = {
        "steps": tr.step,
        "images_seen": tr.images_seen,
        "train_seconds": round(tr.elapsed, 1),
        # the architecture as trained: with --init it is the start's, whatever --arch/--width said
        "recipe": {
            **{k: v for k, v in asdict(tr.cfg).items() if k not in ("out", "extra")},
            "arch": tr.ema.config.arch,
            "width": tr.ema.config.width,
        },
        **({"init": str(tr.init)} if tr.init else {}),
        **tr.cfg.extra,
    }
    save_generator(tr.ema, folder)
    if tr.D is not None:
        save_discriminator(tr.D, folder)
