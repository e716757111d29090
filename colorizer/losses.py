"""Losses: the class-rebalanced bin cross-entropy, L1, the VGG content loss, a perceptual loss
and the adversarial losses, and ``GeneratorLosses``, the weighted terms a training step sums.

Generator loss = content + lambda_adv * adversarial (the paper's GAN), plus rebalanced
cross-entropy on the ab bins and L1 on ab, each with its own weight (TrainConfig); a term whose
weight is 0 is not built at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .color import downsample_ab, lab_to_rgb, soft_encode
from .precision import autocast


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


@dataclass
class Batch:
    """What one generator step's loss terms look at: the real photo and the generator's guess."""

    rgb: torch.Tensor  # real RGB in [0, 1]
    L: torch.Tensor  # its lightness, the generator's input
    ab: torch.Tensor  # its real ab
    logits: torch.Tensor  # the generator's bin logits at its output stride
    ab_fake: torch.Tensor | None  # their plain mean (T = 1), at full resolution; None when no term needs it


LossTerm = tuple[str, float, Callable[[Batch], torch.Tensor]]  # (name in the log, weight, term)


class GeneratorLosses:
    """The generator's loss terms, weighted as ``cfg`` (a TrainConfig) says: a new loss is one
    method here, one TrainConfig field and one line in ``__init__``.

    ``class_weights``: ECCV16's rebalancing weight of each bin (a checkpoint keeps them);
    ``D``: the discriminator the adversarial term tries to fool (None without one).
    """

    def __init__(self, cfg, centres: torch.Tensor, class_weights: torch.Tensor, output_stride: int, D: nn.Module | None, device, dtype):
        from .efficientnet import EfficientNetLite, load_imagenet
        from .vgg import content_features

        self.cfg, self.centres, self.class_weights = cfg, centres.to(device), class_weights.to(device)
        self.output_stride, self.D, self.device, self.dtype = output_stride, D, device, dtype
        self.content = ContentLoss(content_features(cfg.vgg)).to(device) if cfg.content_weight > 0 else None
        self.perceptual = (
            EncoderPerceptualLoss(load_imagenet(EfficientNetLite(head=False))).to(device) if cfg.perceptual_weight > 0 else None
        )
        for loss in (self.content, self.perceptual):
            if loss is not None:
                loss.to(memory_format=torch.channels_last)
        terms: list[LossTerm] = [
            ("ce", cfg.ce_weight, self.cross_entropy),
            ("l1", cfg.l1_weight, self.l1),
            ("content", cfg.content_weight, self.content_term),
            ("perceptual", cfg.perceptual_weight, self.perceptual_term),
        ]
        self.terms = [t for t in terms if t[1] > 0]

    def needs_ab(self, adversarial: bool) -> bool:
        """Whether any term looks at decoded ab (cross-entropy alone decodes nothing)."""
        return adversarial or any(name != "ce" for name, _, _ in self.terms)

    def __call__(self, b: Batch, adversarial: bool) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The weighted sum, and each term detached for the log."""
        terms = self.terms + ([("adv", self.cfg.adv_weight, self.adversarial)] if adversarial else [])
        total, logs = torch.zeros((), device=self.device), {}
        for name, weight, term in terms:
            value = term(b)
            total = total + weight * value
            logs[name] = value.detach()
        return total, logs

    def cross_entropy(self, b: Batch) -> torch.Tensor:
        """Class-rebalanced cross-entropy against the soft-encoded real ab (ECCV16)."""
        idx, weights = soft_encode(downsample_ab(b.ab, self.output_stride), self.centres)
        return rebalanced_cross_entropy(b.logits, idx, weights, self.class_weights)

    def l1(self, b: Batch) -> torch.Tensor:
        return (b.ab_fake - b.ab).abs().mean() / 110

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

    def adversarial(self, b: Batch) -> torch.Tensor:
        """Fool the discriminator (frozen for this step)."""
        self.D.requires_grad_(False)
        with autocast(self.device, self.dtype):
            adv = adversarial_loss(self.D(b.L, b.ab_fake), True, self.cfg.adv_loss)
        self.D.requires_grad_(True)
        return adv

    @staticmethod
    def fake_rgb(b: Batch) -> torch.Tensor:
        return lab_to_rgb(torch.cat([b.L.float(), b.ab_fake], dim=1))
