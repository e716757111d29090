"""Build the gallery images shipped in examples/ (deterministic; see README.md for licences).

    python examples/make_examples.py          # needs ../shared/data/gallery for the real photos

Historical: public-domain photographs (1838-1936) from the reference gallery, and scikit-image's
CC0 "cameraman". X-ray: four CC BY 3.0 radiographs (attribution in README.md and in the app)
and one drawn by this script. CCTV: no openly licensed frames exist, so four are simulated from
public-domain photos (greyed, softened, noisy, with a burnt-in timestamp). Every image is grey,
at most 1024 px on its long side, so the gallery stays small. More can be added at run time
with COLORIZER_EXAMPLES_DIR (see the README).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from skimage import data

HERE = Path(__file__).resolve().parent
GALLERY = Path(os.environ.get("COLORIZER_SHARED_DATA", HERE.parent.parent / "shared" / "data")) / "gallery"
LONG_SIDE = 1024
# Public domain by age (see README.md); the file names carry their dates.
HISTORICAL = [
    "BoulevardDuTemple1838", "1850Geography", "London1850Coach", "1864UnionSoldier", "Mormons1870s",
    "Locomotive1880s", "1888Slum", "1890CliffHouseSF", "1899NycBlizzard", "migrant_mother",
]  # fmt: skip
XRAYS = ["cae2c0a9", "f6575117", "7afaaccc", "8fc103ca"]  # CC BY 3.0, "No Finding", PA views
CCTV_SCENES = {
    "street_paris_1899": "Paris1899StreetDig",
    "piccadilly_1890s": "PicadillyLate1800s",
    "cars_ireland_1890s": "Cars1890sIreland",
}


def gray(a: np.ndarray) -> Image.Image:
    return Image.fromarray(a).convert("L")


def shared_photo(folder: str, name: str) -> Image.Image:
    """A reference-gallery photo, grey, at most LONG_SIDE px on its long side."""
    img = Image.open(GALLERY / folder / f"{name}.jpg").convert("L")
    img.thumbnail((LONG_SIDE, LONG_SIDE), Image.LANCZOS)
    return img


def simulated_chest_xray(size: int = 512, seed: int = 0) -> Image.Image:
    """A drawn PA chest radiograph: dark lungs, ribs, spine, heart shadow, film grain."""
    rng = np.random.default_rng(seed)
    img = Image.new("L", (size, size), 40)
    d = ImageDraw.Draw(img)
    d.ellipse((60, 40, 452, 560), fill=150)  # body
    d.ellipse((110, 90, 245, 420), fill=55)  # right lung
    d.ellipse((267, 90, 402, 420), fill=55)  # left lung
    d.ellipse((215, 230, 345, 400), fill=165)  # heart
    d.rectangle((238, 20, 274, 512), fill=190)  # spine
    for i in range(9):  # ribs: arcs over both lungs
        y = 100 + 34 * i
        d.arc((90, y - 40, 256, y + 60), 190, 350, fill=175, width=7)
        d.arc((256, y - 40, 422, y + 60), 190, 350, fill=175, width=7)
    d.line((150, 40, 362, 40), fill=200, width=10)  # clavicles
    img = img.filter(ImageFilter.GaussianBlur(4))
    a = np.asarray(img).astype(np.float32) + rng.normal(0, 6, (size, size))
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def simulated_cctv_frame(photo: Image.Image, camera: int, seed: int = 0) -> Image.Image:
    """A fixed-camera frame from a photo: grey, 640x360, softened, noisy, with the timestamp
    overlay CCTV systems burn in."""
    rng = np.random.default_rng(seed)
    w, h = photo.size
    scale = max(640 / w, 360 / h)
    img = photo.convert("L").resize((round(w * scale), round(h * scale)), Image.BILINEAR)
    left, top = (img.width - 640) // 2, (img.height - 360) // 2
    img = img.crop((left, top, left + 640, top + 360)).resize((427, 240), Image.BILINEAR).resize((640, 360), Image.BILINEAR)
    a = np.asarray(img).astype(np.float32) * 0.9 + 12 + rng.normal(0, 7, (360, 640))
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    ImageDraw.Draw(img).text((12, 10), f"CAM {camera:02d}  2026-11-26 08:00:{13 + camera:02d}", fill=235)
    return img


def main() -> None:
    if not GALLERY.is_dir():
        raise SystemExit(f"the reference gallery is not at {GALLERY} (set COLORIZER_SHARED_DATA)")
    out = {
        "historical/cameraman.png": gray(data.camera()),
        **{f"historical/{name}.jpg": shared_photo("historical", name) for name in HISTORICAL},
        "xray/simulated_chest_xray.png": simulated_chest_xray(),
        **{f"xray/chest_{name}.jpg": shared_photo("xray", name) for name in XRAYS},
        "cctv/simulated_cctv_launchpad.png": simulated_cctv_frame(gray(data.rocket()), 3),
        **{
            f"cctv/simulated_cctv_{name}.png": simulated_cctv_frame(shared_photo("historical", source), i + 4, seed=i + 1)
            for i, (name, source) in enumerate(CCTV_SCENES.items())
        },
    }
    for old in HERE.glob("*/*.*"):
        if old.suffix in (".png", ".jpg") and str(old.relative_to(HERE)) not in out:
            old.unlink()
    for rel, img in out.items():
        path = HERE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        img.save(path, optimize=True, **({"quality": 88} if path.suffix == ".jpg" else {}))
        print(path.relative_to(HERE), img.size)


if __name__ == "__main__":
    main()
