import json

import pytest
import torch

from colorizer import Colorizer
from colorizer.models import Discriminator, GeneratorConfig, build_generator
from colorizer.weights import (
    WeightsNotFoundError,
    load_discriminator,
    load_generator,
    load_official_eccv16,
    resolve_weights,
    save_discriminator,
    save_generator,
    save_state,
)

# The released colorization_release_v2-9b330a0b.pth, as listed by richzhang/colorization:
# (key prefix, weight shape) for every conv, and BatchNorm at the end of blocks 1-7.
OFFICIAL_CONVS = {
    "model1.0": (64, 1, 3, 3), "model1.2": (64, 64, 3, 3),
    "model2.0": (128, 64, 3, 3), "model2.2": (128, 128, 3, 3),
    "model3.0": (256, 128, 3, 3), "model3.2": (256, 256, 3, 3), "model3.4": (256, 256, 3, 3),
    "model4.0": (512, 256, 3, 3), "model4.2": (512, 512, 3, 3), "model4.4": (512, 512, 3, 3),
    "model5.0": (512, 512, 3, 3), "model5.2": (512, 512, 3, 3), "model5.4": (512, 512, 3, 3),
    "model6.0": (512, 512, 3, 3), "model6.2": (512, 512, 3, 3), "model6.4": (512, 512, 3, 3),
    "model7.0": (512, 512, 3, 3), "model7.2": (512, 512, 3, 3), "model7.4": (512, 512, 3, 3),
    "model8.0": (512, 256, 4, 4), "model8.2": (256, 256, 3, 3), "model8.4": (256, 256, 3, 3),
    "model8.6": (313, 256, 1, 1),
}  # fmt: skip
OFFICIAL_BN = {"model1.4": 64, "model2.4": 128, "model3.6": 256, "model4.6": 512, "model5.6": 512, "model6.6": 512, "model7.6": 512}


def official_state_dict(seed: int = 0) -> dict[str, torch.Tensor]:
    """A state dict built from the release's key list and shapes, independently of our module."""
    g = torch.Generator().manual_seed(seed)
    sd = {}
    for k, shape in OFFICIAL_CONVS.items():
        sd[f"{k}.weight"] = torch.randn(shape, generator=g) * 0.02
        sd[f"{k}.bias"] = torch.zeros(shape[1] if k == "model8.0" else shape[0])
    for k, n in OFFICIAL_BN.items():
        sd.update(
            {
                f"{k}.weight": torch.ones(n),
                f"{k}.bias": torch.zeros(n),
                f"{k}.running_mean": torch.zeros(n),
                f"{k}.running_var": torch.ones(n),
            }
        )
    centres = torch.randn(313, 2, generator=g) * 40
    sd["model_out.weight"] = (centres.T / 110).reshape(2, 313, 1, 1)
    return sd


def test_width_one_matches_the_release_exactly():
    ours = build_generator(GeneratorConfig(arch="eccv16", width=1.0, num_bins=313)).state_dict()
    ref = official_state_dict()
    assert {k for k in ours if not k.endswith("num_batches_tracked")} == set(ref)
    assert all(ours[k].shape == v.shape for k, v in ref.items())
    assert sum(v.numel() for k, v in ours.items() if "running" not in k and "num_batches" not in k) == 32_236_011


def test_official_pth_loads_strictly_and_colorizes(tmp_path, photo):
    sd = official_state_dict()
    path = tmp_path / "colorization_release_v2-9b330a0b.pth"
    torch.save(sd, path)
    G = load_official_eccv16(path)
    assert G.config.num_bins == 313
    assert torch.allclose(G.centres, (sd["model_out.weight"][:, :, 0, 0].T * 110), atol=1e-4)
    out = Colorizer.from_pretrained(path).colorize(photo[:96, :128], size=64)
    assert out.size == (128, 96) and out.mode == "RGB"


def test_wrong_keys_are_refused(tmp_path):
    sd = official_state_dict()
    sd["model9.0.weight"] = torch.zeros(1)
    path = tmp_path / "bad.pth"
    torch.save(sd, path)
    with pytest.raises(RuntimeError, match="model9"):
        load_official_eccv16(path)


