"""Saving and loading networks: safetensors shards + a JSON config; official ECCV16 .pth; the Hub.

Nothing here unpickles: our weights are safetensors, and the official PyTorch release is read
with ``torch.load(weights_only=True)``, which only rebuilds tensors.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .files import atomic_write
from .models import Discriminator, Generator, GeneratorConfig, build_generator

REPO_WEIGHTS = Path(__file__).resolve().parent.parent / "weights"  # a checkout of the repository
PACKAGED_WEIGHTS = Path(__file__).resolve().parent / "shipped_weights"  # the same files in an installed wheel
MAX_SHARD_BYTES = 16 * 1024 * 1024


class WeightsNotFoundError(FileNotFoundError):
    """No generator weights could be found; the message says every place that was tried."""


def save_state(
    state: dict[str, torch.Tensor],
    folder: str | Path,
    name: str,
    config: dict,
    dtype: torch.dtype | None = torch.bfloat16,
    max_shard_bytes: int = MAX_SHARD_BYTES,
) -> list[Path]:
    """Write ``{name}.json`` and ``{name}-0000i-of-0000n.safetensors`` shards (each <= the cap)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shards: list[dict[str, torch.Tensor]] = [{}]
    size = 0
    for key, t in state.items():
        t = t.detach().cpu()
        if dtype is not None and t.is_floating_point():
            t = t.to(dtype)
        t = t.contiguous()
        nbytes = t.numel() * t.element_size()
        if shards[-1] and size + nbytes > max_shard_bytes:
            shards.append({})
            size = 0
        shards[-1][key] = t
        size += nbytes
    for old in folder.glob(f"{name}-*-of-*.safetensors"):
        old.unlink()
    paths = []
    for i, shard in enumerate(shards, 1):
        path = folder / f"{name}-{i:05d}-of-{len(shards):05d}.safetensors"
        atomic_write(path, lambda p, s=shard: save_file(s, str(p), metadata={"format": "pt"}))
        paths.append(path)
    return [write_config(folder, name, config), *paths]


def write_config(folder: str | Path, name: str, config: dict) -> Path:
    """Write ``{name}.json`` atomically (after calibration, say: the tensors stay as they are)."""
    path = Path(folder) / f"{name}.json"
    atomic_write(path, lambda p: p.write_text(json.dumps(config, indent=2) + "\n"))
    return path


def load_state(folder: str | Path, name: str) -> tuple[dict[str, torch.Tensor], dict]:
    folder = Path(folder)
    cfg = folder / f"{name}.json"
    shards = sorted(folder.glob(f"{name}-*-of-*.safetensors"))
    if not cfg.is_file() or not shards:
        raise WeightsNotFoundError(f"no {name}.json and {name}-*.safetensors in {folder}")
    state: dict[str, torch.Tensor] = {}
    for shard in shards:
        state.update(load_file(str(shard)))
    return state, json.loads(cfg.read_text())


def save_generator(model: Generator, folder: str | Path, dtype: torch.dtype | None = torch.bfloat16) -> list[Path]:
    return save_state(model.state_dict(), folder, "generator", model.config.to_dict(), dtype)


def save_discriminator(model: Discriminator, folder: str | Path, dtype: torch.dtype | None = torch.bfloat16) -> list[Path]:
    return save_state(model.state_dict(), folder, "discriminator", {"channels": model.channels}, dtype)


def _load_into(model: torch.nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Strict load that tolerates absent BatchNorm counters (older releases omit them)."""
    own = model.state_dict()
    for key, value in own.items():
        if key.endswith("num_batches_tracked") and key not in state:
            state[key] = value
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()}, strict=True)


def load_generator(folder: str | Path) -> Generator:
    state, cfg = load_state(folder, "generator")
    model = build_generator(GeneratorConfig.from_dict(cfg))
    _load_into(model, state)
    return model.eval()


def load_discriminator(folder: str | Path) -> Discriminator:
    state, cfg = load_state(folder, "discriminator")
    model = Discriminator(**cfg)
    _load_into(model, state)
    return model.eval()


def load_official_eccv16(path: str | Path) -> Generator:
    """The released ``colorization_release_v2-9b330a0b.pth`` (or any file with its keys)."""
    state = torch.load(str(path), map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or "model_out.weight" not in state:
        raise ValueError(f"{path} is not an ECCV16 state dict (no 'model_out.weight')")
    num_bins = state["model_out.weight"].shape[1]
    config = GeneratorConfig(num_bins=num_bins, width=1.0, temperature=1.0, size=256, arch="eccv16", extra={"source": "official ECCV16"})
    model = build_generator(config)
    _load_into(model, dict(state))
    return model.eval()


def resolve_weights(path: str | Path | None = None) -> Path:
    """Where the generator comes from: the argument, $COLORIZER_WEIGHTS, the shipped weights
    (``weights/`` in a checkout, ``colorizer/shipped_weights`` in an installed package), then the Hub.

    An explicit choice (the argument or the variable) wins over what ships, and one that names a
    missing path is an error rather than a silent fall back to other weights. The Hub is asked only
    when $COLORIZER_HF_REPO names a repository; ``HF_HUB_OFFLINE=1`` makes that a cache look-up.
    Raises WeightsNotFoundError naming every place tried.
    """
    for chosen, what in ((path, "weights"), (os.environ.get("COLORIZER_WEIGHTS") or None, "$COLORIZER_WEIGHTS")):
        if chosen is not None:
            p = Path(chosen)
            if not p.exists():
                raise WeightsNotFoundError(f"{what} not found: {p}")
            return p
    tried = ["$COLORIZER_WEIGHTS (not set)"]
    for shipped in (REPO_WEIGHTS, PACKAGED_WEIGHTS):
        if (shipped / "generator.json").is_file():
            return shipped
        tried.append(f"{shipped} (no generator.json)")
    repo = os.environ.get("COLORIZER_HF_REPO")
    if repo:
        try:
            from huggingface_hub import snapshot_download

            return Path(snapshot_download(repo_id=repo, allow_patterns=["generator*"]))
        except Exception as e:  # offline, unreachable, missing repo: all mean "not here"
            tried.append(f"Hugging Face repo {repo} ({type(e).__name__}: {e})")
    else:
        tried.append("$COLORIZER_HF_REPO (not set)")
    raise WeightsNotFoundError("no generator weights found; tried: " + "; ".join(tried))


def load_any_generator(path: str | Path) -> Generator:
    """A folder of ours, one of our .safetensors files (config beside it), or an official .pth."""
    p = Path(path)
    if p.is_dir():
        return load_generator(p)
    if p.suffix in {".pth", ".pt"}:
        return load_official_eccv16(p)
    if p.suffix == ".safetensors" or p.suffix == ".json":
        return load_generator(p.parent)
    raise ValueError(f"don't know how to load generator weights from {p}")
