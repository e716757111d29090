"""Losses: VGG19 content loss, adversarial losses, and the class-rebalanced bin cross-entropy.

Generator loss = content + lambda_adv * adversarial (the paper's), plus optional rebalanced
cross-entropy on the ab bins and L1 on ab, each with its own weight (see TrainConfig).
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

VGG19_FILE = "vgg19-dcbb9e9d.pth"  # torchvision's IMAGENET1K_V1 checkpoint name
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class VGGWeightsMissing(FileNotFoundError):
    pass


def torch_cache_vgg19() -> Path:
    hub = os.environ.get("TORCH_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "torch")
    return Path(hub) / "hub" / "checkpoints" / VGG19_FILE


def vgg19_features(weights: str | Path | None = None, allow_random: bool = False) -> nn.Sequential:
    """VGG19 ``features[:18]`` (up to relu3_4), frozen, with ImageNet weights.

    ``weights``: an explicit .pth; else torchvision's file in the torch cache. If neither exists
    this raises unless ``allow_random`` (random VGG features: a much weaker content loss).
    """
    from torchvision.models import vgg19

    net = vgg19().features[:18]
    path = Path(weights) if weights else torch_cache_vgg19()
    if path.is_file():
        state = torch.load(str(path), map_location="cpu", weights_only=True)
        state = {k[len("features.") :]: v for k, v in state.items() if k.startswith("features.")}
        net.load_state_dict({k: v for k, v in state.items() if int(k.split(".")[0]) < 18})
    elif not allow_random:
        raise VGGWeightsMissing(
            "the content loss needs pretrained VGG19 weights (torchvision IMAGENET1K_V1), and none were found:\n"
            f"  - explicit path: {weights or '(none given: pass --vgg PATH)'}\n"
            f"  - torch cache:   {torch_cache_vgg19()}\n"
            "Copy vgg19-dcbb9e9d.pth to one of these, or choose --vgg random (random features) "
            "or --content-weight 0 (no content loss)."
        )
    for p in net.parameters():
        p.requires_grad_(False)
    return net.eval()


class ContentLoss(nn.Module):
    """L1 between VGG19 features[:18] of generated and real RGB (ImageNet-normalised)."""

    def __init__(self, features: nn.Sequential):
        super().__init__()
        self.features = features
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def forward(self, fake_rgb: torch.Tensor, real_rgb: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            target = self.features((real_rgb - self.mean) / self.std)
        return F.l1_loss(self.features((fake_rgb - self.mean) / self.std).float(), target.float())


class EncoderPerceptualLoss(nn.Module):
    """L1 between an ImageNet encoder's multi-scale features of generated and real RGB.

    The closest perceptual loss these machines have without torchvision's VGG19: the frozen
    EfficientNet-Lite0 maps at strides 4-32, each map's L1 averaged, the scales summed.
    """

    def __init__(self, encoder: nn.Module):
        super().__init__()
        self.encoder = encoder.eval().requires_grad_(False)

    def forward(self, fake_rgb: torch.Tensor, real_rgb: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            targets = self.encoder.features(real_rgb)
        return sum(F.l1_loss(f.float(), t.float()) for f, t in zip(self.encoder.features(fake_rgb), targets))


def adversarial_loss(logits: torch.Tensor, real: bool, kind: str = "bce") -> torch.Tensor:
    """BCE-with-logits or least-squares GAN loss towards 'real' (1) or 'fake' (0)."""
    target = torch.ones_like(logits) if real else torch.zeros_like(logits)
    if kind == "bce":
        return F.binary_cross_entropy_with_logits(logits.float(), target)
    if kind == "lsgan":
        return F.mse_loss(logits.float(), target)
    raise ValueError(f"unknown adversarial loss {kind!r} (bce or lsgan)")


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor, kind: str = "bce") -> torch.Tensor:
    return (adversarial_loss(real_logits, True, kind) + adversarial_loss(fake_logits, False, kind)) / 2


def rebalanced_cross_entropy(logits: torch.Tensor, target: torch.Tensor, class_weights: torch.Tensor) -> torch.Tensor:
    """ECCV16's multinomial loss: -sum_q z_q log p_q per pixel, weighted by w[argmax z]."""
    logp = F.log_softmax(logits.float(), dim=1)
    per_pixel = -(target * logp).sum(dim=1)
    w = class_weights.to(logits.device)[target.argmax(dim=1)]
    return (w * per_pixel).mean()