def test_save_load_round_trip_bf16_and_shards(tmp_path, tiny_generator):
    paths = save_generator(tiny_generator, tmp_path)
    assert all(p.suffix in (".json", ".safetensors") for p in paths)
    G = load_generator(tmp_path)
    for (k, a), b in zip(tiny_generator.state_dict().items(), G.state_dict().values()):
        assert torch.allclose(a.float(), b.float(), atol=0.02 * a.float().abs().max().item() + 1e-6), k
    assert G.config == tiny_generator.config
    # A small cap forces several shards, each under it, and loading joins them again.
    cap = 2 * max(t.numel() * 2 for t in tiny_generator.state_dict().values())
    shards = save_state(tiny_generator.state_dict(), tmp_path / "s", "generator", tiny_generator.config.to_dict(), max_shard_bytes=cap)
    files = [p for p in shards if p.suffix == ".safetensors"]
    assert len(files) > 3 and all(p.stat().st_size <= cap + 8192 for p in files)  # + header
    G2 = load_generator(tmp_path / "s")
    assert all(torch.equal(a, b) for a, b in zip(G.state_dict().values(), G2.state_dict().values()))


def test_discriminator_round_trip(tmp_path):
    D = Discriminator(16)
    save_discriminator(D, tmp_path)
    assert json.loads((tmp_path / "discriminator.json").read_text()) == {"channels": 16}
    assert load_discriminator(tmp_path).channels == 16
    logits = D(torch.rand(2, 1, 32, 32) * 100, torch.randn(2, 2, 32, 32) * 20)
    assert logits.shape == (2, 1, 4, 4)


def test_a_colder_temperature_decodes_towards_the_most_likely_bin(tiny_generator):
    """(Every generator's shapes: tests/test_models.py.)"""
    logits = tiny_generator(torch.rand(2, 1, 64, 96) * 100)
    assert tiny_generator.decode(logits, 0.38).shape == (2, 2, 64, 96)  # upsampled by the output stride
    hot, cold = tiny_generator.decode(logits, 1.0, upsample=False), tiny_generator.decode(logits, 0.1, upsample=False)
    mode = tiny_generator.centres[logits.argmax(1)].permute(0, 3, 1, 2)
    assert (cold - mode).norm() < (hot - mode).norm()


def test_resolve_weights_order(tmp_path, monkeypatch, tiny_generator):
    import colorizer.weights as W

    save_generator(tiny_generator, tmp_path / "shipped")
    save_generator(tiny_generator, tmp_path / "env")
    monkeypatch.setattr(W, "REPO_WEIGHTS", tmp_path / "shipped")
    monkeypatch.setattr(W, "PACKAGED_WEIGHTS", tmp_path / "none")
    monkeypatch.delenv("COLORIZER_WEIGHTS", raising=False)
    monkeypatch.delenv("COLORIZER_HF_REPO", raising=False)
    assert resolve_weights() == tmp_path / "shipped"
    monkeypatch.setenv("COLORIZER_WEIGHTS", str(tmp_path / "env"))
    assert resolve_weights() == tmp_path / "env"  # the variable wins over what ships
    assert resolve_weights(tmp_path / "shipped") == tmp_path / "shipped"  # and the argument over both
    monkeypatch.setenv("COLORIZER_WEIGHTS", str(tmp_path / "missing"))
    with pytest.raises(WeightsNotFoundError, match="COLORIZER_WEIGHTS not found"):
        resolve_weights()  # a typo is an error, not other weights
    monkeypatch.setenv("COLORIZER_WEIGHTS", "")
    monkeypatch.setattr(W, "REPO_WEIGHTS", tmp_path / "none")
    with pytest.raises(WeightsNotFoundError, match="COLORIZER_WEIGHTS"):
        resolve_weights()
    monkeypatch.setenv("COLORIZER_HF_REPO", "nobody/no-such-repo")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(WeightsNotFoundError, match="no-such-repo"):
        resolve_weights()


def test_logit_bias_from_config_steers_decoding(tmp_path, tiny_generator):
    logits = tiny_generator(torch.rand(1, 1, 32, 32) * 100)
    target = 17
    bias = [0.0] * tiny_generator.config.num_bins
    bias[target] = 100.0
    tiny_generator.config.logit_bias = bias
    save_generator(tiny_generator, tmp_path)
    G = load_generator(tmp_path)
    ab = G.decode(logits, 1.0, upsample=False)
    assert torch.allclose(ab, G.centres[target].view(1, 2, 1, 1).expand_as(ab), atol=0.5)
