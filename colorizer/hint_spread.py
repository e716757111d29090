"""After a network that takes hints: spread each hint over the pixels the network sees as its object.

A generator with hint inputs (hint_map.py) learns how far a colour goes, but only so far: one
click on kodim04's red hat leaves most of the hat as it was, while the click still tints the
rest of the photo a little. An edge-stopping solver (hints.py) cannot fix that: a woven hat's
many edges stop it, and a weaker pull lets the colour run across the face.

The automatic network's own last feature map already says which pixels are the same stuff (the
whole hat alike, the face different). So each hint k weighs every pixel i by how alike they are
there, in lightness, and how near:

    w_k(i) = exp((cos(f_i, f_k) - 1) / TAU) * exp(-(L_i - L_k)^2 / 2 SIGMA_L^2) * exp(-d_ik^2 / 2 (RHO s)^2)

(f: the automatic network's features, s: the grid's short side), and the colour is a weighted
mean of the hints' colours t_k and the network's own result, which counts as PRIOR hints:

    ab(i) = (PRIOR base(i) + sum_k w_k(i) t_k) / (PRIOR + sum_k w_k(i))

base is the automatic result plus the hint network's change, the latter kept only where the
hints reach (share m = W / (TRUST + W), W = sum_k w_k(i)): what the hint network learned stays
inside the hinted objects, and its faint tint elsewhere goes. With many hints, most pixels are
like some hint and take the hints' colours; with one, only its object does.

Measured (``python bench/quality.py hints``, Kodak24 at 384x256; the constants were chosen on
seed 0 of that protocol and kodim04, then checked on seeds 1-2 and on McMaster18): see the
model card's hints section.
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
