"""Hints as the network's input: a map of ab where the user gave a colour, and a mask of where.

Zhang et al. 2017 ("Real-Time User-Guided Image Colorization with Learned Deep Priors") give the
network the hints themselves and train it with hints sampled from the photo, so that it learns
how far a colour goes (a hat's red fills the hat and stops at the face). Two ways to make the map,
one format:

* ``hint_map``: a user's clicks (full-resolution pixels and RGB colours) at the working size;
* ``sample_hints``: training hints from the photo's own ab (ideepcolor's scheme: a random number
  of points, many images with none, each the mean ab of a small random patch).

The map is (B, 3, H, W) at the network's input size: ab / AB_SCALE where hinted (0 elsewhere)
and a 0/1 mask, so "no hints" is all zeros.
"""

from __future__ import annotations

import math

import torch

from .color import AB_SCALE
from .hints import Hint, hint_targets

CLICK_PATCH = 3  # a click covers this many working-size pixels a side (training patches are 1-9)
NO_HINTS = 0.5  # share of training images with no hints at all (the automatic mode)
POINTS_P = 1 / 8  # geometric distribution of the number of points (ideepcolor's p), when there are any
MAX_POINTS = 32
MAX_PATCH = 9


def hint_cells(L: torch.Tensor, hints: list[Hint] | None, shape: tuple[int, int]) -> list[tuple[int, int, float, float]]:
    """(row, column, a, b) per hint on a ``shape`` grid over full-resolution L (H, W): the cell its
    pixel falls in, and its colour at the pixel's own L, gamut-mapped."""
    h, w = shape
    H, W = L.shape
    return [
        (min(max(round((y + 0.5) * h / H - 0.5), 0), h - 1), min(max(round((x + 0.5) * w / W - 0.5), 0), w - 1), a, b)
        for x, y, a, b in hint_targets(L, hints or [])
    ]


def hint_map(L: torch.Tensor, hints: list[Hint] | None, shape: tuple[int, int]) -> torch.Tensor:
    """Full-resolution L (H, W) and a user's hints -> the (1, 3, h, w) map at the working ``shape``:
    each hint's colour written over a CLICK_PATCH square around its cell."""
    out = torch.zeros(1, 3, *shape)
    r = CLICK_PATCH // 2
    for cy, cx, a, b in hint_cells(L, hints, shape):
        ys, xs = slice(max(cy - r, 0), cy + r + 1), slice(max(cx - r, 0), cx + r + 1)
        out[0, 0, ys, xs] = a / AB_SCALE
        out[0, 1, ys, xs] = b / AB_SCALE
        out[0, 2, ys, xs] = 1.0
    return out


def sample_hints(
    ab: torch.Tensor, generator: torch.Generator, points: int | None = None, none_share: float = NO_HINTS, points_p: float = POINTS_P
) -> torch.Tensor:
    """Training hints from the real ab (B, 2, H, W): the (B, 3, H, W) map, drawn from ``generator``.

    A ``none_share`` of the images (half) get none; the others 1 + Geometric(``points_p``) points
    (at most 32; ideepcolor's p is 1/8, a larger one gives fewer), each a square patch of 1-9
    pixels at a uniform place that takes the patch's mean ab. ``points``: exactly that many for
    every image instead (validation).
    """
    B, _, H, W = ab.shape
    out = torch.zeros(B, 3, H, W, device=ab.device)
    if points is None:
        none = torch.rand(B, generator=generator) < none_share
        u = torch.rand(B, generator=generator).clamp_min(1e-7)
        counts = (1 + torch.floor(torch.log(u) / math.log1p(-points_p))).clamp(max=MAX_POINTS).long()
        counts[none] = 0
    else:
        counts = torch.full((B,), points)
    for i in range(B):
        n = int(counts[i])
        if n == 0:
            continue
        sizes = torch.randint(1, MAX_PATCH + 1, (n,), generator=generator)
        fy, fx = torch.rand(n, generator=generator), torch.rand(n, generator=generator)
        for s, py, px in zip(sizes.tolist(), fy.tolist(), fx.tolist()):
            y, x = int(py * (H - s + 1)), int(px * (W - s + 1))
            mean = ab[i, :, y : y + s, x : x + s].float().mean((1, 2))
            out[i, :2, y : y + s, x : x + s] = (mean / AB_SCALE)[:, None, None]
            out[i, 2, y : y + s, x : x + s] = 1.0
    return out
