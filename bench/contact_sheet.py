"""A contact sheet to look at with one's own eyes: grey input, then each generator's colours, row by row.

    python bench/contact_sheet.py --weights runs/new/best weights --labels new v3 \
        --data ../shared/data/gallery/historical --out weights/contact_sheet.jpg
    python bench/contact_sheet.py ... --data ../shared/data/bench/kodak24 ../shared/data/gallery/historical \
        --names kodim03.png kodim23.png 1908FamilyPhoto.jpg --count 3 --photo --out sheet.jpg
    python bench/contact_sheet.py ... --hint kodim04.png:256,90 --hint 1908FamilyPhoto.jpg:300,500,#2a4b8d

Each photo is colourised at its generator's own settings (working size, temperature,
calibration) and fitted into a cell of CELL pixels; the sheet is a JPEG small enough for a model card.
With --hint, every generator gets a second column: the same photos with those hints (a click's
colour defaults to the photo's own around it, for colour benchmarks), each marked by a ring on
the grey input; photos without a hint leave that cell empty.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import common  # noqa: F401  (puts the repository on sys.path)
import numpy as np
from PIL import Image, ImageDraw

from colorizer import Colorizer
from colorizer.__main__ import parse_hint
from colorizer.images import list_images, open_image, to_standard

CELL = (240, 180)  # width, height of one cell


def parse_photo_hint(text: str) -> tuple[str, str]:
    """'NAME:X,Y[,#RRGGBB]' -> (NAME, 'X,Y[,#RRGGBB]')."""
    name, sep, hint = text.rpartition(":")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"--hint {text!r}: expected NAME:X,Y or NAME:X,Y,#RRGGBB")
    return name, hint


def resolve_hint(text: str, photo: Image.Image) -> tuple[float, float, tuple[int, int, int]]:
    """One hint on ``photo``; without a colour, the photo's own mean over 5x5 pixels around it."""
    if text.count(",") == 1:
        x, y = (int(float(v)) for v in text.split(","))
        patch = np.asarray(photo)[max(y - 2, 0) : y + 3, max(x - 2, 0) : x + 3].reshape(-1, 3).mean(0)
        text += ",#" + "".join(f"{int(v):02x}" for v in patch)
    return parse_hint(text)


def ring(cell: Image.Image, scale: float, hints: list) -> None:
    draw = ImageDraw.Draw(cell)
    for x, y, rgb in hints:
        cx, cy = x * scale, y * scale
        draw.ellipse((cx - 6, cy - 6, cx + 6, cy + 6), outline="white", width=3)
        draw.ellipse((cx - 4, cy - 4, cx + 4, cy + 4), fill=rgb)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", nargs="+", required=True, help="generators, one column each")
    ap.add_argument("--labels", nargs="+", default=None, help="a label per generator")
    ap.add_argument("--data", type=Path, nargs="+", required=True, help="folders of photos, read in this order")
    ap.add_argument("--names", nargs="*", default=None, help="file names to use (default: the first --count)")
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--photo", action="store_true", help="a last column with the photo itself (for colour benchmarks)")
    ap.add_argument("--hint", type=parse_photo_hint, action="append", default=[], help="NAME:X,Y[,#RRGGBB] (repeatable)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    labels = args.labels or args.weights
    models = [Colorizer.from_pretrained(w, device="cpu") for w in args.weights]
    photos = [p for folder in args.data for p in list_images(folder) if not args.names or p.name in args.names][: args.count]
    hinted = defaultdict(list)
    for name, hint in args.hint:
        hinted[name].append(hint)
    columns = ["input (grey)", *labels] + [f"{label} + hints" for label in labels if hinted] + (["photo"] if args.photo else [])
    sheet = Image.new("RGB", (CELL[0] * len(columns), 24 + CELL[1] * len(photos)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, label in enumerate(columns):
        draw.text((4 + i * CELL[0], 6), label, fill="black")
    for j, p in enumerate(photos):
        photo = to_standard(open_image(p)).convert("RGB")
        grey = photo.convert("L").convert("RGB")
        hints = [resolve_hint(h, photo) for h in hinted.get(p.name, [])]
        cells = [grey.copy()] + [m.colorize(grey) for m in models]
        if hinted:
            cells += [m.colorize(grey, hints=hints) if hints else None for m in models]
        cells += [photo] if args.photo else []
        for i, cell in enumerate(cells):
            if cell is None:
                continue
            scale = min(CELL[0] / cell.width, CELL[1] / cell.height, 1.0)
            cell.thumbnail(CELL, Image.LANCZOS)
            if i == 0:
                ring(cell, scale, hints)
            sheet.paste(cell, (i * CELL[0] + (CELL[0] - cell.width) // 2, 24 + j * CELL[1] + (CELL[1] - cell.height) // 2))
    sheet.save(args.out, quality=82, optimize=True)
    print(f"{args.out}: {len(photos)} photos x {len(columns)} columns, {sheet.size[0]}x{sheet.size[1]}")


if __name__ == "__main__":
    main()
