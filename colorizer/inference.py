"""Colorizer: any image in, an RGB image of the same size out, with the input's own lightness.

The generator sees the lightness at a small working size; its ab prediction is upsampled onto the
full-resolution L, gamut-mapped and converted to RGB in one fused pass (kernels.py), so memory
stays bounded and every detail of the photo comes from the photo itself.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from . import kernels
from .files import atomic_write
from .hint_map import hint_map
from .hint_spread import spread_hints
from .hints import Hint
from .images import DEFAULT_MAX_PIXELS, lightness, open_image, to_standard
from .models import Generator, describe, fold_batchnorm
from .precision import autocast, default_device, fast_dtype
from .provenance import save_image, settings
from .vividness import Decoding, decoding_for
from .weights import load_any_generator, resolve_weights

SETTINGS_KEY = "colorizer_settings"  # Image.info key: how a colourisation was made, for Colorizer.save
ALTERNATIVE_SIGMA = 9.0  # logit offsets (nats, times the squared uncertainty) for alternatives; see bench/quality.py alternatives


MAX_SIZE = 2048  # working size (short side) at most: memory grows with its square (the app allows less)


def check_size(size: int | None) -> int | None:
    """A working size (short side, px) as an int, or ValueError; None means the model's own."""
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 8 <= size <= MAX_SIZE:
        raise ValueError(f"working size must be a whole number of pixels from 8 to {MAX_SIZE}, not {size!r}")
    return int(size)


def working_shape(h: int, w: int, size: int, multiple: int = 8) -> tuple[int, int]:
    """Short side -> ``size``, long side at most 2x that, both multiples of ``multiple`` (the net's)."""
    scale = size / min(h, w)
    hh, ww = min(round(h * scale), 2 * size), min(round(w * scale), 2 * size)
    return max(multiple, round(hh / multiple) * multiple), max(multiple, round(ww / multiple) * multiple)


