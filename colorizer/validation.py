"""Validation during training: the EMA generator on held-out crops, decoded as the product decodes.

Scored automatically and, for a generator with hint inputs, with 5 hints sampled from each crop
(seeded: the same hints at every validation, so the curve compares like with like); a grid of
grey, predicted and real crops is saved to look at.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .color import lab_to_rgb_mapped, rgb_to_lab
from .hint_map import sample_hints
from .metrics import all_metrics, ciede2000, mean_metrics
from .models import Generator
from .precision import autocast
from .vividness import decoding_for


@torch.no_grad()
def predict_crops(
    generator: Generator, refs: torch.Tensor, device: torch.device, dtype: torch.dtype, hint_points: int | None = None
) -> torch.Tensor:
    """The generator's colourisation of RGB crops (B, 3, H, W) in [0, 1], decoded as its config says;
    with ``hint_points``, that many hints sampled from each crop (seeded, the same every time)."""
    gen = torch.Generator().manual_seed(1234)
    preds = []
    for i in range(0, len(refs), 64):
        lab = rgb_to_lab(refs[i : i + 64].to(device))
        L = lab[:, :1]
        hints = (sample_hints(lab[:, 1:], gen, hint_points),) if hint_points else ()
        with autocast(device, dtype):
            logits = generator(L.contiguous(memory_format=torch.channels_last), *hints)
        ab = decoding_for(generator.config).ab(generator, logits, upsample=True)  # as the product decodes
        preds.append(lab_to_rgb_mapped(torch.cat([L, ab], 1)).cpu())
    return torch.cat(preds)


def to_uint8(t: torch.Tensor) -> np.ndarray:
    """(B, 3, H, W) in [0, 1] -> (B, H, W, 3) uint8."""
    return (t.permute(0, 2, 3, 1).numpy() * 255 + 0.5).astype(np.uint8)


@torch.no_grad()
def scores(
    generator: Generator, refs: torch.Tensor, device: torch.device, dtype: torch.dtype, grid: Path | None = None
) -> dict[str, float]:
    """Mean metrics on the crops (and ``ciede2000_5_hints`` for a hint network); the grid to ``grid``."""
    r8 = to_uint8(refs)
    p8 = to_uint8(predict_crops(generator, refs, device, dtype))
    result = mean_metrics([all_metrics(p, r) for p, r in zip(p8, r8)])
    if generator.takes_hints:
        hinted = to_uint8(predict_crops(generator, refs, device, dtype, hint_points=5))
        result["ciede2000_5_hints"] = float(np.mean([ciede2000(p, r) for p, r in zip(hinted, r8)]))
    if grid is not None:
        n = min(8, len(p8))
        gray = np.repeat((rgb_to_lab(refs[:n])[:, :1] / 100).clamp(0, 1).permute(0, 2, 3, 1).numpy() * 255, 3, -1)
        rows = [np.concatenate(list(a[:n]), axis=1) for a in (gray.astype(np.uint8), p8, r8)]
        Image.fromarray(np.concatenate(rows, axis=0)).save(grid)
    return result
