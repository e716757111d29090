"""Hints over their objects: each hint spread over the pixels the network sees as the same stuff.

Every generator's last feature map before its head (``pixel_features``) already says which pixels
belong together (the whole of a hat alike, the face different), better than edges in the grey
photo do: an edge-stopping solver stops at every thread of a woven hat, and a looser one lets the
colour run across the face. So each hint k weighs every pixel i by how alike they are there, in
lightness, and how near:

    w_k(i) = exp((cos(f_i, f_k) - 1) / TAU) * exp(-(L_i - L_k)^2 / 2 SIGMA_L^2) * exp(-d_ik^2 / 2 (RHO s)^2)

(f: the automatic network's features, s: the grid's short side), and the colour is a weighted
mean of the hints' colours t_k and the network's own result, which counts as PRIOR hints:

    ab(i) = (PRIOR base(i) + sum_k w_k(i) t_k) / (PRIOR + sum_k w_k(i))

For a generator that also takes the hints as input (hint_map.py), base is its automatic result
plus its change with the hints, the change kept only where the hints reach (share W / (TRUST + W),
W = sum_k w_k(i)): what it learned stays inside the hinted objects, and its faint tint elsewhere
goes. For others base is the automatic result. With many hints most pixels are like some hint
and take the hints' colours; with one, only its object does.

The constants were chosen on seed 0 of ``python bench/quality.py hints`` (Kodak24) and kodim04
with v6, then checked on seeds 1-2, on McMaster18 and with other generators: the model card's
hints section.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .hint_map import hint_cells
from .hints import Hint

TAU = 0.15  # feature-similarity temperature: cosine 0.85 weighs exp(-1)
SIGMA_L = 10.0  # L* difference at which a pixel's weight falls to exp(-1/2)
RHO = 0.2  # spatial reach, as a share of the grid's short side
PRIOR = 0.2  # the network's result counts as this many fully alike hints
TRUST = 0.03  # affinity at which half of the hint network's own change is kept


def hint_weights(L: torch.Tensor, features: torch.Tensor, hints: list[Hint]) -> tuple[torch.Tensor, torch.Tensor]:
    """Full-resolution L (H, W), the automatic features (C, h, w) -> weights (K, h*w) and colours (K, 2)."""
    C, h, w = features.shape
    f = F.normalize(features.float().reshape(C, -1), dim=0)
    lum = F.adaptive_avg_pool2d(L[None, None].float(), (h, w)).reshape(-1)
    cells = hint_cells(L, hints, (h, w))
    rows = torch.tensor([c[0] for c in cells])
    cols = torch.tensor([c[1] for c in cells])
    k = rows * w + cols
    yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    d2 = ((yy.reshape(1, -1) - rows[:, None]) ** 2 + (xx.reshape(1, -1) - cols[:, None]) ** 2).float() / min(h, w) ** 2
    alike = torch.exp((f[:, k].T @ f - 1) / TAU)
    tone = torch.exp(-((lum[None] - lum[k][:, None]) ** 2) / (2 * SIGMA_L**2))
    near = torch.exp(-d2 / (2 * RHO**2))
    return alike * tone * near, torch.tensor([c[2:] for c in cells], dtype=torch.float32)


def spread_hints(
    L: torch.Tensor, features: torch.Tensor, ab_auto: torch.Tensor, ab_hinted: torch.Tensor, hints: list[Hint]
) -> torch.Tensor:
    """ab (2, h, w) from the automatic result ``ab_auto``, the hint network's ``ab_hinted`` (both
    (2, h, w)) and the automatic ``features`` (C, h, w) at the same resolution."""
    if not hints:
        return ab_auto
    _, h, w = ab_auto.shape
    weights, colours = hint_weights(L, features, hints)
    total = weights.sum(0)
    kept = total / (TRUST + total)
    base = ab_auto.reshape(2, -1) + kept * (ab_hinted - ab_auto).reshape(2, -1)
    return ((PRIOR * base + colours.T @ weights) / (PRIOR + total)).reshape(2, h, w)
