import numpy as np
import pytest
import torch

from colorizer import Colorizer
from colorizer.evaluate import evaluate, score_as_shipped, score_decodings
from colorizer.metrics import all_metrics, gray_baseline, mean_metrics


@pytest.fixture
def col(tiny_generator):
    return Colorizer(tiny_generator, device="cpu")


def test_zero_ab_decoder_scores_as_the_gray_baseline(col, photo):
    refs = [photo, np.ascontiguousarray(photo[::-1])]
    scores = score_decodings(col, refs, 64, {"zero": lambda logits: torch.zeros(logits.shape[0], 2, *logits.shape[-2:])})
    got, want = mean_metrics(scores["zero"]), mean_metrics([all_metrics(gray_baseline(r), r) for r in refs])
    assert got["ciede2000"] == pytest.approx(want["ciede2000"], abs=0.05)
    assert got["psnr"] == pytest.approx(want["psnr"], abs=0.05)


def test_evaluate_matches_colorize_for_each_setting(col, photo):
    rows = evaluate(col, [photo], sizes=[64], temperatures=[1.0, 0.38], progress=False)
    assert [r["setting"] for r in rows] == ["gray baseline (ab = 0)", "size 64, T 1.0", "size 64, T 0.38"]
    for row in rows[1:]:
        direct = all_metrics(np.asarray(col.colorize(photo, size=64, temperature=row["temperature"])), photo)
        assert row["ciede2000"] == pytest.approx(direct["ciede2000"], abs=1e-3)
    assert rows[1]["ciede2000"] != rows[2]["ciede2000"]


def test_score_as_shipped_uses_the_weights_own_size_and_temperature(col, photo):
    col.config.size, col.config.temperature = 64, 0.38
    got = score_as_shipped(col, [photo])[0]
    direct = all_metrics(np.asarray(col.colorize(photo)), photo)
    other = all_metrics(np.asarray(col.colorize(photo, size=96, temperature=1.0)), photo)
    assert got["ciede2000"] == pytest.approx(direct["ciede2000"], abs=1e-3)
    assert got["ciede2000"] != pytest.approx(other["ciede2000"], abs=1e-3)


def calibrated(col: Colorizer) -> Colorizer:
    """Weights whose default is a position on a frontier with every knob away from its neutral value."""
    g = torch.Generator().manual_seed(0)
    col.config.logit_bias = (torch.randn(col.config.num_bins, generator=g) * 0.5).tolist()
    col.config.frontier = [
        {"bias_scale": 2.0, "temperature": 1.0, "gain": 1.0, "smooth": 0.0, "colorfulness": 0.4},
        {"bias_scale": 2.0, "temperature": 1.0, "gain": 2.0, "smooth": 1.0, "colorfulness": 0.9},
    ]
    col.config.vividness, col.config.size = 0.6, 64
    return col


def test_every_evaluation_path_decodes_as_the_product(col, photo, tmp_path):
    """score_as_shipped and the trainer's validation both give what colorize gives (prior correction,
    gain and smoothing included); a decoding that ignored a knob would differ."""
    from colorizer.data import ImageBank
    from colorizer.trainer import TrainConfig, Trainer

    col = calibrated(col)
    d = col.decoding()
    assert (d.bias_scale, d.gain, d.smooth, d.vividness) == (2.0, pytest.approx(1.6), pytest.approx(0.6), 0.6)
    direct = all_metrics(np.asarray(col.colorize(photo)), photo)
    assert score_as_shipped(col, [photo])[0]["ciede2000"] == pytest.approx(direct["ciede2000"], abs=1e-3)
    plain = all_metrics(np.asarray(col.colorize(photo, vividness=0.0)), photo)
    assert abs(plain["ciede2000"] - direct["ciede2000"]) > 0.05

    crop = torch.from_numpy(np.ascontiguousarray(photo[100:164, 200:264])).permute(2, 0, 1)[None]
    bank = ImageBank(crop, torch.ones(1), ["crop"])
    trainer = Trainer(TrainConfig(out=str(tmp_path), arch="eccv16", width=0.125, crop=64, side=64, amp="fp32", steps=1), bank, bank)
    trainer.ema = col.generator  # the product's own network, so only the decoding path is compared
    validated = (trainer.predict_crops(crop.float() / 255)[0].permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)
    product = np.asarray(col.colorize(crop[0].permute(1, 2, 0).numpy(), size=64))
    assert np.abs(validated.astype(int) - product).mean() < 1.0


def test_paired_difference_is_the_mean_and_standard_error_of_photo_by_photo_differences():
    import math

    from colorizer.evaluate import paired_difference

    mean, se = paired_difference([11.0, 12.0, 14.0], [10.0, 10.0, 11.0])  # differences 1, 2, 3
    assert mean == 2.0 and se == pytest.approx(1 / math.sqrt(3))
    assert math.isnan(paired_difference([1.0], [0.0])[1])
