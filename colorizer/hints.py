"""Colour hints as a user gives them: (x, y, (r, g, b)) in full-image pixels, "this pixel is this colour".

Each hint's hue and chroma are taken at the pixel's own L and gamut-mapped, so the photo's tones
never change; hint_map.py places them on the network's input, hint_spread.py over the result.
"""

from __future__ import annotations

import torch

from .color import gamut_map, rgb_to_lab

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
