import numpy as np
import pytest
import torch
from skimage.color import deltaE_ciede2000, lab2rgb, rgb2lab

from colorizer.color import (
    ab_gamut,
    gamut_map,
    in_gamut,
    lab_to_rgb,
    lab_to_rgb_mapped,
    rebalance_weights,
    rgb_to_l,
    rgb_to_lab,
    smooth_prior,
    soft_encode,
)
from colorizer.losses import rebalanced_cross_entropy


def to_t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))[None]


def from_t(t: torch.Tensor) -> np.ndarray:
    return t[0].permute(1, 2, 0).numpy()


@pytest.mark.parametrize("source", ["random", "photo"])
def test_lab_agrees_with_skimage(source, photo):
    rgb = np.random.default_rng(1).random((64, 64, 3)) if source == "random" else photo[::4, ::4] / 255.0
    ours = from_t(rgb_to_lab(to_t(rgb).float())).astype(np.float64)
    assert deltaE_ciede2000(rgb2lab(rgb), ours).mean() <= 0.5
    lab = rgb2lab(rgb)
    back = from_t(lab_to_rgb(to_t(lab).float())).astype(np.float64)
    assert deltaE_ciede2000(rgb2lab(lab2rgb(lab)), rgb2lab(back)).mean() <= 0.5


def test_round_trip_and_l_only_path(photo):
    rgb = to_t(photo[::4, ::4] / 255.0)
    lab = rgb_to_lab(rgb)
    assert torch.allclose(lab_to_rgb(lab), rgb, atol=1e-6)
    assert torch.allclose(rgb_to_l(rgb), lab[:, :1], atol=1e-6)


def test_gamut_map_keeps_l_and_hue_and_lands_in_gamut():
    g = torch.Generator().manual_seed(0)
    lab = torch.stack([torch.rand(32, 32, generator=g) * 100, torch.randn(32, 32, generator=g) * 80, torch.randn(32, 32, generator=g) * 80])
    assert not in_gamut(lab).all()  # the test must exercise the mapping
    mapped = gamut_map(lab.double())
    assert in_gamut(mapped).all()
    assert torch.allclose(mapped[0], lab[0].double())
    hue_in, hue_out = torch.atan2(lab[2], lab[1]), torch.atan2(mapped[2], mapped[1]).float()
    moved = mapped[1:].norm(dim=0) > 1
    assert torch.allclose(hue_in[moved], hue_out[moved], atol=1e-4)
    assert (mapped[1:].norm(dim=0) <= lab[1:].double().norm(dim=0) + 1e-9).all()  # chroma only drops
    rgb = lab_to_rgb_mapped(lab[None].double())
    assert torch.allclose(rgb_to_lab(rgb)[0, 0], lab[0].double(), atol=1e-3)  # L survives conversion


def test_clipping_rgb_would_change_l():
    lab = torch.tensor([60.0, 90.0, -90.0]).view(3, 1, 1)  # far out of gamut
    clipped_l = rgb_to_lab(lab_to_rgb(lab)[None])[0, 0]
    mapped_l = rgb_to_lab(lab_to_rgb_mapped(lab[None]))[0, 0]
    assert (clipped_l - 60).abs() > 1 and (mapped_l - 60).abs() < 0.01


def test_gamut_bins():
    c = ab_gamut()
    assert 200 < len(c) < 313
    assert torch.all(c % 10 == 0)
    assert (c == 0).all(dim=1).any()  # grey is a bin


def test_soft_encode_uses_five_nearest_bins():
    c = ab_gamut()
    ab = torch.tensor([[[[3.0]], [[-6.0]]]])  # (at -7 the 5th and 6th nearest would tie)
    idx, w = soft_encode(ab, c)
    assert idx.shape == w.shape == (1, 5, 1, 1)
    assert torch.isclose(w.sum(), torch.tensor(1.0))
    assert (w > 0).all() and len(set(idx.flatten().tolist())) == 5
    d2 = ((c - torch.tensor([3.0, -6.0])) ** 2).sum(1)
    assert set(idx.flatten().tolist()) == set(d2.argsort()[:5].tolist())
    assert idx[0, 0, 0, 0] == d2.argmin() and w[0, 0] == w.max()  # nearest first, heaviest


def test_soft_encode_finds_exactly_the_nearest_bins_anywhere_in_the_plane():
    """The candidate table (nearest_candidates) never misses a bin that a search over all would find:
    random points over the whole table, points on cell corners (ties) and far outside the gamut."""
    g = torch.Generator().manual_seed(0)
    c = ab_gamut()
    pts = torch.cat([torch.rand(20000, 2, generator=g) * 255.9 - 127.95, torch.randint(-127, 128, (2000, 2), generator=g).float()])
    idx, w = soft_encode(pts.T.reshape(1, 2, -1, 1), c)
    idx, w = idx[0, :, :, 0].T, w[0, :, :, 0].T
    chosen = ((c[idx] - pts[:, None]) ** 2).sum(-1)
    best = ((pts[:, None] - c) ** 2).sum(-1).topk(5, dim=1, largest=False).values
    assert torch.allclose(chosen, best, atol=1e-3)  # the same distances, nearest first (ties may swap equal bins)
    assert torch.allclose(w.sum(1), torch.ones(len(pts)))


def test_rebalancing_weights_favor_rare_colors():
    c = ab_gamut()
    counts = torch.ones(len(c))
    counts[(c == 0).all(dim=1)] = 1000  # grey dominates, as in photos
    prior = smooth_prior(counts, c)
    w = rebalance_weights(prior, 0.5)
    assert torch.isclose((prior * w).sum(), torch.tensor(1.0), atol=1e-5)
    assert w[(c == 0).all(dim=1)].item() < w.median().item()


def test_color_maths_is_differentiable():
    lab = torch.tensor([[[[50.0]], [[20.0]], [[-30.0]]]], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: lab_to_rgb(x), (lab,))
    rgb = torch.rand(1, 3, 2, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(rgb_to_lab, (rgb,))


def test_sparse_cross_entropy_equals_the_dense_formula():
    """-sum_q z_q log p_q with the dense target, weighted by w[argmax z], as ECCV16 writes it."""
    g = torch.Generator().manual_seed(0)
    c = ab_gamut()
    ab = torch.rand(2, 2, 4, 4, generator=g) * 160 - 80
    logits = torch.randn(2, len(c), 4, 4, generator=g)
    class_weights = torch.rand(len(c), generator=g) + 0.5
    idx, w = soft_encode(ab, c)
    z = torch.zeros_like(logits).scatter_(1, idx, w)
    dense = -(z * torch.log_softmax(logits, 1)).sum(1)
    expected = (class_weights[z.argmax(1)] * dense).mean()
    assert torch.allclose(rebalanced_cross_entropy(logits, idx, w, class_weights), expected, atol=1e-5)
