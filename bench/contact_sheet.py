"""A contact sheet to look at with one's own eyes: grey input, then each generator's colours, row by row.

    python bench/contact_sheet.py --weights runs/new/best weights --labels new v3 \
        --data ../shared/data/gallery/historical --out weights/contact_sheet.jpg
    python bench/contact_sheet.py ... --data ../shared/data/bench/kodak24 ../shared/data/gallery/historical \
        --names kodim03.png kodim23.png 1908FamilyPhoto.jpg --count 3 --photo --out sheet.jpg

Each photo is colourised at its generator's own settings (working size, temperature,
calibration) and fitted into a cell of CELL pixels; the sheet is a JPEG small enough for a model card.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import common  # noqa: F401  (puts the repository on sys.path)
from PIL import Image, ImageDraw

from colorizer import Colorizer
from colorizer.images import list_images, open_image, to_standard

CELL = (240, 180)  # width, height of one cell


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", nargs="+", required=True, help="generators, one column each")
    ap.add_argument("--labels", nargs="+", default=None, help="a label per generator")
    ap.add_argument("--data", type=Path, nargs="+", required=True, help="folders of photos, read in this order")
    ap.add_argument("--names", nargs="*", default=None, help="file names to use (default: the first --count)")
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--photo", action="store_true", help="a last column with the photo itself (for colour benchmarks)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    labels = args.labels or args.weights
    models = [Colorizer.from_pretrained(w, device="cpu") for w in args.weights]
    photos = [p for folder in args.data for p in list_images(folder) if not args.names or p.name in args.names][: args.count]
    columns = ["input (grey)", *labels] + (["photo"] if args.photo else [])
    sheet = Image.new("RGB", (CELL[0] * len(columns), 24 + CELL[1] * len(photos)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, label in enumerate(columns):
        draw.text((4 + i * CELL[0], 6), label, fill="black")
    for j, p in enumerate(photos):
        photo = to_standard(open_image(p)).convert("RGB")
        grey = photo.convert("L").convert("RGB")
        for i, cell in enumerate([grey] + [m.colorize(grey) for m in models] + ([photo] if args.photo else [])):
            cell.thumbnail(CELL, Image.LANCZOS)
            sheet.paste(cell, (i * CELL[0] + (CELL[0] - cell.width) // 2, 24 + j * CELL[1] + (CELL[1] - cell.height) // 2))
    sheet.save(args.out, quality=82, optimize=True)
    print(f"{args.out}: {len(photos)} photos x {len(columns)} columns, {sheet.size[0]}x{sheet.size[1]}")


if __name__ == "__main__":
    main()
