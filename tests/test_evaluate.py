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
