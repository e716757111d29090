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


def test_scikit_image_photos(shipped):
    from skimage import data

    refs = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    ours, grey, cf, cf_gt = score(shipped, refs)
    print(f"scikit-image photos: CIEDE2000 {ours:.2f} (grey {grey:.2f}); colourfulness {cf:.1f} ({cf / cf_gt:.2f}x GT)")
    assert ours < grey
    assert cf >= 0.4 * cf_gt


def test_kodak24(shipped):
    refs = [np.asarray(Image.open(p).convert("RGB")) for p in list_images(shared("bench", "kodak24"))]
    ours, grey, cf, cf_gt = score(shipped, refs)
    print(f"Kodak24: CIEDE2000 {ours:.2f} (grey {grey:.2f}); colourfulness {cf:.1f} ({cf / cf_gt:.2f}x GT)")
    assert ours < grey
    assert cf >= 0.4 * cf_gt
