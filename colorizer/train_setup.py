"""What a training run starts from: the generator, the discriminator, which parameters learn, the feature cache.

A new generator (its encoder from ImageNet, a copied file, or random) or one warm-started from an
export (and, for ``unet_lite0_scene``, grown with scene context); the discriminator when the
adversarial term is on; the encoder's fixed blocks and its share of the learning rate; and, for
a frozen encoder, its maps of every training crop computed once.
"""

from __future__ import annotations

from pathlib import Path

import torch
from tqdm import tqdm

from .color import ab_gamut, rgb_to_lab
from .data import center_crops
from .models import Discriminator, Generator, GeneratorConfig, UNetLite0, UNetLite0Scene, build_generator
from .precision import autocast
from .weights import load_discriminator, load_generator


def start_generator(cfg, init: str | None) -> tuple[Generator, list[float] | None]:
    """The generator to train, in training mode (``cfg``: a TrainConfig), and the start's calibration (its logit bias).

    A warm start keeps its calibration aside: the losses see the raw distribution, while validation
    and exports decode as the start was shipped.
    """
    calibration = None
    if init:
        G = load_generator(init)
        if cfg.arch == "unet_lite0_scene" and type(G) is UNetLite0:  # add scene context to a trained U-Net
            G = UNetLite0Scene.grown_from(G, None if cfg.encoder_init in ("imagenet", "random") else cfg.encoder_init)
        calibration = G.config.logit_bias
        G.config.extra, G.config.logit_bias = {}, None
    else:
        config = GeneratorConfig(arch=cfg.arch, width=cfg.width, num_bins=len(ab_gamut()), temperature=cfg.temperature)
        G = build_generator(config, ab_gamut())
        if isinstance(G, UNetLite0) and cfg.encoder_init != "random":
            G.load_imagenet_encoder(None if cfg.encoder_init == "imagenet" else cfg.encoder_init)
    G.train()
    encoder = getattr(G, "encoder", None)
    if cfg.train_only:  # the rest stays exactly as it was, its BatchNorm statistics included
        part = getattr(G, cfg.train_only, None)
        if not isinstance(part, torch.nn.Module):
            raise ValueError(f"--train-only {cfg.train_only}: {G.name} has no such part (a hint network's is 'hints')")
        G.requires_grad_(False).eval()
        part.requires_grad_(True).train()
    elif encoder is not None and cfg.encoder_lr == 0:
        encoder.requires_grad_(False)
    elif encoder is not None and cfg.encoder_frozen:
        encoder.freeze(cfg.encoder_frozen)
    if cfg.cache_features and (encoder is None or cfg.encoder_lr != 0):
        raise ValueError("--cache-features needs a generator with a frozen encoder (unet_lite0, --encoder-lr 0)")
    return G, calibration


def start_discriminator(cfg, init: str | None) -> Discriminator | None:
    """The exported discriminator beside ``init`` when there is one, else a new one; None without an adversarial term."""
    if cfg.adv_weight <= 0:
        return None
    if init and (Path(init) / "discriminator.json").is_file():
        return load_discriminator(init).train()
    return Discriminator(cfg.d_channels)


def generator_param_groups(G: Generator, encoder_lr: float) -> list[dict]:
    """Trainable parameters; a pretrained encoder's learn at ``encoder_lr`` x the decoder's rate."""
    encoder = getattr(G, "encoder", None)
    enc = {id(p) for p in encoder.parameters()} if encoder is not None else set()
    groups = [{"params": [p for p in G.parameters() if p.requires_grad and id(p) not in enc], "lr_mult": 1.0}]
    if encoder is not None and encoder_lr > 0:
        groups.append({"params": [p for p in encoder.parameters() if p.requires_grad], "lr_mult": encoder_lr})
    return [g for g in groups if g["params"]]


@torch.no_grad()
def encoder_feature_cache(G: UNetLite0, images: torch.Tensor, crop: int, device, dtype, progress: bool = True) -> list[torch.Tensor]:
    """A frozen encoder's maps for every training image and its mirror image (bf16, on the device).

    Row 2i holds image i, row 2i + 1 its mirror image: convolutions are not mirror-symmetric, so the
    mirror image's features are computed, not flipped.
    """
    out: list[list[torch.Tensor]] = []
    for i in tqdm(range(0, len(images), 64), desc="caching encoder features", unit="batch", disable=not progress):
        rgb = center_crops(images[i : i + 64], crop)
        rgb = torch.stack([rgb, rgb.flip(-1)], dim=1).flatten(0, 1)
        L = rgb_to_lab(rgb)[:, :1].contiguous(memory_format=torch.channels_last)
        with autocast(device, dtype):
            out.append([f.to(torch.bfloat16) for f in G.encode(L)])
    return [torch.cat(maps) for maps in zip(*out)]
