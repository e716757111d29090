"""The vividness control: a scale from cautious to bold that moves colourfulness, default unchanged."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from colorizer import Colorizer
from colorizer.metrics import colorfulness
from colorizer.models import GeneratorConfig
from colorizer.vividness import Decoding, decoding_for, default_vividness, frontier

from .conftest import REPO, SHARED

POINTS = [  # as train.calibrate writes them, in no particular order
    {"bias_scale": 0.0, "temperature": 0.5, "colorfulness": 0.9, "ciede2000": 9.0},
    {"bias_scale": 2.0, "temperature": 1.0, "colorfulness": 0.3, "ciede2000": 9.5},
    {"bias_scale": 1.0, "temperature": 1.0, "colorfulness": 0.5, "ciede2000": 8.0},
]


def test_points_sit_at_their_colourfulness_and_the_knobs_interpolate_between():
    cfg = GeneratorConfig(num_bins=313, temperature=1.0, logit_bias=[0.0] * 313, frontier=POINTS)
    assert [p["vividness"] for p in frontier(cfg)] == [0.0, pytest.approx(1 / 3), 1.0]
    assert default_vividness(cfg) == pytest.approx(1 / 3)
    assert decoding_for(cfg, 0.0) == Decoding(1.0, 2.0, 0.0)
    assert decoding_for(cfg, 1.0) == Decoding(0.5, 0.0, 1.0)
    mid = decoding_for(cfg, 2 / 3)  # halfway between the default and the boldest point
    assert mid.temperature == pytest.approx(0.75) and mid.bias_scale == pytest.approx(0.5)
    assert decoding_for(cfg) == Decoding(1.0, 1.0, default_vividness(cfg))  # no vividness: the weights' own
    assert decoding_for(cfg, temperature=0.6) == Decoding(0.6)  # an expert's temperature, the default correction
    with pytest.raises(ValueError, match="not both"):
        decoding_for(cfg, 0.5, 0.6)


def test_fallbacks_for_weights_without_a_frontier():
    official = GeneratorConfig(num_bins=313, temperature=0.38)  # no correction: the temperature alone
    assert [(p["bias_scale"], p["temperature"]) for p in frontier(official)] == [(1.0, 1.0), (1.0, 0.38), (1.0, 0.19)]
    assert default_vividness(official) == 0.5
    corrected = GeneratorConfig(num_bins=313, temperature=1.0, logit_bias=[0.0] * 313)
    assert [(p["bias_scale"], p["temperature"]) for p in frontier(corrected)] == [(2.0, 1.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.5)]
    assert decoding_for(corrected, 1 / 3) == Decoding(1.0, 1.0, 1 / 3)


@pytest.fixture(scope="module")
def shipped() -> Colorizer:
    if not (REPO / "weights" / "generator.json").is_file():
        pytest.skip("no shipped weights")
    return Colorizer.from_pretrained(REPO / "weights", device="cpu")


def photos() -> tuple[list[np.ndarray], bool]:
    """Kodak24 where ../shared is there, else the colour photos bundled with scikit-image; and which."""
    kodak = SHARED / "bench" / "kodak24"
    if kodak.is_dir():
        return [np.asarray(Image.open(p).convert("RGB")) for p in sorted(kodak.iterdir())], True
    from skimage import data

    return [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()], False


def test_the_default_is_the_calibrated_place_and_decodes_by_hand(shipped):
    """The shipped default is its calibrated vividness (0.7x on the general photos), and its pixels
    are gain x the annealed mean of softmax((logits + correction x bias) / T), computed here by hand."""
    from skimage import data

    photo = data.astronaut()[::2, ::2]
    d = shipped.decoding()
    assert d.vividness == shipped.config.vividness == default_vividness(shipped.config) is not None
    assert shipped.config.extra["calibration"]["target"] == 0.7 and d.smooth == 0
    L = shipped.read(photo)[0]
    logits = shipped.photo_logits(L).float() + d.bias_scale * torch.tensor(shipped.config.logit_bias).view(1, -1, 1, 1)
    p = torch.softmax(logits / d.temperature, dim=1)
    ab = d.gain * F.conv2d(p, shipped.generator.model_out.weight.float()) * shipped.config.ab_scale
    by_hand = np.asarray(shipped.render(L, ab[0]))
    assert np.array_equal(np.asarray(shipped.colorize(photo)), by_hand)
    assert np.array_equal(np.asarray(shipped.colorize(photo, vividness=d.vividness)), by_hand)
    assert not np.array_equal(np.asarray(shipped.colorize(photo, vividness=min(1.0, d.vividness + 0.2))), by_hand)


@pytest.mark.slow
def test_colourfulness_rises_along_the_scale_and_spans_cautious_to_bold(shipped):
    refs, kodak = photos()
    gt = np.mean([colorfulness(r) for r in refs])
    logits = [(shipped.read(r)[0], shipped.photo_logits(shipped.read(r)[0])) for r in refs]
    ratios = []
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        d = shipped.decoding(v)
        ratios.append(np.mean([colorfulness(np.asarray(shipped.render(L, shipped.decode(lg, d)[0]))) for L, lg in logits]) / gt)
    print("colourfulness along the scale:", [round(r, 3) for r in ratios])
    assert all(a < b for a, b in zip(ratios, ratios[1:])), ratios
    if kodak:  # the span the scale promises, up to about the photos' own (v6 measured 0.23x to 0.89x)
        assert ratios[0] <= 0.45 and ratios[-1] >= 0.8, ratios
    else:  # four photos with large neutral areas (coffee, rocket): 0.10x to 0.74x
        assert ratios[-1] >= 3 * ratios[0], ratios
