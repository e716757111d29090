"""The weights in weights/ colourise real photos better than leaving them grey."""

import numpy as np
import pytest
from PIL import Image

from colorizer import Colorizer
from colorizer.images import list_images
from colorizer.metrics import ciede2000, colorfulness, gray_baseline
from colorizer.weights import REPO_WEIGHTS

from .conftest import shared


@pytest.fixture(scope="module")
def shipped() -> Colorizer:
    if not (REPO_WEIGHTS / "generator.json").is_file():
        pytest.fail("weights/ holds no generator: the product ships one")
    return Colorizer.from_pretrained(device="cpu")


def score(col: Colorizer, refs: list[np.ndarray]) -> tuple[float, float, float, float]:
    """Mean CIEDE2000 of ours and of grey; mean colourfulness of ours and of the references."""
    outs = [np.asarray(col.colorize(Image.fromarray(r).convert("L"))) for r in refs]
    return (
        float(np.mean([ciede2000(o, r) for o, r in zip(outs, refs)])),
        float(np.mean([ciede2000(gray_baseline(r), r) for r in refs])),
        float(np.mean([colorfulness(o) for o in outs])),
        float(np.mean([colorfulness(r) for r in refs])),
    )


@pytest.fixture(scope="module")
def scikit_photos() -> list[np.ndarray]:
    from skimage import data

    return [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]


@pytest.fixture(scope="module")
def v4_on_scikit_photos(shipped, scikit_photos) -> tuple[float, float, float, float]:
    return score(shipped, scikit_photos)


def test_scikit_image_photos(v4_on_scikit_photos):
    ours, grey, cf, cf_gt = v4_on_scikit_photos
    print(f"scikit-image photos: CIEDE2000 {ours:.2f} (grey {grey:.2f}); colourfulness {cf:.1f} ({cf / cf_gt:.2f}x GT)")
    assert ours < grey
    assert cf >= 0.4 * cf_gt


def test_v5_beside_v4_beats_grey_and_both_default_to_the_product_rule(scikit_photos):
    """weights/unet_lite0_v5 ships beside v4; both place their default where general photos reach 0.7x."""
    v5 = Colorizer.from_pretrained(REPO_WEIGHTS / "unet_lite0_v5", device="cpu")
    ours, grey, cf, cf_gt = score(v5, scikit_photos)
    print(f"v5 on scikit-image photos: CIEDE2000 {ours:.2f} (grey {grey:.2f}); colourfulness {cf / cf_gt:.2f}x")
    assert ours < grey
    for col in (v5, Colorizer.from_pretrained(device="cpu")):
        assert col.config.extra["calibration"]["target"] == 0.7 and col.decoding().vividness == col.config.vividness


@pytest.mark.slow
def test_kodak24(shipped):
    refs = [np.asarray(Image.open(p).convert("RGB")) for p in list_images(shared("bench", "kodak24"))]
    ours, grey, cf, cf_gt = score(shipped, refs)
    print(f"Kodak24: CIEDE2000 {ours:.2f} (grey {grey:.2f}); colourfulness {cf:.1f} ({cf / cf_gt:.2f}x GT)")
    assert ours < grey
    assert cf >= 0.4 * cf_gt


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
