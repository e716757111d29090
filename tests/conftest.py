"""Shared fixtures: tiny seeded models, small images, and the reference data beside the repo."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from colorizer.color import ab_gamut
from colorizer.models import Generator, GeneratorConfig, build_generator

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("COLORIZER_SHARED_DATA", REPO.parent / "shared" / "data"))


def shared(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test cleanly where it is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"reference data not present: {p}")
    return p


def pytest_collection_modifyitems(items):
    """Every test that starts the app's server is slow (a process start, then real requests)."""
    for item in items:
        if "server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    np.random.seed(0)


@pytest.fixture
def tiny_generator() -> Generator:
    """A width-0.125 generator with the computed gamut: fast, random, deterministic."""
    torch.manual_seed(0)
    return build_generator(GeneratorConfig(arch="eccv16", width=0.125, num_bins=len(ab_gamut()), size=64), ab_gamut()).eval()


@pytest.fixture
def photo() -> np.ndarray:
    """A real colour photograph bundled with scikit-image (CC0), RGB uint8."""
    from skimage import data

    return data.astronaut()
