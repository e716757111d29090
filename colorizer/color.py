"""Colour maths in torch: sRGB <-> CIE Lab (D65), gamut mapping, and the quantised ab gamut.

Every function works on batched tensors shaped (B, 3, H, W) (or (..., 3, H, W)) and is
differentiable, so the trainer can put a loss on RGB computed from predicted ab. The constants
are scikit-image's (``skimage.color.rgb2lab``), so numbers agree with the metrics people use.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

# sRGB (linear) -> XYZ, and the D65 reference white, as in scikit-image.
XYZ_FROM_RGB = torch.tensor(
    [
        [0.412453, 0.357580, 0.180423],
        [0.212671, 0.715160, 0.072169],
        [0.019334, 0.119193, 0.950227],
    ],
    dtype=torch.float64,
)
RGB_FROM_XYZ = torch.linalg.inv(XYZ_FROM_RGB)
WHITE_D65 = torch.tensor([0.95047, 1.0, 1.08883], dtype=torch.float64)

_EPS = 0.008856  # (6/29)^3, rounded as in scikit-image
_KAPPA = 7.787  # slope of the linear segment of f(t)
_T0 = 16.0 / 116.0

GAMUT_STEPS = 8  # bisection steps of gamut mapping: chroma within 1/256 of its in-gamut limit
AB_SCALE = 110.0  # ECCV16: the network's ab output is ab / 110
L_CENTER, L_SCALE = 50.0, 100.0  # ECCV16: the network's input is (L - 50) / 100


def _mix(m: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Apply a 3x3 matrix along the channel axis (-3)."""
    return torch.einsum("ij,...jhw->...ihw", m.to(x), x)


def srgb_to_linear(rgb: torch.Tensor) -> torch.Tensor:
    return torch.where(rgb > 0.04045, ((rgb.clamp(min=0.04045) + 0.055) / 1.055) ** 2.4, rgb / 12.92)


def linear_to_srgb(lin: torch.Tensor) -> torch.Tensor:
    return torch.where(lin > 0.0031308, 1.055 * lin.clamp(min=0.0031308) ** (1 / 2.4) - 0.055, lin * 12.92)


def _f(t: torch.Tensor) -> torch.Tensor:
    return torch.where(t > _EPS, t.clamp(min=_EPS) ** (1 / 3), _KAPPA * t + _T0)


def _finv(t: torch.Tensor) -> torch.Tensor:
    return torch.where(t > 0.2068966, t**3, (t - _T0) / _KAPPA)


def rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB in [0, 1] -> Lab (L in [0, 100], a and b roughly in [-128, 127])."""
    xyz = _mix(XYZ_FROM_RGB, srgb_to_linear(rgb)) / WHITE_D65.to(rgb).view(3, 1, 1)
    fx, fy, fz = _f(xyz).unbind(-3)
    return torch.stack([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)], dim=-3)


def lab_to_linear(lab: torch.Tensor) -> torch.Tensor:
    """Lab -> linear RGB, not clamped (out-of-gamut colours fall outside [0, 1])."""
    L, a, b = lab.unbind(-3)
    fy = (L + 16) / 116
    f = torch.stack([fy + a / 500, fy, fy - b / 200], dim=-3)
    xyz = _finv(f) * WHITE_D65.to(lab).view(3, 1, 1)
    return _mix(RGB_FROM_XYZ, xyz)


def lab_to_rgb(lab: torch.Tensor) -> torch.Tensor:
    """Lab -> sRGB in [0, 1]; clamps in linear light (use gamut_map first to keep L exact)."""
    return linear_to_srgb(lab_to_linear(lab).clamp(0, 1))


def luminance_to_l(y: torch.Tensor) -> torch.Tensor:
    """Relative luminance Y in [0, 1] -> L*; the cheap path when only L is needed."""
    return 116 * _f(y) - 16


def l_to_gray(L: torch.Tensor) -> torch.Tensor:
    """L* -> the sRGB grey value in [0, 1] of that lightness (what a grey photo's pixels hold)."""
    return linear_to_srgb(_finv((L + 16) / 116)).clamp(0, 1)


def rgb_to_l(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB (…, 3, H, W) -> L (…, 1, H, W) without computing a and b."""
    y = _mix(XYZ_FROM_RGB[1:2], srgb_to_linear(rgb))
    return luminance_to_l(y)


def _out_of_gamut(lin: torch.Tensor, tol: float) -> torch.Tensor:
    return ((lin < -tol) | (lin > 1 + tol)).any(dim=-3)


def in_gamut(lab: torch.Tensor, tol: float = 1e-4) -> torch.Tensor:
    """True where a Lab colour has linear RGB inside [0, 1] (per pixel, channel axis removed)."""
    return ~_out_of_gamut(lab_to_linear(lab), tol)


def _shrink_chroma(lab: torch.Tensor, steps: int) -> torch.Tensor:
    """Rows of out-of-gamut Lab (N, 3) -> the same L and hue at the largest in-gamut chroma."""
    lo = torch.zeros(lab.shape[0], 1, dtype=lab.dtype, device=lab.device)
    hi = torch.ones_like(lo)
    for _ in range(steps):
        mid = (lo + hi) / 2
        ok = in_gamut(torch.cat([lab[:, :1], lab[:, 1:] * mid], dim=1).T.unsqueeze(-1), tol=0).view(-1, 1)
        lo = torch.where(ok, mid, lo)
        hi = torch.where(ok, hi, mid)
    return torch.cat([lab[:, :1], lab[:, 1:] * lo], dim=1)


def _map_pixels(lab: torch.Tensor, lin: torch.Tensor, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Gamut-map the out-of-gamut pixels of (3, H, W)-shaped Lab whose linear RGB is ``lin``."""
    bad = _out_of_gamut(lin, 1e-4)
    if not bad.any():
        return lab, lin
    lab, lin = lab.clone(), lin.clone()
    fixed = _shrink_chroma(lab.movedim(-3, -1)[bad], steps)
    lab.movedim(-3, -1)[bad] = fixed
    lin.movedim(-3, -1)[bad] = lab_to_linear(fixed.T.unsqueeze(-1)).squeeze(-1).T
    return lab, lin


def gamut_map(lab: torch.Tensor, steps: int = GAMUT_STEPS) -> torch.Tensor:
    """Bring out-of-gamut colours into sRGB by lowering chroma at fixed L and hue.

    Clipping RGB instead would change L (the photo's own tones); here only a and b shrink, by the
    largest factor in [0, 1] that lands in gamut, found by bisection on the pixels that need it.
    L itself is clamped to [0, 100], the only range where grey (a = b = 0) is in gamut.
    """
    lab = torch.cat([lab[..., :1, :, :].clamp(0, 100), lab[..., 1:, :, :]], dim=-3)
    return _map_pixels(lab, lab_to_linear(lab), steps)[0]


def lab_to_rgb_mapped(lab: torch.Tensor, steps: int = GAMUT_STEPS) -> torch.Tensor:
    """Lab -> sRGB in [0, 1] with gamut mapping, converting to linear light only once."""
    lab = torch.cat([lab[..., :1, :, :].clamp(0, 100), lab[..., 1:, :, :]], dim=-3)
    _, lin = _map_pixels(lab, lab_to_linear(lab), steps)
    return linear_to_srgb(lin.clamp(0, 1))


# --- the quantised ab gamut -------------------------------------------------------------------

GRID_STEP = 10.0


@functools.lru_cache(maxsize=4)
def ab_gamut(step: float = GRID_STEP, extent: float = 110.0) -> torch.Tensor:
    """Centres (Q, 2) of the ab grid cells of side ``step`` that hold an in-gamut colour.

    A cell is kept when any of a 5x5 set of points inside it is in the sRGB gamut at some L in
    [0, 100]. This gives fewer bins than the paper's 313 (which came from ImageNet statistics);
    the bin count is stored in each model's config, and official weights bring their own centres.
    """
    centres = torch.arange(-extent, extent + step / 2, step, dtype=torch.float64)
    a, b = torch.meshgrid(centres, centres, indexing="ij")
    offs = torch.linspace(-step / 2, step / 2, 5, dtype=torch.float64)
    oa, ob = torch.meshgrid(offs, offs, indexing="ij")
    pa = a.reshape(-1, 1, 1) + oa.reshape(1, -1, 1)  # (cells, 25, 1)
    pb = b.reshape(-1, 1, 1) + ob.reshape(1, -1, 1)
    L = torch.linspace(0, 100, 101, dtype=torch.float64).view(1, 1, -1)
    lab = torch.stack(torch.broadcast_tensors(L, pa, pb), dim=1)  # (cells, 3, 25, 101)
    keep = in_gamut(lab, tol=0).flatten(1).any(dim=1)
    return torch.stack([a.reshape(-1)[keep], b.reshape(-1)[keep]], dim=1).float()


TABLE_EXTENT = 128  # the nearest-bin table covers a, b in [-128, 128): every colour there is


@functools.lru_cache(maxsize=8)
def nearest_candidates(centres: tuple[tuple[float, float], ...], k: int, device: str) -> torch.Tensor:
    """For each 1x1 cell of the ab plane, the bins that can be among the k nearest of a point in it.

    A point p lies within r = sqrt(2)/2 of its cell's centre c, so its k-th nearest bin is within
    d_k(c) + r of p and within d_k(c) + 2r of c: every bin that near c is a candidate. Each cell
    keeps the same number (the most any cell needs), nearest first: (cells, count) indices.
    """
    C = torch.tensor(centres, dtype=torch.float64)
    g = torch.arange(-TABLE_EXTENT, TABLE_EXTENT, dtype=torch.float64) + 0.5
    cells = torch.stack(torch.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    d = torch.cdist(cells, C)
    reach = d.topk(k, largest=False).values[:, -1:] + 2**0.5 + 1e-6
    count = int((d <= reach).sum(1).max())
    return d.topk(count, largest=False).indices.to(device)


def soft_encode(ab: torch.Tensor, centres: torch.Tensor, k: int = 5, sigma: float = 5.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Ground-truth ab (B, 2, H, W) -> soft targets over the k nearest bins, kept sparse: their
    indices (B, k, H, W), nearest first, and Gaussian weights summing to 1 (ECCV16's encoding).

    Exact, measuring each pixel against its cell's few candidate bins (``nearest_candidates``)
    rather than all of them (a search over all took a tenth of a training step)."""
    B, _, H, W = ab.shape
    pts = ab.movedim(1, -1).reshape(-1, 2).float()
    table = nearest_candidates(tuple(map(tuple, centres.tolist())), k, str(pts.device))
    cell = (pts.detach().floor() + TABLE_EXTENT).long().clamp(0, 2 * TABLE_EXTENT - 1)
    candidates = table[cell[:, 0] * 2 * TABLE_EXTENT + cell[:, 1]]
    d2 = (centres.to(pts)[candidates] - pts[:, None]).pow(2).sum(-1)
    near, pos = d2.topk(k, dim=1, largest=False)
    idx = candidates.gather(1, pos)
    w = torch.softmax(-near / (2 * sigma**2), dim=1)
    return idx.view(B, H, W, k).permute(0, 3, 1, 2), w.view(B, H, W, k).permute(0, 3, 1, 2)


def rebalance_weights(prior: torch.Tensor, lam: float = 0.5) -> torch.Tensor:
    """Class-rebalancing weights w ~ ((1 - lam) p + lam / Q)^-1, normalised so E_p[w] = 1."""
    p = prior / prior.sum()
    w = 1.0 / ((1 - lam) * p + lam / p.numel())
    return w / (p * w).sum()


def smooth_prior(counts: torch.Tensor, centres: torch.Tensor, sigma: float = 5.0) -> torch.Tensor:
    """Bin frequencies smoothed with a Gaussian over ab distance (as in ECCV16)."""
    d2 = torch.cdist(centres.double(), centres.double()).pow(2)
    kernel = torch.exp(-d2 / (2 * sigma**2))
    p = kernel @ (counts.double() / counts.sum())
    return (p / p.sum()).float()


def downsample_ab(ab: torch.Tensor, factor: int) -> torch.Tensor:
    """Average ab over factor x factor blocks: the target at the network's output resolution."""
    return F.avg_pool2d(ab, factor) if factor > 1 else ab
