"""Hints as the network's input (v6): the map, the training samples, the generator and its use."""

import json

import numpy as np
import pytest
import torch

from colorizer import Colorizer
from colorizer.color import AB_SCALE, ab_gamut
from colorizer.hint_map import CLICK_PATCH, hint_cells, hint_map, sample_hints
from colorizer.hint_spread import spread_hints
from colorizer.models import GENERATORS, GeneratorConfig, build_generator
from colorizer.trainer import Trainer

from .helpers import synthetic_bank, tiny_config

HINT_ARCHS = sorted(name for name, cls in GENERATORS.items() if cls.takes_hints)


def hint_generator(arch: str, width: float = 0.25):
    torch.manual_seed(0)
    return build_generator(GeneratorConfig(arch=arch, width=width, num_bins=len(ab_gamut()), size=64), ab_gamut()).eval()


def test_the_hint_generators_are_registered():
    assert HINT_ARCHS == ["unet_lite0_hints", "unet_lite2_hints"]


@pytest.mark.parametrize("arch", HINT_ARCHS)
def test_with_no_hints_it_is_the_automatic_network_even_after_training(arch):
    g = hint_generator(arch)
    L = torch.rand(2, 1, 64, 96) * 100
    automatic = g(L)
    assert torch.equal(automatic, g(L, torch.zeros(2, 3, 64, 96)))  # a zero map adds exactly zero
    with torch.no_grad():  # as if trained: every hint weight non-zero
        for p in g.hints.parameters():
            p.normal_(0, 0.5)
    assert torch.equal(automatic, g(L, torch.zeros(2, 3, 64, 96)))
    hints = torch.zeros(2, 3, 64, 96)
    hints[:, :, 30:33, 40:43] = torch.tensor([0.5, -0.3, 1.0]).view(1, 3, 1, 1)
    changed = (g(L, hints) - automatic).abs().amax(1)
    assert changed.max() > 0 and torch.all(changed[:, 7, 10] > changed[:, 0, 0])  # most near the hint (stride 4: 40/4, 30/4)


def test_a_click_becomes_a_small_patch_of_its_colour_at_the_working_size():
    L = torch.full((300, 400), 50.0)
    m = hint_map(L, [(200, 150, (200, 30, 30))], (60, 80))
    assert m.shape == (1, 3, 60, 80)
    assert m[0, 2].sum() == CLICK_PATCH**2 and m[0, 2, 30, 40] == 1  # (200, 150) of 400x300 -> (40, 30) of 80x60
    a, b = m[0, 0, 30, 40] * AB_SCALE, m[0, 1, 30, 40] * AB_SCALE
    assert a > 30 and b > 10  # red, at the pixel's own lightness
    assert torch.equal(hint_map(L, [], (60, 80)), torch.zeros(1, 3, 60, 80))
    with pytest.raises(ValueError, match="outside"):
        hint_map(L, [(400, 10, (0, 0, 0))], (60, 80))


