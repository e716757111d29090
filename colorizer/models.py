"""The networks: the ECCV16 generator (with a width multiplier) and a small discriminator.

The generator follows Zhang, Isola & Efros, "Colorful Image Colorization" (ECCV 2016) layer for
layer, so that at width 1.0 with 313 bins its state dict is the released one's, key for key.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from .color import AB_SCALE, L_CENTER, L_SCALE


@dataclass
class GeneratorConfig:
    """Everything needed to rebuild a generator and use it as trained (stored as JSON)."""

    width: float = 1.0
    num_bins: int = 313
    temperature: float = 0.38  # default annealed-mean temperature at inference
    size: int = 256  # default working size (short side) at inference
    l_center: float = L_CENTER
    l_scale: float = L_SCALE
    ab_scale: float = AB_SCALE
    arch: str = "eccv16"
    # Added to the bin logits before decoding: -gamma * log(rebalancing weight), which undoes part
    # of the class rebalancing at inference (vivid but riskier -> calmer and more accurate).
    # Chosen on the validation split by train.calibrate; None means no bias.
    logit_bias: list[float] | None = None
    extra: dict = field(default_factory=dict)  # free-form provenance (recipe, data, steps)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> GeneratorConfig:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        if known.get("arch", "eccv16") != "eccv16":
            raise ValueError(f"unknown generator architecture {known['arch']!r}")
        return cls(**known)


def _block(cin: int, cout: int, n: int, last_stride: int = 1, dilation: int = 1) -> nn.Sequential:
    """n 3x3 conv + ReLU pairs then BatchNorm: ECCV16's model1..model7 (indices 0, 2, 4; BN last)."""
    layers: list[nn.Module] = []
    for i in range(n):
        stride = last_stride if i == n - 1 else 1
        layers += [
            nn.Conv2d(cin if i == 0 else cout, cout, 3, stride, padding=dilation, dilation=dilation),
            nn.ReLU(True),
        ]
    layers.append(nn.BatchNorm2d(cout))
    return nn.Sequential(*layers)


class Generator(nn.Module):
    """ECCV16: L (B, 1, H, W) in [0, 100] -> bin logits (B, Q, H/4, W/4) -> ab.

    ``forward`` returns logits (what the classification loss needs); ``decode`` turns them into
    ab at the input resolution by the annealed mean and x4 bilinear upsampling.
    """

    def __init__(self, config: GeneratorConfig | None = None, centres: torch.Tensor | None = None):
        super().__init__()
        self.config = config = config or GeneratorConfig()
        c = [max(8, round(n * config.width)) for n in (64, 128, 256, 512)]
        self.model1 = _block(1, c[0], 2, last_stride=2)
        self.model2 = _block(c[0], c[1], 2, last_stride=2)
        self.model3 = _block(c[1], c[2], 3, last_stride=2)
        self.model4 = _block(c[2], c[3], 3)
        self.model5 = _block(c[3], c[3], 3, dilation=2)
        self.model6 = _block(c[3], c[3], 3, dilation=2)
        self.model7 = _block(c[3], c[3], 3)
        self.model8 = nn.Sequential(
            nn.ConvTranspose2d(c[3], c[2], 4, 2, 1),
            nn.ReLU(True),
            nn.Conv2d(c[2], c[2], 3, 1, 1),
            nn.ReLU(True),
            nn.Conv2d(c[2], c[2], 3, 1, 1),
            nn.ReLU(True),
            nn.Conv2d(c[2], config.num_bins, 1),
        )
        # Columns are the bin centres / ab_scale: softmax probabilities in, normalised ab out.
        self.model_out = nn.Conv2d(config.num_bins, 2, 1, bias=False)
        self.model_out.weight.requires_grad_(False)
        if centres is not None:
            self.set_centres(centres)

    @property
    def centres(self) -> torch.Tensor:
        """Bin centres (Q, 2) in ab units, read from ``model_out``."""
        return self.model_out.weight.detach()[:, :, 0, 0].T.float() * self.config.ab_scale

    def set_centres(self, centres: torch.Tensor) -> None:
        if centres.shape != (self.config.num_bins, 2):
            raise ValueError(f"expected {self.config.num_bins} bin centres, got {tuple(centres.shape)}")
        with torch.no_grad():
            w = (centres.T / self.config.ab_scale).reshape(2, -1, 1, 1)
            self.model_out.weight.copy_(w)

    def forward(self, L: torch.Tensor) -> torch.Tensor:
        x = (L - self.config.l_center) / self.config.l_scale
        for block in (self.model1, self.model2, self.model3, self.model4, self.model5, self.model6, self.model7):
            x = block(x)
        return self.model8(x)

    def decode(self, logits: torch.Tensor, temperature: float = 1.0, upsample: bool = True) -> torch.Tensor:
        """Annealed mean: ab = sum_q softmax(logits / T)_q * centre_q; T = 1 is the plain mean."""
        logits = logits.float()
        if self.config.logit_bias is not None:
            logits = logits + torch.tensor(self.config.logit_bias, device=logits.device).view(1, -1, 1, 1)
        p = torch.softmax(logits / temperature, dim=1)
        ab = F.conv2d(p, self.model_out.weight.float()) * self.config.ab_scale
        return F.interpolate(ab, scale_factor=4, mode="bilinear", align_corners=False) if upsample else ab


class Discriminator(nn.Module):
    """Convolution + pooling CNN scoring Lab images as real or colourised (PatchGAN logits).

    It sees L and ab together (normalised like the generator's input and output), so it judges
    whether the colours fit the tones. Output: (B, 1, H/8, W/8) logits, one per overlapping patch.
    """

    def __init__(self, channels: int = 32):
        super().__init__()
        self.channels = c = channels

        def stage(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, 1, 1), nn.LeakyReLU(0.2, True), nn.AvgPool2d(2)]

        self.net = nn.Sequential(
            *stage(3, c),
            *stage(c, 2 * c),
            *stage(2 * c, 4 * c),
            nn.Conv2d(4 * c, 4 * c, 3, 1, 1),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(4 * c, 1, 3, 1, 1),
        )

    def forward(self, L: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
        x = torch.cat([(L - L_CENTER) / L_SCALE, ab / AB_SCALE], dim=1)
        return self.net(x)
