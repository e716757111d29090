"""Training data: image folders, the packed format, and augmentation on the device.

A *pack* is one safetensors file holding the original encoded bytes of many images (JPEG at
~5 KB for a 128-px photo), their per-image sampling weights and a JSON manifest. It travels well
(tens of MiB for ~10k images), is never unpickled, and is decoded once into a uint8 tensor that
lives on the training device, where random crops and flips are a single batched resample.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from tqdm import tqdm

from .color import downsample_ab, rebalance_weights, rgb_to_lab, smooth_prior
from .files import IMAGE_SUFFIXES, atomic_write

PAIRED_COLOR = ("color", "colour", "colorized", "rgb")
PAIRED_GRAY = ("black", "gray", "grey", "bw", "grayscale")


@dataclass
class ImageRecord:
    path: Path
    rel: str  # path relative to the root, with forward slashes: the manifest key
    group: str  # first-level folder under the root: the unit of sampling weights
    weight: float = 1.0  # sampling weight in training


def is_validation(rel: str, fraction: float) -> bool:
    """A stable, order-independent split: the hash of the relative path decides."""
    h = int.from_bytes(hashlib.sha1(rel.encode()).digest()[:4], "big")
    return h < fraction * 2**32


def scan_folder(root: str | Path) -> list[ImageRecord]:
    """Colour images under ``root``, recursively. In the Kaggle paired layout (colour and black
    folders side by side), only the colour side is used: the grey input is computed from it."""
    root = Path(root)
    records = []
    for p in sorted(root.rglob("*")):
        if p.suffix.lower() not in IMAGE_SUFFIXES or not p.is_file():
            continue
        parts = [s.lower() for s in p.relative_to(root).parts[:-1]]
        if any(s in PAIRED_GRAY for s in parts) and not any(s in PAIRED_COLOR for s in parts):
            continue
        rel = p.relative_to(root).as_posix()
        group = rel.split("/")[0] if "/" in rel else "."
        records.append(ImageRecord(p, rel, group))
    return records


def choose_subset(records: list[ImageRecord], group_weights: dict[str, float], max_images: int | None, seed: int) -> list[ImageRecord]:
    """Keep at most ``max_images`` and set sampling weights, so that group g's share of training
    samples is proportional to w_g * N_g (w_g from ``group_weights``, default 1; N_g its size).
    The subset takes that share of images from each group (seeded), capped at the group's size;
    a capped group's images are then drawn more often, so the mixture is kept either way."""
    groups: dict[str, list[ImageRecord]] = {}
    for r in records:
        groups.setdefault(r.group, []).append(r)
    total = sum(group_weights.get(g, 1.0) * len(rs) for g, rs in groups.items())
    budget = len(records) if max_images is None else max_images
    rng = np.random.default_rng(seed)
    chosen = []
    for g, rs in sorted(groups.items()):
        mass = group_weights.get(g, 1.0) * len(rs)
        n = min(len(rs), round(budget * mass / total)) if max_images is not None else len(rs)
        if mass <= 0 or n == 0:
            continue
        for i in sorted(rng.permutation(len(rs))[:n]):
            chosen.append(ImageRecord(rs[i].path, rs[i].rel, g, mass / n))
    return chosen


def write_pack(records: list[ImageRecord], path: str | Path, group_weights: dict[str, float], info: dict) -> int:
    """Check that each image decodes, then write the pack; returns the number of images kept."""
    blobs, kept = [], []
    for r in tqdm(records, desc=f"packing {Path(path).name}", unit="img"):
        data = r.path.read_bytes()
        try:
            with Image.open(io.BytesIO(data)) as im:
                im.load()
        except Exception as e:  # any decoder failure: skip the file, keep packing
            warnings.warn(f"skipping {r.path}: {e}", stacklevel=2)
            continue
        blobs.append(np.frombuffer(data, dtype=np.uint8))
        kept.append(r)
    if not kept:
        raise ValueError(f"no decodable images for {path}")
    counts: dict[str, int] = {}
    for r in kept:
        counts[r.group] = counts.get(r.group, 0) + 1
    weights = [r.weight for r in kept]
    offsets = np.cumsum([0] + [len(b) for b in blobs])
    manifest = {"files": [r.rel for r in kept], "groups": counts, "group_weights": group_weights, **info}
    tensors = {
        "data": torch.from_numpy(np.concatenate(blobs)),
        "offsets": torch.from_numpy(offsets.astype(np.int64)),
        "weights": torch.tensor(weights, dtype=torch.float32),
    }
    atomic_write(path, lambda p: save_file(tensors, str(p), metadata={"manifest": json.dumps(manifest)}))
    return len(kept)


def shard_records(records: list[ImageRecord], max_mib: float) -> list[list[ImageRecord]]:
    """Split records into interleaved shards of at most ~``max_mib`` of encoded bytes each.

    Interleaving keeps every group's share in every shard, so any one shard is a fair sample.
    Used to ship a pack to a machine that only receives so many MiB per transfer.
    """
    total = sum(r.path.stat().st_size for r in records)
    n = max(1, math.ceil(total / (max_mib * 2**20)))
    return [records[i::n] for i in range(n)]


SHARD_GLOB = "train-*-of-*.pack"


def shard_name(i: int, n: int) -> str:
    return "train.pack" if n == 1 else f"train-{i + 1:05d}-of-{n:05d}.pack"


def train_packs(folder: str | Path) -> list[Path]:
    """The training pack(s) in a folder made by ``train.pack``: train.pack, or its shards.

    Missing shards are reported, not fatal: a run trains on the shards that arrived.
    """
    folder = Path(folder)
    if (folder / "train.pack").is_file():
        return [folder / "train.pack"]
    shards = sorted(folder.glob(SHARD_GLOB))
    if shards:
        n = int(shards[0].stem.rsplit("-", 1)[1])
        if len(shards) < n:
            warnings.warn(f"{folder}: only {len(shards)} of {n} training shards present; training on those", stacklevel=2)
    return shards


