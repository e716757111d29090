"""Vividness: one colour-intensity control, from cautious (0) to bold (1).

The decoding has two knobs: the prior correction (the calibrated ``logit_bias`` times
``bias_scale``; more correction, calmer colours) and the annealed-mean temperature T (lower, more
vivid). Neither is a control alone: with v4's calibrated correction, T from 1.0 to 0.38 left
Kodak24 at 0.54-0.56x the photos' colourfulness. So ``train.calibrate`` measures CIEDE2000 and
colourfulness on validation over a grid of both, keeps the points that no other point beats on
both (the generator's own accuracy-vividness frontier) and stores them in generator.json. A
vividness v moves along that frontier: each point sits at its measured colourfulness, rescaled to
[0, 1], and v interpolates the two knobs between neighbouring points.

Weights without a measured frontier (v3, the official ECCV16 release) get a fallback, evenly
spaced: with a prior correction, twice the default's, the default, none, then none at half the
temperature; without one, T from max(1, 2 T0) through the default T0 to T0 / 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .models import Generator, GeneratorConfig, check_temperature

KNOBS = {"temperature": None, "bias_scale": 1.0, "gain": 1.0, "smooth": 0.0}  # a frontier point's knobs and their defaults


@dataclass(frozen=True)
class Decoding:
    """How logits become ab, one name per knob, applied in this order by ``ab`` (the one place
    every path decodes: the product, evaluation, calibration and the trainer's validation).

    * ``smooth``: Gaussian smoothing of the logits over neighbouring cells (sigma, in the
      network's output cells): neighbours agree before a colour is chosen, against blotches;
    * ``bias_scale``: the prior correction (calibrated ``logit_bias``) times this; more is calmer;
    * ``temperature``: the annealed mean's T; lower picks a mode per pixel (more vivid);
    * ``gain``: chroma gain on the decoded ab (gamut-mapped later); colour without mode-picking.
    """

    temperature: float
    bias_scale: float = 1.0
    vividness: float | None = None  # where on the scale, when a vividness chose it
    gain: float = 1.0
    smooth: float = 0.0

    def describe(self) -> str:
        """For provenance: "vividness 0.40 (temperature 1, prior correction x2, gain 1.6)" or "temperature 0.5"."""
        knobs = f"temperature {self.temperature:.3g}" + (f", prior correction x{self.bias_scale:.3g}" if self.bias_scale != 1.0 else "")
        knobs += (f", gain {self.gain:.3g}" if self.gain != 1.0 else "") + (f", smoothing {self.smooth:.3g}" if self.smooth else "")
        return knobs if self.vividness is None else f"vividness {self.vividness:.2f} ({knobs})"

    def ab(self, generator: Generator, logits: torch.Tensor, upsample: bool = False) -> torch.Tensor:
        """Bin logits (B, Q, h, w) -> ab (B, 2, h, w) (x output stride with ``upsample``), float32."""
        logits = smooth_cells(logits.float(), self.smooth)
        ab = generator.decode(logits, self.temperature, upsample=upsample, bias_scale=self.bias_scale)
        return ab * self.gain if self.gain != 1.0 else ab


def smooth_cells(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """(B, C, h, w) blurred by a Gaussian of ``sigma`` cells in each direction (edges replicated)."""
    if sigma <= 0:
        return x
    r = max(1, math.ceil(2 * sigma))
    k = torch.exp(-0.5 * (torch.arange(-r, r + 1, dtype=x.dtype, device=x.device) / sigma) ** 2)
    k = k / k.sum()
    c = x.shape[1]
    x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="replicate"), k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(F.pad(x, (0, 0, r, r), mode="replicate"), k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


def check_vividness(vividness: float) -> float:
    v = float(vividness)
    if not (math.isfinite(v) and 0.0 <= v <= 1.0):
        raise ValueError(f"vividness must be a number from 0 (cautious) to 1 (bold), not {vividness!r}")
    return v


def frontier(config: GeneratorConfig) -> list[dict]:
    """The scale's points, cautious to bold: dicts with vividness, bias_scale and temperature."""
    points = sorted(config.frontier or [], key=lambda p: p["colorfulness"])
    if len(points) >= 2 and points[-1]["colorfulness"] > points[0]["colorfulness"]:
        lo, hi = points[0]["colorfulness"], points[-1]["colorfulness"]
        return [{**p, "vividness": (p["colorfulness"] - lo) / (hi - lo)} for p in points]
    T0, s0 = config.temperature, config.bias_scale
    if config.logit_bias is not None and s0 > 0:
        knobs = [(2 * s0, T0), (s0, T0), (0.0, T0), (0.0, T0 / 2)]
    else:
        knobs = [(s0, max(1.0, 2 * T0)), (s0, T0), (s0, T0 / 2)]
    return [{"vividness": i / (len(knobs) - 1), "bias_scale": s, "temperature": t} for i, (s, t) in enumerate(knobs)]


def default_vividness(config: GeneratorConfig) -> float | None:
    """The default's place on the scale: the calibrated ``config.vividness`` (the product rule:
    0.7x the photos' own colourfulness), else where the weights' own knobs sit (None: off it)."""
    if config.vividness is not None:
        return config.vividness
    for p in frontier(config):
        if p["bias_scale"] == config.bias_scale and p["temperature"] == config.temperature:
            return p["vividness"]
    return None


def decoding_for(config: GeneratorConfig, vividness: float | None = None, temperature: float | None = None) -> Decoding:
    """The decoding a caller asked for: a vividness, an expert's temperature, or the weights' default."""
    if vividness is not None and temperature is not None:
        raise ValueError("give vividness or temperature, not both")
    if temperature is not None:
        return Decoding(check_temperature(temperature))
    if vividness is None:
        if config.vividness is not None:
            return decoding_for(config, config.vividness)
        return Decoding(config.temperature, config.bias_scale, default_vividness(config))
    v = check_vividness(vividness)
    points = frontier(config)
    knob = lambda p, key: p.get(key, KNOBS[key])  # noqa: E731
    for p in points:
        if p["vividness"] == v:  # exactly a point: its own knobs, bit for bit
            return Decoding(p["temperature"], p["bias_scale"], v, knob(p, "gain"), knob(p, "smooth"))
    a, b = next((a, b) for a, b in zip(points, points[1:]) if a["vividness"] < v < b["vividness"])
    t = (v - a["vividness"]) / (b["vividness"] - a["vividness"])
    lerp = lambda key: knob(a, key) + t * (knob(b, key) - knob(a, key))  # noqa: E731
    return Decoding(lerp("temperature"), lerp("bias_scale"), v, lerp("gain"), lerp("smooth"))
