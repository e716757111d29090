"""The weights in weights/: they load, follow the product rule, and travel inside the wheel."""

import numpy as np
import pytest

from colorizer import Colorizer
from colorizer.weights import REPO_WEIGHTS


@pytest.fixture(scope="module")
def shipped() -> Colorizer:
    if not (REPO_WEIGHTS / "generator.json").is_file():
        pytest.fail("weights/ holds no generator: the product ships one")
    return Colorizer.from_pretrained(device="cpu")


def test_both_shipped_generators_load_and_default_to_the_product_rule(shipped):
    """v6 (the default), v4 and v5 beside it place their default where general photos reach 0.7x
    their colourfulness. Whether they colourise well is the gate's question (python -m train.gate)."""
    beside = [Colorizer.from_pretrained(REPO_WEIGHTS / name, device="cpu") for name in ("unet_lite0_v4", "unet_lite0_v5")]
    for col in (*beside, shipped):
        assert col.config.extra["calibration"]["target"] == 0.7 and col.decoding().vividness == col.config.vividness
        assert col.colorize(np.zeros((40, 60), np.uint8)).size == (60, 40)


@pytest.mark.slow
def test_an_installed_wheel_finds_its_weights(tmp_path):
    """pip install . puts the generator inside the package: it loads from any working directory."""
    import shutil
    import subprocess
    import sys
    import zipfile

    from .conftest import REPO

    src = tmp_path / "src"  # built from a copy: the checkout gets no build/ folder
    src.mkdir()
    for item in ("pyproject.toml", "README.md", "colorizer", "train", "weights"):
        (shutil.copytree if (REPO / item).is_dir() else shutil.copy)(REPO / item, src / item)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", str(src), "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist")], check=True, timeout=300)
    wheel = next((tmp_path / "dist").glob("colorizer-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "colorizer/shipped_weights/generator.json" in names
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    requires = {line.split(": ", 1)[1] for line in metadata.splitlines() if line.startswith("Requires-Dist: ")}
    assert {"torch==2.14.1", "numpy>=1.26", "safetensors>=0.4"} <= requires  # pip install . brings what import needs
    assert 'ray[data]>=2.50; extra == "ray"' in requires and 'gradio==6.31.0; extra == "app"' in requires
    assert any(n.startswith("colorizer/shipped_weights/generator-") and n.endswith(".safetensors") for n in names)
    subprocess.run([*pip, "install", str(wheel), "--no-deps", "--target", str(tmp_path / "site")], check=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import numpy as np; from colorizer import Colorizer; "
        "print(Colorizer.from_pretrained(device='cpu').colorize(np.zeros((40, 60), 'uint8')).size)"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path / "site"), "HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split()[-2:] == ["(60,", "40)"]
