import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from colorizer.metrics import all_metrics, auc, ciede2000, colorfulness, gray_baseline, psnr, ssim


def test_psnr_ssim_follow_the_paper_convention(photo):
    ref = photo[::2, ::2]
    noisy = np.clip(ref.astype(int) + np.random.default_rng(0).integers(-20, 21, ref.shape), 0, 255).astype(np.uint8)
    assert np.isclose(psnr(noisy, ref), peak_signal_noise_ratio(ref, noisy, data_range=255))
    expected = structural_similarity(
        ref, noisy, channel_axis=-1, data_range=255, gaussian_weights=True, sigma=1.5, use_sample_covariance=False
    )
    assert np.isclose(ssim(noisy, ref), expected)
    assert 0 < ssim(noisy, ref) < 1


def test_identical_images_are_perfect(photo):
    ref = photo[::4, ::4]
    assert ciede2000(ref, ref) == 0 and auc(ref, ref) == 1.0


def test_auc_counts_thresholds():
    ref = np.full((4, 4, 3), 128, np.uint8)
    pred = ref.copy()
    pred[..., 0] = 200  # a reddish error of fixed size on every pixel
    a = auc(pred, ref)
    assert 0.5 < a < 1.0
    worse = ref.copy()
    worse[..., 0] = 255
    assert auc(worse, ref) < a


def test_colorfulness():
    grey = np.full((8, 8, 3), 100, np.uint8)
    assert colorfulness(grey) == 0
    red = np.zeros((8, 8, 3), np.uint8)
    red[..., 0] = 255
    # rg = 255, yb = 127.5, no spread: M = 0.3 * sqrt(255^2 + 127.5^2)
    assert np.isclose(colorfulness(red), 0.3 * np.hypot(255, 127.5))


def test_gray_baseline_has_no_color_and_keeps_l(photo):
    g = gray_baseline(photo[::4, ::4])
    assert colorfulness(g) < 1.0
    m = all_metrics(g, photo[::4, ::4])
    assert set(m) == {"psnr", "ssim", "ciede2000", "auc", "colorfulness"}
    assert m["psnr"] > 15 and m["ciede2000"] > 1
