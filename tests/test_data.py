import numpy as np
import pytest
import torch
from PIL import Image

from colorizer.data import (
    ImageBank,
    center_crops,
    choose_subset,
    is_validation,
    pack_manifest,
    random_crops,
    scan_folder,
    shard_name,
    shard_records,
    train_packs,
    write_pack,
)


@pytest.fixture
def folder(tmp_path, photo):
    root = tmp_path / "photos"
    for group, n in (("a", 6), ("b", 2)):
        (root / group).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(np.roll(photo, 40 * i, axis=1)[::3, ::3]).save(root / group / f"{i}.jpg")
    (root / "a" / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    # Kaggle paired layout: only the colour side is used
    (root / "kaggle" / "color").mkdir(parents=True)
    (root / "kaggle" / "black").mkdir(parents=True)
    Image.fromarray(photo[::4, ::4]).save(root / "kaggle" / "color" / "x.png")
    Image.fromarray(photo[::4, ::4]).convert("L").save(root / "kaggle" / "black" / "x.png")
    return root


def test_scan_and_paired_layout(folder):
    rels = [r.rel for r in scan_folder(folder)]
    assert "kaggle/color/x.png" in rels and "kaggle/black/x.png" not in rels
    assert len(rels) == 10


def test_split_is_stable():
    names = [f"g/{i}.jpg" for i in range(2000)]
    val = [n for n in names if is_validation(n, 0.05)]
    assert 50 < len(val) < 150
    assert val == [n for n in reversed(names) if is_validation(n, 0.05)][::-1]


def test_subset_keeps_the_weighted_mixture(folder):
    records = [r for r in scan_folder(folder) if r.group in ("a", "b")]
    chosen = choose_subset(records, {"a": 1.0, "b": 3.0}, max_images=4, seed=0)
    mass = {g: sum(r.weight for r in chosen if r.group == g) for g in ("a", "b")}
    assert np.isclose(mass["b"] / mass["a"], (3.0 * 2) / (1.0 * 7))
    assert len(chosen) <= 4


def test_pack_round_trip_skips_bad_files(folder, tmp_path):
    records = scan_folder(folder)
    with pytest.warns(UserWarning, match="broken"):
        n = write_pack(records, tmp_path / "t.pack", {}, {"split": "train"})
    assert n == 9
    manifest = pack_manifest(tmp_path / "t.pack")
    assert len(manifest["files"]) == 9 and "a/broken.jpg" not in manifest["files"]
    bank = ImageBank.from_pack(tmp_path / "t.pack", side=64)
    assert bank.images.shape == (9, 3, 64, 64) and bank.images.dtype == torch.uint8
    assert torch.all(bank.weights > 0)


def test_shards_split_a_pack_and_load_as_one(folder, tmp_path):
    records = [r for r in scan_folder(folder) if r.path.name != "broken.jpg"]
    total = sum(r.path.stat().st_size for r in records) / 2**20
    shards = shard_records(records, max_mib=total / 2.5)
    assert len(shards) == 3 and sorted(r.rel for sh in shards for r in sh) == sorted(r.rel for r in records)
    assert all({r.group for r in sh} >= {"a"} for sh in shards)  # interleaved: every shard samples the big group
    for i, sh in enumerate(shards):
        write_pack(sh, tmp_path / shard_name(i, 3), {}, {"split": "train"})
    paths = train_packs(tmp_path)
    assert [p.name for p in paths] == [f"train-0000{i}-of-00003.pack" for i in (1, 2, 3)]
    bank = ImageBank.from_packs(paths, side=32)
    whole = ImageBank.from_records([r for sh in shards for r in sh], side=32)
    assert bank.names == whole.names and torch.equal(bank.images, whole.images)
    paths[1].unlink()
    with pytest.warns(UserWarning, match="only 2 of 3"):
        assert len(train_packs(tmp_path)) == 2


def test_undecodable_image_in_a_folder_never_ends_a_run(folder):
    with pytest.warns(UserWarning, match="undecodable"):
        bank = ImageBank.from_records(scan_folder(folder), side=32)
    assert len(bank) == 9


def test_random_crops_are_seeded_and_flip():
    imgs = torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8)
    u = torch.rand(4, 5, generator=torch.Generator().manual_seed(1))
    a, b = random_crops(imgs, 16, u), random_crops(imgs, 16, u)
    assert a.shape == (4, 3, 16, 16) and torch.equal(a, b)
    full = torch.tensor([[1.0, 0.5, 0.5, 0.5, 0.9], [1.0, 0.5, 0.5, 0.5, 0.1]])  # whole image, flip off/on
    x = random_crops(imgs[:1].expand(2, -1, -1, -1), 32, full)
    assert torch.allclose(x[0], imgs[0].float() / 255, atol=1e-5)
    assert torch.allclose(x[1], imgs[0].float().flip(-1) / 255, atol=1e-5)
    assert center_crops(imgs, 16).shape == (4, 3, 16, 16)
