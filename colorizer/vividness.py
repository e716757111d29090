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

from .models import GeneratorConfig, check_temperature


@dataclass(frozen=True)
class Decoding:
    """How logits become ab: softmax at ``temperature`` after ``bias_scale`` x the prior correction."""

    temperature: float
    bias_scale: float = 1.0
    vividness: float | None = None  # where on the scale, when a vividness chose it

    def describe(self) -> str:
        """For provenance: "vividness 0.40 (temperature 1, prior correction x1)" or "temperature 0.5"."""
        knobs = f"temperature {self.temperature:.3g}" + (f", prior correction x{self.bias_scale:.3g}" if self.bias_scale != 1.0 else "")
        return knobs if self.vividness is None else f"vividness {self.vividness:.2f} ({knobs})"


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
    """Where the weights' own decoding (their bias scale and temperature) sits on the scale (None: off it)."""
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
        return Decoding(config.temperature, config.bias_scale, default_vividness(config))
    v = check_vividness(vividness)
    points = frontier(config)
    for p in points:
        if p["vividness"] == v:  # exactly a point: its own knobs, bit for bit (the default among them)
            return Decoding(p["temperature"], p["bias_scale"], v)
    a, b = next((a, b) for a, b in zip(points, points[1:]) if a["vividness"] < v < b["vividness"])
    t = (v - a["vividness"]) / (b["vividness"] - a["vividness"])
    lerp = lambda key: a[key] + t * (b[key] - a[key])  # noqa: E731
    return Decoding(lerp("temperature"), lerp("bias_scale"), v)