def decode_square(data: bytes, side: int) -> np.ndarray | None:
    """Encoded image -> RGB uint8 (side, side, 3): short side resized to ``side``, centre crop."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            im = im.convert("RGB")
            w, h = im.size
            s = side / min(w, h)
            im = im.resize((max(side, round(w * s)), max(side, round(h * s))), Image.BICUBIC)
            w, h = im.size
            left, top = (w - side) // 2, (h - side) // 2
            return np.asarray(im.crop((left, top, left + side, top + side)))
    except Exception as e:  # a bad file never ends a run
        warnings.warn(f"skipping an undecodable image: {e}", stacklevel=2)
        return None


class ImageBank:
    """Decoded training images as one uint8 tensor (N, 3, side, side) plus sampling weights."""

    def __init__(self, images: torch.Tensor, weights: torch.Tensor, names: list[str]):
        self.images, self.weights, self.names = images, weights, names

    def __len__(self) -> int:
        return self.images.shape[0]

    @classmethod
    def from_pack(cls, path: str | Path, side: int = 128, limit: int | None = None) -> ImageBank:
        blobs = pack_blobs(path)[:limit]
        weights = load_file(str(path))["weights"][: len(blobs)]
        return cls._decode(blobs, weights, pack_manifest(path)["files"][: len(blobs)], side)

    @classmethod
    def from_packs(cls, paths: list[str | Path], side: int = 128) -> ImageBank:
        """Several packs (the shards of one) as one bank."""
        banks = [cls.from_pack(p, side) for p in paths]
        return cls(torch.cat([b.images for b in banks]), torch.cat([b.weights for b in banks]), sum((b.names for b in banks), []))

    @classmethod
    def from_records(cls, records: list[ImageRecord], side: int = 128) -> ImageBank:
        w = torch.tensor([r.weight for r in records])
        return cls._decode([r.path.read_bytes() for r in records], w, [r.rel for r in records], side)

    @classmethod
    def _decode(cls, blobs: list[bytes], weights: torch.Tensor, names: list[str], side: int) -> ImageBank:
        arrays, keep = [], []
        for i, b in enumerate(tqdm(blobs, desc="decoding", unit="img", leave=False, disable=len(blobs) < 500)):
            a = decode_square(b, side)
            if a is not None:
                arrays.append(a)
                keep.append(i)
        if not arrays:
            raise ValueError("no decodable images")
        images = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()
        return cls(images, weights[keep].float(), [names[i] for i in keep])

    def to(self, device: torch.device) -> ImageBank:
        return ImageBank(self.images.to(device), self.weights.to(device), self.names)


def pack_blobs(path: str | Path) -> list[bytes]:
    """The encoded images stored in a pack, in order."""
    t = load_file(str(path))
    data, offsets = t["data"].numpy(), t["offsets"].numpy()
    return [data[offsets[i] : offsets[i + 1]].tobytes() for i in range(len(offsets) - 1)]


def pack_manifest(path: str | Path) -> dict:
    with safe_open(str(path), "pt") as f:
        return json.loads(f.metadata()["manifest"])


def random_crops(images: torch.Tensor, size: int, u: torch.Tensor, scale: tuple[float, float] = (0.5, 1.0)) -> torch.Tensor:
    """Random-resized crops with horizontal flips of uint8 (B, 3, S, S) -> float RGB (B, 3, size, size).

    ``u`` (B, 5) holds uniform numbers that decide each crop (area, aspect, position, flip), drawn
    by the caller from its seeded generator so that a resumed run sees the same crops; the
    resampling itself is one ``grid_sample`` on the images' device.
    """
    B = images.shape[0]
    area = scale[0] + (scale[1] - scale[0]) * u[:, 0]
    log_ratio = (u[:, 1] - 0.5) * 2 * 0.2877  # aspect ratio in [3/4, 4/3]
    sx = (area * log_ratio.exp()).sqrt().clamp(max=1)
    sy = (area / log_ratio.exp()).sqrt().clamp(max=1)
    flip = torch.where(u[:, 4] < 0.5, -1.0, 1.0)
    theta = torch.zeros(B, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2] = sx * flip, (1 - sx) * (2 * u[:, 2] - 1)
    theta[:, 1, 1], theta[:, 1, 2] = sy, (1 - sy) * (2 * u[:, 3] - 1)
    grid = F.affine_grid(theta.to(images.device), [B, 3, size, size], align_corners=False)
    x = images.float() / 255
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False).clamp(0, 1)


def center_crops(images: torch.Tensor, size: int) -> torch.Tensor:
    """Deterministic evaluation view: the centre ``size`` square, float RGB in [0, 1]."""
    S = images.shape[-1]
    o = (S - size) // 2
    return images[..., o : o + size, o : o + size].float() / 255


def class_weights_for(bank: ImageBank, centres: torch.Tensor, lam: float, stride: int = 4, n: int = 1000) -> torch.Tensor:
    """Rebalancing weights from the bin frequencies of (up to n) training images' ab at the output stride."""
    counts = torch.zeros(centres.shape[0])
    for i in range(0, min(n, len(bank)), 100):
        x = center_crops(bank.images[i : min(n, i + 100)].cpu(), bank.images.shape[-1])
        pts = downsample_ab(rgb_to_lab(x)[:, 1:], stride).permute(0, 2, 3, 1).reshape(-1, 2)
        counts += torch.bincount(torch.cdist(pts, centres).argmin(dim=1), minlength=centres.shape[0]).float()
    return rebalance_weights(smooth_prior(counts, centres), lam)