def resize(L: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    """L (H, W) -> (1, 1, h, w), antialiased bilinear, the shrinking side first.

    The filter is separable; done in one call torch may widen the other side first, and a
    1 x 4,000,000 photo became a 512 x 4,000,000 intermediate (8 GB). Shrinking first, no
    intermediate is larger than the input or the output.
    """
    (H, W), (h, w) = L.shape, shape
    first = (h, W) if h * W <= H * w else (H, w)
    x = L[None, None]
    for step in (first, (h, w)):
        if tuple(x.shape[-2:]) != step:
            x = F.interpolate(x, size=step, mode="bilinear", antialias=True, align_corners=False)
    return x


def compose(L: torch.Tensor, ab_small: torch.Tensor, edge_sigma: float = 0.0) -> np.ndarray:
    """Full-resolution L (H, W) + low-resolution ab (2, h, w) -> RGB uint8 (H, W, 3).

    Upsampling (bilinear, or edge-aware with ``edge_sigma`` > 0 L* units), gamut mapping and sRGB
    encoding happen in one fused pass (kernels.py): full-size ab never exists, so memory grows with
    the pixel count alone, whatever the shape.
    """
    L_low = F.adaptive_avg_pool2d(L[None, None].float(), ab_small.shape[-2:])[0, 0].numpy() if edge_sigma > 0 else None
    return kernels.compose(L.numpy(), ab_small.float().numpy(), L_low, edge_sigma)


class Colorizer:
    """Colourise black-and-white photos with a trained generator.

    >>> from colorizer import Colorizer
    >>> Colorizer.from_pretrained().colorize("photo.jpg").save("photo_color.png")
    """

    def __init__(self, generator: Generator, device: str | torch.device | None = None, dtype: torch.dtype | None = None):
        self.device = torch.device(device) if device is not None else default_device()
        self.dtype = dtype or fast_dtype(self.device)
        # BatchNorm folded into its convolutions, channels_last: 0.74x the eager time (measured by bench/cpu_tricks.py, in git at 20fb6a1)
        self.generator = fold_batchnorm(generator).to(self.device, memory_format=torch.channels_last)
        self.config = self.generator.config
        self.max_pixels = DEFAULT_MAX_PIXELS

    @classmethod
    def from_pretrained(
        cls, path: str | Path | None = None, device: str | torch.device | None = None, dtype: torch.dtype | None = None
    ) -> Colorizer:
        """Our weights folder (default: the shipped ``weights/``) or an official ECCV16 .pth."""
        return cls(load_any_generator(resolve_weights(path)), device=device, dtype=dtype)

    @property
    def hints_in_network(self) -> bool:
        """True when the generator also takes hints as input (hint_map.py), before hint_spread.py."""
        return self.generator.takes_hints

    @torch.inference_mode()
    def working_logits(self, L: torch.Tensor) -> torch.Tensor:
        """L (B, 1, h, w) at working size -> bin logits (B, Q, h/s, w/s) on the model's device."""
        x = L.to(self.device).contiguous(memory_format=torch.channels_last)
        with autocast(self.device, self.dtype):
            return self.generator(x)

    def decoding(self, vividness: float | None = None, temperature: float | None = None) -> Decoding:
        """A vividness (0 cautious .. 1 bold), an expert's temperature, or neither (the weights' own)."""
        return decoding_for(self.config, vividness, temperature)

    def decode(self, logits: torch.Tensor, decoding: Decoding | None = None) -> torch.Tensor:
        """Bin logits (B, Q, h, w) -> ab (B, 2, h, w), float32 on the CPU."""
        return (decoding or self.decoding()).ab(self.generator, logits).cpu()

    @torch.inference_mode()
    def working_ab(self, L: torch.Tensor, decoding: Decoding | None = None) -> torch.Tensor:
        """L (B, 1, h, w) at working size -> ab (B, 2, h/s, w/s), float32 on the CPU (s: output stride)."""
        return self.decode(self.working_logits(L), decoding)

    def working_l(self, L: torch.Tensor, size: int) -> torch.Tensor:
        """Full-resolution L (H, W) -> (1, 1, h, w) at the working size, antialiased."""
        return resize(L, working_shape(*L.shape, size, self.generator.input_multiple))

    # The one path every caller takes: read -> lightness -> working size -> logits -> ab -> render.
    def read(self, image) -> tuple[torch.Tensor, tuple | None]:
        """Any supported input -> its full-resolution L (H, W) and its dpi (colorizer.images)."""
        std = to_standard(open_image(image, self.max_pixels))
        return lightness(std), std.info.get("dpi")

    def photo_logits(self, L: torch.Tensor, size: int | None = None) -> torch.Tensor:
        """Full-resolution L (H, W) -> bin logits (1, Q, h, w) at the working size (default: the model's)."""
        return self.working_logits(self.working_l(L, size or self.config.size))

    def hint_map(self, L: torch.Tensor, hints: list[Hint] | None, small: torch.Tensor) -> torch.Tensor | None:
        """The network's hint input for full-resolution L at ``small``'s size, or None (no hints, or no hint inputs)."""
        return hint_map(L, hints, tuple(small.shape[-2:])) if hints and self.hints_in_network else None

    @torch.inference_mode()
    def hinted_logits(self, L: torch.Tensor, hint_map: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """From one encoder pass over L (1, 1, h, w) at working size: the automatic logits, the
        logits with the hint map (the same object for a generator without hint inputs) and the
        automatic pixel features (C, h/s, w/s), float32 on the CPU, that hint_spread.py reads."""
        x = L.to(self.device).contiguous(memory_format=torch.channels_last)
        with autocast(self.device, self.dtype):
            feats = self.generator.encode(x)
            plain = self.generator.pixel_features(feats)
            logits = self.generator.head(plain)
            if hint_map is not None:
                hinted = self.generator.head(self.generator.pixel_features(feats, hint_map.to(self.device, x.dtype)))
            else:
                hinted = logits
            return logits, hinted, plain[0].float().cpu()

    def hinted_ab(self, L: torch.Tensor, small: torch.Tensor, hints: list[Hint], decoding: Decoding | None = None) -> torch.Tensor:
        """ab (2, h, w) of full-resolution L with hints: the network's colour (with the hints as its
        input, if it takes them), each hint spread over its object (hint_spread.py). ``small``: L at working size."""
        plain, hinted, features = self.hinted_logits(small, self.hint_map(L, hints, small))
        ab = self.decode(plain, decoding)[0]
        return spread_hints(L, features, ab, ab if hinted is plain else self.decode(hinted, decoding)[0], hints)

    def photo_ab(
        self, L: torch.Tensor, size: int | None = None, decoding: Decoding | None = None, hints: list[Hint] | None = None
    ) -> torch.Tensor:
        """Full-resolution L (H, W) -> ab (2, h, w) at the network's output resolution, on the CPU,
        with the ``hints`` if any."""
        small = self.working_l(L, size or self.config.size)
        if hints:
            return self.hinted_ab(L, small, hints, decoding)
        return self.working_ab(small, decoding)[0]

    def render(self, L: torch.Tensor, ab: torch.Tensor, dpi: tuple | None = None) -> Image.Image:
        """The RGB result; it keeps the input's dpi, so a 600-dpi scan still prints at its size."""
        out = Image.fromarray(compose(L, ab, self.config.edge_sigma))
        if dpi:
            out.info["dpi"] = dpi
        return out

    @torch.inference_mode()
    def colorize(
        self,
        image,
        size: int | None = None,
        temperature: float | None = None,
        hints: list[Hint] | None = None,
        n: int | None = None,
        seed: int = 0,
        vividness: float | None = None,
    ) -> Image.Image | list[Image.Image]:
        """A PIL image, numpy array, bytes or path of any size and mode -> RGB PIL image, same size.

        ``size``: working resolution (short side, default from the model config);
        ``vividness``: colour intensity from 0 (cautious) to 1 (bold), default the calibrated one;
        ``temperature``: for experts, the annealed-mean temperature instead (lower is more vivid);
        ``hints``: [(x, y, (r, g, b)), ...] the colours of those pixels, which the result takes and carries over their objects;
        ``n``: return a list of n alternative colourisations instead (``seed`` picks them).
        """
        decoding = self.decoding(vividness, temperature)
        size = check_size(size)
        if n is None:
            return self.colorize_batch([image], size, hints=[hints], decoding=decoding)[0]
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n (how many alternatives) must be a whole number of at least 1, not {n!r}")
        return self._alternatives(image, range(n), seed, size, decoding, hints)

    @torch.inference_mode()
    def alternative(
        self,
        image,
        k: int,
        seed: int = 0,
        size: int | None = None,
        vividness: float | None = None,
        hints: list[Hint] | None = None,
        decoding: Decoding | None = None,
    ) -> Image.Image:
        """Alternative ``k`` (from 0) of ``colorize(image, n=..., seed=seed)`` alone: the seed fixes it,
        so a server keeps the seed, not the images, and makes the chosen one again."""
        return self._alternatives(image, [k], seed, check_size(size), decoding or self.decoding(vividness), hints)[0]

    def _alternatives(self, image, which, seed: int, size: int | None, decoding: Decoding, hints: list[Hint] | None) -> list[Image.Image]:
        L, dpi = self.read(image)
        small, n, only = self.working_l(L, size or self.config.size), max(which) + 1, set(which)
        if hints:  # each alternative of the automatic and the hinted result, spread alike
            plain, hinted, features = self.hinted_logits(small, self.hint_map(L, hints, small))
            alts = self.alternatives(plain, n, seed, decoding, only)
            pairs = zip(alts, alts if hinted is plain else self.alternatives(hinted, n, seed, decoding, only))
            abs_ = [spread_hints(L, features, a, b, hints) for a, b in pairs]
        else:
            abs_ = self.alternatives(self.working_logits(small), n, seed, decoding, only)
        outs = []
        for k, ab in zip(which, abs_):
            out = self.render(L, ab, dpi)
            out.info[SETTINGS_KEY] = f"{self.settings(size, decoding, hints)}; alternative {k + 1} of seed {seed}"
            outs.append(out)
        return outs

    def alternatives(
        self, logits: torch.Tensor, n: int, seed: int, decoding: Decoding | None = None, only: set[int] | None = None
    ) -> list[torch.Tensor]:
        """n plausible, different ab maps (2, h, w) from one prediction (``only``: just those indices).

        Smooth random fields over the bins (a 3x3 grid of Gaussian logit offsets per bin,
        upsampled, scaled by the squared normalised entropy of each pixel's distribution) are
        added to the logits, in antithetic pairs (f, -f): where the model is sure, the offsets
        are small and the colour stays; where it hesitates, they tip it towards different hues,
        region by region.
        """
        logits = logits.float()
        uncertainty = self.uncertainty(logits, decoding) ** 2
        g = torch.Generator().manual_seed(seed)
        out = []
        for k in range(n):
            if k % 2 == 0:
                field = torch.randn(1, logits.shape[1], 3, 3, generator=g) * ALTERNATIVE_SIGMA
                field = F.interpolate(field, size=logits.shape[-2:], mode="bicubic", align_corners=True).to(logits.device)
                field = field * uncertainty
            else:  # antithetic: the next one tips the same uncertain regions the other way (more different, no less likely)
                field = -field
            if only is None or k in only:
                out.append(self.decode(logits + field, decoding)[0])
        return out

    def uncertainty(self, logits: torch.Tensor, decoding: Decoding | None = None) -> torch.Tensor:
        """(B, 1, h, w) in [0, 1]: the entropy of the decoded distribution over the bins, over its maximum."""
        d = decoding or self.decoding()
        p = self.generator.distribution(logits, d.temperature, d.bias_scale)
        return -(p * p.clamp_min(1e-12).log()).sum(1, keepdim=True) / math.log(p.shape[1])

    @torch.inference_mode()
    def colorize_batch(
        self,
        images: list,
        size: int | None = None,
        temperature: float | None = None,
        hints: list[list[Hint] | None] | None = None,
        vividness: float | None = None,
        decoding: Decoding | None = None,
    ) -> list[Image.Image]:
        """Several images; those with the same working shape run through the generator together."""
        decoding = decoding or self.decoding(vividness, temperature)
        size = check_size(size) or self.config.size
        Ls, dpis = zip(*(self.read(image) for image in images))
        smalls = [self.working_l(L, size) for L in Ls]
        hints = hints or [None] * len(Ls)
        abs_: list[torch.Tensor | None] = [None] * len(Ls)
        groups: dict[tuple[int, int], list[int]] = {}
        for i, (L, s, h) in enumerate(zip(Ls, smalls, hints)):
            if h:
                abs_[i] = self.hinted_ab(L, s, h, decoding)
            else:
                groups.setdefault(tuple(s.shape[-2:]), []).append(i)
        for idx in groups.values():
            ab = self.working_ab(torch.cat([smalls[i] for i in idx]), decoding)
            for j, i in enumerate(idx):
                abs_[i] = ab[j]
        outs = [self.render(L, ab, dpi) for L, ab, dpi in zip(Ls, abs_, dpis)]
        for out, h in zip(outs, hints):
            out.info[SETTINGS_KEY] = self.settings(size, decoding, h)
        return outs

    def settings(self, size: int | None = None, decoding: Decoding | None = None, hints: list[Hint] | None = None) -> str:
        """The provenance line of a colourisation made with these settings (colorizer/provenance.py)."""
        return settings(self.config, size, (decoding or self.decoding()).describe(), len(hints or []))

    def __repr__(self) -> str:
        return (
            f"Colorizer({describe(self.config)}, device={self.device.type}, precision={str(self.dtype).split('.')[-1]}, "
            f"working size {self.config.size})"
        )

    def save(self, image: Image.Image, path: str | Path, format: str | None = None) -> None:
        """Save a colourisation with its provenance: the file says a model made its colours, and how.

        ``image.save`` (Pillow's own) writes none of it; this writes the description, the settings
        that ``colorize`` recorded on the image, and the IPTC digital source type, atomically.
        """
        line = image.info.get(SETTINGS_KEY) or self.settings()
        atomic_write(path, lambda tmp: save_image(image, tmp, line, format or Image.registered_extensions().get(Path(path).suffix.lower())))
