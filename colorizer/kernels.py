"""Fused per-pixel loops for the full-resolution work around the model (numba).

At full resolution every pixel needs upsampled ab, Lab -> linear RGB, a gamut check, perhaps a
chroma bisection, and sRGB encoding. As separate torch ops that is ~40 passes over memory; fused
into one loop it is one. The maths is color.py's (same constants, imported); tests check the two
agree. ``cache=True`` keeps the compiled code between runs.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import torch

from .color import GAMUT_STEPS, RGB_FROM_XYZ, WHITE_D65, XYZ_FROM_RGB, linear_to_srgb, luminance_to_l, srgb_to_linear

_M = RGB_FROM_XYZ.numpy().astype(np.float64)
_W = WHITE_D65.numpy().astype(np.float64)
_LUT_SIZE = 65536
# linear light (quantised to 1/65535) -> sRGB uint8; fine enough near black (0.05 levels a step)
SRGB8 = (linear_to_srgb(torch.linspace(0, 1, _LUT_SIZE, dtype=torch.float64)) * 255 + 0.5).clamp(0, 255).to(torch.uint8).numpy()
_LIN8 = srgb_to_linear(torch.arange(256, dtype=torch.float64) / 255)
LIN8 = _LIN8.numpy()
L_OF_GRAY8 = luminance_to_l(_LIN8).float().numpy()  # grey uint8 -> L*
L_OF_Y = luminance_to_l(torch.linspace(0, 1, _LUT_SIZE, dtype=torch.float64)).float().numpy()  # Y -> L*
_Y = tuple(XYZ_FROM_RGB[1].tolist())  # luminance weights of linear R, G, B


@numba.njit(cache=True, inline="always")
def _finv(t):
    return t * t * t if t > 0.2068966 else (t - 16.0 / 116.0) / 7.787


@numba.njit(cache=True, inline="always")
def _lab_to_linear(L, a, b, M, W):
    fy = (L + 16.0) / 116.0
    X = _finv(fy + a / 500.0) * W[0]
    Y = _finv(fy) * W[1]
    Z = _finv(fy - b / 200.0) * W[2]
    r = M[0, 0] * X + M[0, 1] * Y + M[0, 2] * Z
    g = M[1, 0] * X + M[1, 1] * Y + M[1, 2] * Z
    bl = M[2, 0] * X + M[2, 1] * Y + M[2, 2] * Z
    return r, g, bl


@numba.njit(cache=True, inline="always")
def _inside(r, g, b, tol):
    return -tol <= r <= 1 + tol and -tol <= g <= 1 + tol and -tol <= b <= 1 + tol


@numba.njit(cache=True, inline="always")
def _clamp(v, hi):
    """v clamped to [0, hi], NaN -> 0: every table index below stays in bounds whatever comes in."""
    return v if 0.0 <= v <= hi else (hi if v > hi else 0.0)


@numba.njit(cache=True, inline="always")
def _finite(v):
    return v if abs(v) < 1e30 else 0.0  # NaN and infinities (from a broken decoding) -> grey


@numba.njit(cache=True, inline="always")
def _encode(v, lut):
    return lut[int(_clamp(v, 1.0) * 65535.0 + 0.5)]


@numba.njit(parallel=True, cache=True)
def compose_rows(L, ab, L_low, inv_2s2, out, M, W, lut, steps):
    """out[y, x] = sRGB8(gamut_map(L[y, x], upsampled(ab)[y, x])).

    ``ab`` (2, h, w) is the low-resolution ab; it is interpolated here, pixel by pixel
    (align_corners=False, as torch's bilinear), so no full-size copy of ab ever exists and
    memory is the output's alone, whatever the photo's shape. With ``inv_2s2`` > 0 the
    interpolation is edge-aware (joint bilateral, Kopf et al. 2007): each of the four bilinear
    weights is multiplied by exp(-(L[y, x] - L_low[cell])^2 * inv_2s2), so a pixel takes its
    colour from the cells whose lightness is like its own and colour stops at edges.
    Out-of-gamut pixels lose chroma by bisection. Non-finite ab becomes grey and L is clamped to
    [0, 100]: no input can index out of bounds.
    """
    H, Wd = L.shape
    h, w = ab.shape[1], ab.shape[2]
    for y in numba.prange(H):
        sy = max((y + 0.5) * h / H - 0.5, 0.0)
        y0 = min(int(sy), h - 1)
        y1 = min(y0 + 1, h - 1)
        ty = sy - y0
        for x in range(Wd):
            sx = max((x + 0.5) * w / Wd - 0.5, 0.0)
            x0 = min(int(sx), w - 1)
            x1 = min(x0 + 1, w - 1)
            tx = sx - x0
            w00, w01, w10, w11 = (1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty
            li = _clamp(L[y, x], 100.0)
            if inv_2s2 > 0.0:
                e00 = w00 * math.exp(-((li - L_low[y0, x0]) ** 2) * inv_2s2)
                e01 = w01 * math.exp(-((li - L_low[y0, x1]) ** 2) * inv_2s2)
                e10 = w10 * math.exp(-((li - L_low[y1, x0]) ** 2) * inv_2s2)
                e11 = w11 * math.exp(-((li - L_low[y1, x1]) ** 2) * inv_2s2)
                total = e00 + e01 + e10 + e11
                if total > 1e-12:
                    w00, w01, w10, w11 = e00 / total, e01 / total, e10 / total, e11 / total
            a = _finite(ab[0, y0, x0] * w00 + ab[0, y0, x1] * w01 + ab[0, y1, x0] * w10 + ab[0, y1, x1] * w11)
            b = _finite(ab[1, y0, x0] * w00 + ab[1, y0, x1] * w01 + ab[1, y1, x0] * w10 + ab[1, y1, x1] * w11)
            r, g, bl = _lab_to_linear(li, a, b, M, W)
            if not _inside(r, g, bl, 1e-4):
                lo, hi = 0.0, 1.0
                for _ in range(steps):
                    mid = 0.5 * (lo + hi)
                    rr, gg, bb = _lab_to_linear(li, a * mid, b * mid, M, W)
                    if _inside(rr, gg, bb, 0.0):
                        lo = mid
                    else:
                        hi = mid
                r, g, bl = _lab_to_linear(li, a * lo, b * lo, M, W)
            out[y, x, 0] = _encode(r, lut)
            out[y, x, 1] = _encode(g, lut)
            out[y, x, 2] = _encode(bl, lut)


@numba.njit(parallel=True, cache=True)
def lightness_rgb8(rgb, lin, wr, wg, wb, l_of_y, out):
    """L* of sRGB uint8 pixels (H, W, 3): a 256-entry linearisation table, then L(Y) from a
    65536-entry table (Y steps of 1/65535: at most 0.014 L* apart, near black)."""
    H, Wd = out.shape
    n = l_of_y.shape[0] - 1
    for y in numba.prange(H):
        for x in range(Wd):
            Y = wr * lin[rgb[y, x, 0]] + wg * lin[rgb[y, x, 1]] + wb * lin[rgb[y, x, 2]]
            out[y, x] = l_of_y[int(_clamp(Y, 1.0) * n + 0.5)]


@numba.njit(parallel=True, cache=True)
def lightness_gray8(gray, table, out):
    H, Wd = out.shape
    for y in numba.prange(H):
        for x in range(Wd):
            out[y, x] = table[gray[y, x]]


def compose(
    L: np.ndarray, ab: np.ndarray, L_low: np.ndarray | None = None, edge_sigma: float = 0.0, steps: int = GAMUT_STEPS
) -> np.ndarray:
    """Full-resolution L (H, W) + low-resolution ab (2, h, w) -> RGB uint8 (H, W, 3), in one pass.

    ``edge_sigma`` > 0 (L* units) with ``L_low`` (h, w), the lightness at ab's resolution: edge-aware upsampling.
    """
    out = np.empty((*L.shape, 3), dtype=np.uint8)
    inv_2s2 = 1.0 / (2.0 * edge_sigma**2) if edge_sigma > 0 and L_low is not None else 0.0
    low = np.ascontiguousarray(L_low if inv_2s2 else np.zeros((1, 1)), np.float32)
    compose_rows(np.ascontiguousarray(L, np.float32), np.ascontiguousarray(ab, np.float32), low, inv_2s2, out, _M, _W, SRGB8, steps)
    return out


def lightness8(a: np.ndarray) -> np.ndarray:
    """L* (H, W) float32 of an 8-bit grey (H, W) or RGB (H, W, 3) array."""
    out = np.empty(a.shape[:2], dtype=np.float32)
    if a.ndim == 2:
        lightness_gray8(np.ascontiguousarray(a), L_OF_GRAY8, out)
    else:
        lightness_rgb8(np.ascontiguousarray(a), LIN8, *_Y, L_OF_Y, out)
    return out