def test_training_hints_are_seeded_half_none_and_patches_of_the_photos_own_colour():
    g = torch.Generator().manual_seed(0)
    ab = torch.randn(200, 2, 48, 48) * 30
    maps = sample_hints(ab, g)
    assert torch.equal(maps, sample_hints(ab, torch.Generator().manual_seed(0)))
    hinted = maps[:, 2].flatten(1).amax(1) > 0
    assert 0.35 < hinted.float().mean() < 0.65
    assert maps[:, 2].unique().tolist() == [0.0, 1.0]
    assert torch.all(maps[:, :2] * (1 - maps[:, 2:]) == 0)  # ab only where hinted
    one = sample_hints(ab[:1], torch.Generator().manual_seed(3), points=1)
    ys, xs = torch.nonzero(one[0, 2], as_tuple=True)
    patch = ab[0, :, ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    assert torch.allclose(one[0, :2, ys[0], xs[0]] * AB_SCALE, patch.mean((1, 2)), atol=1e-4)  # the patch's mean colour
    assert torch.all(sample_hints(ab, g, points=5)[:, 2].flatten(1).amax(1) == 1)


def test_the_product_gives_hints_to_a_network_that_takes_them_then_spreads_them(monkeypatch, photo):
    """With hint inputs, hints go into the network, then hint_spread.py carries them over their
    objects; without, the spread alone (over the automatic result)."""
    import colorizer.inference as inference

    spread = []
    carry = inference.spread_hints
    monkeypatch.setattr(inference, "spread_hints", lambda *a: spread.append(a) or carry(*a))
    grey = photo[:96, :128].mean(-1).astype(np.uint8)
    red = [(64, 48, (200, 30, 30))]
    network = Colorizer(hint_generator("unet_lite0_hints"), device="cpu")
    with torch.no_grad():
        for p in network.generator.hints.parameters():
            p.normal_(0, 0.5)
    plain = np.asarray(network.colorize(grey, size=64))
    hinted = np.asarray(network.colorize(grey, size=64, hints=red)).astype(int)
    assert len(spread) == 1
    _, features, ab_auto, ab_hinted, _ = spread[0]
    assert not torch.equal(ab_auto, ab_hinted)  # the network took the hint
    assert features.shape[-2:] == ab_auto.shape[-2:] == (16, 24)  # the automatic features, at the output's resolution
    assert hinted[48, 64, 0] > hinted[48, 64, 1] + 30 and not np.array_equal(plain, hinted)  # the hinted pixel is red
    assert len(network.colorize(grey, size=64, hints=red, n=2)) == 2 and len(spread) == 3  # each alternative spread
    batch = network.colorize_batch([grey, grey], size=64, hints=[red, None])
    assert np.array_equal(np.asarray(batch[0]).astype(int), hinted) and np.array_equal(np.asarray(batch[1]), plain)
    eccv16 = GeneratorConfig(arch="eccv16", width=0.125, num_bins=len(ab_gamut()), size=64)
    automatic = Colorizer(build_generator(eccv16, ab_gamut()).eval(), device="cpu")
    automatic.colorize(grey, size=64, hints=red)
    assert len(spread) == 5 and spread[-1][2] is spread[-1][3]  # no hint inputs: the automatic result, spread


def two_objects(h: int = 12, w: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    """Full-resolution L (4x the grid) of even tone, and features that say: left half one object, right half another."""
    L = torch.full((4 * h, 4 * w), 50.0)
    features = torch.zeros(8, h, w)
    features[0, :, : w // 2] = 1
    features[1, :, w // 2 :] = 1
    return L, features


def test_one_hint_fills_its_object_and_leaves_the_other_as_the_automatic_network_made_it():
    L, features = two_objects()
    auto = torch.zeros(2, 12, 16)
    hinted = auto + torch.tensor([5.0, 5.0]).view(2, 1, 1)  # the hint network tinted everything a little
    red = [(10.0, 20.0, (200, 30, 30))]  # on the left object
    out = spread_hints(L, features, auto, hinted, red)
    ((cy, cx, a, b),) = hint_cells(L, red, (12, 16))
    target = torch.tensor([a, b])
    assert torch.allclose(out[:, cy, cx], target, rtol=0.2)  # the hinted cell takes the hint's colour
    assert torch.all(out[:, cy, cx + 2] > 0.5 * target)  # and so does its object around it (RHO: about 2.4 cells here)
    assert out[:, :, 8:].abs().max() < 0.1  # the other object: the automatic result (to 0.1 ab), the hint network's tint gone
    assert torch.equal(spread_hints(L, features, auto, hinted, []), auto)  # no hints: the automatic result
    assert out[0, 5, 3] > out[0, 5, 7]  # and it fades with distance within the object


def test_many_hints_carry_their_own_colours_to_each_object():
    L, features = two_objects()
    auto = torch.zeros(2, 12, 16)
    red, blue = (200, 30, 30), (30, 30, 200)
    hints = [(x, y, red) for x, y in ((5.0, 5.0), (20.0, 40.0), (25.0, 10.0))]
    hints += [(x, y, blue) for x, y in ((40.0, 5.0), (60.0, 40.0), (50.0, 25.0))]
    out = spread_hints(L, features, auto, auto, hints)
    (_, _, *red_ab), (_, _, *blue_ab) = hint_cells(L, [hints[0], hints[-1]], (12, 16))  # at L 50: (63, 45) and (54, -78)
    assert torch.allclose(out[:, :, :8].mean((1, 2)), torch.tensor(red_ab), rtol=0.3)  # the left object red
    assert torch.allclose(out[:, :, 8:].mean((1, 2)), torch.tensor(blue_ab), rtol=0.3)  # the right one blue
    assert out[1, :, :8].min() > 0 > out[1, :, 8:].max()  # no pixel of the red object bluish (b < 0), none of the blue one reddish


def test_training_samples_hints_validates_with_them_and_resumes_exactly(tmp_path):
    recipe = dict(arch="unet_lite0_hints", encoder_init="random", crop=64, side=64, batch=4, val_every=2, val_images=4, l1_weight=0.0)
    straight = Trainer(tiny_config(tmp_path / "a", steps=4, **recipe), synthetic_bank(side=64), synthetic_bank(n=4, side=64))
    straight.fit()
    first = Trainer(tiny_config(tmp_path / "b", steps=2, **recipe), synthetic_bank(side=64), synthetic_bank(n=4, side=64))
    first.fit()
    resumed = Trainer(tiny_config(tmp_path / "b", steps=4, **recipe), synthetic_bank(side=64), synthetic_bank(n=4, side=64))
    resumed.load_checkpoint(tmp_path / "b" / "checkpoint.pt")
    resumed.fit()
    a, b = straight.G.state_dict(), resumed.G.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert any(p.abs().sum() > 0 for p in straight.G.hints.project.parameters())  # the hint branch learned something
    vals = [r["val"] for r in map(json.loads, (tmp_path / "a" / "log.jsonl").read_text().splitlines()) if "val" in r]
    assert vals and all("ciede2000_5_hints" in v for v in vals)
    assert json.loads((tmp_path / "a" / "final" / "generator.json").read_text())["arch"] == "unet_lite0_hints"


def test_training_only_the_hint_fusion_leaves_the_automatic_network_exactly_as_it_was(tmp_path):
    """--train-only hints: every other weight stays put, so with no hints the outputs are unchanged."""
    recipe = dict(arch="unet_lite0_hints", encoder_init="random", crop=64, side=64, batch=4, l1_weight=0.0, lr_g=1e-2)
    t = Trainer(tiny_config(tmp_path, steps=3, train_only="hints", no_hints=0.0, **recipe), synthetic_bank(side=64))
    before = {k: v.clone() for k, v in t.G.state_dict().items()}
    t.fit()
    after = t.G.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all(k.startswith("hints.") for k in changed), sorted(changed)[:5]
    with pytest.raises(ValueError, match="no such part"):
        Trainer(tiny_config(tmp_path / "x", steps=1, train_only="nothing", **recipe), synthetic_bank(side=64))


def test_the_hint_count_distribution_is_a_setting():
    ab = torch.rand(400, 2, 16, 16) - 0.5
    counts = {}
    for p in (1 / 8, 0.5):
        m = sample_hints(ab, torch.Generator().manual_seed(1), none_share=0.0, points_p=p)
        counts[p] = m[:, 2].flatten(1).amax(1)  # every image has some hint
        assert torch.all(counts[p] == 1)
    few = sample_hints(ab, torch.Generator().manual_seed(1), none_share=0.0, points_p=0.9)[:, 2].sum()
    many = sample_hints(ab, torch.Generator().manual_seed(1), none_share=0.0, points_p=0.05)[:, 2].sum()
    assert many > 3 * few  # fewer points (hinted pixels) as p grows
    assert sample_hints(ab, torch.Generator().manual_seed(1), none_share=1.0)[:, 2].sum() == 0
