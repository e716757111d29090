"""Colour hints: the user's colours at a few points, spread edge-aware over the network's guess.

An optimisation in the spirit of Levin, Lischinski & Weiss (2004), with the generator's ab as the
prior. On a grid of at most GRID pixels a side, ab minimises

    sum_{neighbours i,j} w_ij |u_i - u_j|^2  +  alpha sum_i |u_i - prior_i|^2  +  beta sum_hints |u_h - t_h|^2

with w_ij = exp(-(L_i - L_j)^2 / 2 sigma^2): colour flows freely across similar tones and stops at
strong edges; far from every hint the network's prediction stays. Each hint target t_h is the
hint's hue and chroma at the pixel's own L, gamut-mapped, so the photo's tones never change.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F
from scipy.sparse.linalg import cg

from .color import gamut_map, rgb_to_lab

GRID = 256  # long side of the grid the hints are solved on
# Pull towards the network's prediction: a hint's colour fades over about 1/sqrt(ALPHA) grid cells
# of even tone (18 here), so it fills its object and not the photo. At 1e-4 one red hint on
# kodim04's hat turned her face pink too (bench/quality.py hints: 3.93 CIEDE2000 of change outside
# a disc of 1/8 the short side, against 1.05 now).
ALPHA = 3e-3
BETA = 1e3  # how hard a hint holds its colour
RADIUS = 4.0  # grid cells around a hint that take its colour (those of the hint's own tone)
SIGMA = 2.0  # L difference (L* units) at which a neighbour link weakens to exp(-1/2): edges stop colour

Hint = tuple[float, float, tuple[int, int, int]]  # (x, y, (r, g, b)) in full-image pixels


def hint_targets(L: torch.Tensor, hints: list[Hint]) -> list[tuple[int, int, float, float]]:
    """(x, y, a, b) per hint: its colour's hue and chroma at the pixel's L, gamut-mapped."""
    H, W = L.shape
    out = []
    for x, y, rgb in hints:
        xi, yi = int(round(x)), int(round(y))
        if not (0 <= xi < W and 0 <= yi < H):
            raise ValueError(f"hint at ({x}, {y}) is outside the {W}x{H} image")
        lab = rgb_to_lab(torch.tensor(rgb, dtype=torch.float64).view(1, 3, 1, 1) / 255)[0, :, 0, 0]
        lab[0] = float(L[yi, xi])
        a, b = gamut_map(lab.view(3, 1, 1))[1:, 0, 0].tolist()
        out.append((xi, yi, a, b))
    return out


def _grid_laplacian(Lg: np.ndarray) -> sp.csr_matrix:
    h, w = Lg.shape
    idx = np.arange(h * w).reshape(h, w)
    rows, cols, vals = [], [], []
    for a, b in ((idx[:, :-1], idx[:, 1:]), (idx[:-1, :], idx[1:, :])):
        la, lb = Lg.ravel()[a.ravel()], Lg.ravel()[b.ravel()]
        wgt = np.exp(-((la - lb) ** 2) / (2 * SIGMA**2))
        rows += [a.ravel(), b.ravel()]
        cols += [b.ravel(), a.ravel()]
        vals += [-wgt, -wgt]
    off = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(h * w, h * w))
    return off - sp.diags(np.asarray(off.sum(axis=1)).ravel())


def apply_hints(L: torch.Tensor, ab_prior: torch.Tensor, hints: list[Hint]) -> torch.Tensor:
    """Full-resolution L (H, W) + low-resolution prior ab (2, h, w) -> ab (2, gh, gw) honouring hints.

    For generators without hint inputs (those with them: hint_spread.py)."""
    if not hints:
        return ab_prior
    H, W = L.shape
    scale = min(1.0, GRID / max(H, W))
    gh, gw = max(2, round(H * scale)), max(2, round(W * scale))
    Lg = F.interpolate(L[None, None].float(), size=(gh, gw), mode="bilinear", antialias=True, align_corners=False)[0, 0].double().numpy()
    prior = F.interpolate(ab_prior[None].float(), size=(gh, gw), mode="bilinear", align_corners=False)[0].double().numpy()
    n = gh * gw
    pin = np.zeros(n)
    target = np.zeros((2, n))
    yy, xx = np.mgrid[:gh, :gw]
    for x, y, a, b in hint_targets(L, hints):
        # the hint holds a small disc of grid cells around its full-resolution pixel, of its own tone:
        # a point alone fades within a few cells (in 2-D a pinned point's influence falls off fast)
        gy, gx = (y + 0.5) * gh / H - 0.5, (x + 0.5) * gw / W - 0.5
        near = ((yy - gy) ** 2 + (xx - gx) ** 2 <= max(RADIUS, 0.75) ** 2) & (np.abs(Lg - Lg[round(gy), round(gx)]) < SIGMA)
        pin[near.ravel()] = BETA
        target[:, near.ravel()] = np.array([[a], [b]])
    A = (_grid_laplacian(Lg) + sp.diags(ALPHA + pin)).tocsr()
    precond = sp.diags(1.0 / A.diagonal())
    out = np.empty((2, n))
    for c in range(2):
        rhs = ALPHA * prior[c].ravel() + pin * target[c]
        out[c], _ = cg(A, rhs, x0=prior[c].ravel(), M=precond, rtol=1e-6, maxiter=2000)
    return torch.from_numpy(out.reshape(2, gh, gw)).float()
