"""Losses: the VGG content loss, adversarial losses, and the class-rebalanced bin cross-entropy.

Generator loss = content + lambda_adv * adversarial (the paper's), plus optional rebalanced
cross-entropy on the ab bins and L1 on ab, each with its own weight (see TrainConfig).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


class ContentLoss(nn.Module):
    """L1 between VGG features (``vgg.content_features``) of the generated and the real RGB."""

    def __init__(self, features: nn.Module):
        super().__init__()
        self.features = features

    def forward(self, fake_rgb: torch.Tensor, real_rgb: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            target = self.features(real_rgb)
        return F.l1_loss(self.features(fake_rgb).float(), target.float())


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


def rebalanced_cross_entropy(logits: torch.Tensor, idx: torch.Tensor, weights: torch.Tensor, class_weights: torch.Tensor) -> torch.Tensor:
    """ECCV16's multinomial loss -sum_q z_q log p_q per pixel, weighted by w[nearest bin].

    z is sparse (``soft_encode``: k bins per pixel), so the sum is over those k logits:
    -sum_k z_k log p_k = logsumexp(logits) - sum_k z_k logit_k, without a dense target.
    """
    logits = logits.float()
    per_pixel = torch.logsumexp(logits, dim=1) - (weights * logits.gather(1, idx)).sum(dim=1)
    w = class_weights.to(logits.device)[idx[:, 0]]
    return (w * per_pixel).mean()
