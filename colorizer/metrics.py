"""Quality metrics for colourisation, on RGB uint8 images as colourisation papers compute them.

PSNR and SSIM use peak 255 (SSIM: Gaussian-weighted, as Wang et al.); CIEDE2000 and the AuC of
the ab-error CDF (ECCV16, thresholds 0..150) compare colour directly; colourfulness is Hasler &
Suesstrunk (2003) with signed rg/yb. Always read a model's numbers beside the gray baseline's.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from skimage.color import deltaE_ciede2000, lab2rgb, rgb2lab
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from .images import DEFAULT_MAX_PIXELS, is_color, open_image, to_standard

METRICS = ("psnr", "ssim", "ciede2000", "auc", "colorfulness")


def psnr(pred: np.ndarray, ref: np.ndarray) -> float:
    return float(peak_signal_noise_ratio(ref, pred, data_range=255))


def ssim(pred: np.ndarray, ref: np.ndarray) -> float:
    return float(
        structural_similarity(ref, pred, channel_axis=-1, data_range=255, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
    )


def ciede2000(pred: np.ndarray, ref: np.ndarray) -> float:
    return float(deltaE_ciede2000(rgb2lab(ref), rgb2lab(pred)).mean())


def auc(pred: np.ndarray, ref: np.ndarray, max_threshold: int = 150) -> float:
    """Mean over t = 0..150 of the fraction of pixels whose ab error is within t (ECCV16)."""
    err = np.sort(np.linalg.norm(rgb2lab(ref)[..., 1:] - rgb2lab(pred)[..., 1:], axis=-1).ravel())
    within = np.searchsorted(err, np.arange(max_threshold + 1), side="right") / err.size
    return float(within.mean())


def colorfulness(rgb: np.ndarray) -> float:
    """Hasler & Suesstrunk (2003), signed rg = R - G, yb = (R + G) / 2 - B, on 0-255 values."""
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    rg, yb = r - g, (r + g) / 2 - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def gray_baseline(ref: np.ndarray) -> np.ndarray:
    """The reference with ab = 0: its own lightness and no colour at all."""
    lab = rgb2lab(ref)
    lab[..., 1:] = 0
    return (np.clip(lab2rgb(lab), 0, 1) * 255 + 0.5).astype(np.uint8)


def all_metrics(pred: np.ndarray, ref: np.ndarray) -> dict[str, float]:
    """Every metric for one RGB uint8 prediction against its RGB uint8 reference (same size)."""
    if pred.shape != ref.shape:
        raise ValueError(f"prediction {pred.shape} and reference {ref.shape} differ in size")
    return {
        "psnr": psnr(pred, ref),
        "ssim": ssim(pred, ref),
        "ciede2000": ciede2000(pred, ref),
        "auc": auc(pred, ref),
        "colorfulness": colorfulness(pred),
    }


def mean_metrics(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]} if rows else {}


def at_most(rgb: np.ndarray, max_pixels: int) -> np.ndarray:
    """The image box-filtered down to at most ``max_pixels`` (as it is when already small enough)."""
    h, w = rgb.shape[:2]
    if h * w <= max_pixels:
        return rgb
    scale = (max_pixels / (h * w)) ** 0.5
    return np.asarray(Image.fromarray(rgb).resize((max(1, int(w * scale)), max(1, int(h * scale))), Image.BOX))


def comparison(pred: np.ndarray, ref: np.ndarray, max_pixels: int | None = None) -> list[list]:
    """Rows for a results table: the colourisation and the gray baseline against one reference.

    ``max_pixels``: score both images box-filtered down to this size (the metrics work in float64,
    about 280 bytes a pixel: a 25-megapixel pair took 7 GB at full size).
    """
    if max_pixels is not None:
        pred, ref = at_most(pred, max_pixels), at_most(ref, max_pixels)
    gt = colorfulness(ref)
    rows = []
    for name, img in (("colourised", pred), ("gray baseline (ab = 0)", gray_baseline(ref))):
        m = all_metrics(img, ref)
        rows.append([name, round(m["psnr"], 2), round(m["ssim"], 4), round(m["ciede2000"], 2), round(m["colorfulness"], 1)])
    rows.append(["reference", "", "", "", round(gt, 1)])
    return rows


def reference_for(photo: Image.Image, reference=None, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[np.ndarray | None, list[str]]:
    """The colour reference to score a colourisation of ``photo`` against, and notes for the user.

    A photo that is really in colour is its own reference (it is turned grey before colourising);
    an explicit reference wins, resized to the photo's size when it differs.
    """
    ref, notes = None, []
    if is_color(photo):
        ref = np.asarray(photo.convert("RGB"))
        notes.append("Your picture is in colour: it was turned to grey first, and the original is used as the reference.")
    if reference is not None:
        ref_img = to_standard(open_image(reference, max_pixels)).convert("RGB")
        if ref_img.size != photo.size:
            w, h = ref_img.size
            notes.append(f"The reference ({w}x{h}) was resized to the result ({photo.size[0]}x{photo.size[1]}).")
            ref_img = ref_img.resize(photo.size, Image.LANCZOS)
        ref = np.asarray(ref_img)
    return ref, notes
