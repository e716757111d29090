"""Score a generator on a folder of colour photos: each metric beside the gray baseline's.

    python -m colorizer.evaluate --weights weights --data ../shared/data/bench/kodak24 \
        --temperature 1.0 0.6 0.38 --size 256 384 512
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .data import pack_blobs, pack_manifest
from .images import list_images, open_image, to_standard
from .inference import Colorizer
from .metrics import all_metrics, colorfulness, gray_baseline, mean_metrics


def load_references(source: str | Path, limit: int | None = None) -> list[np.ndarray]:
    """Colour references (RGB uint8) from a folder of images or a training pack (native size)."""
    items = pack_blobs(source) if str(source).endswith(".pack") else list_images(source)
    return [np.asarray(to_standard(open_image(x)).convert("RGB")) for x in items[:limit]]


# The validation pack's folders most like general photography (photos users bring): the ImageNet
# samples and BSDS. Calibration and the quality benches read these; the rest are narrower domains.
GENERAL = ("imagenet_val227", "imagenet_eli", "imagenet_ajs", "bsds500")


def general_photos(val_pack: str | Path, all_folders: bool = False) -> list[np.ndarray]:
    """The validation pack's whole photos from the GENERAL folders (its manifest names each one's folder)."""
    refs = load_references(val_pack)
    if all_folders:
        return refs
    folders = [name.split("/")[0] for name in pack_manifest(val_pack)["files"]]
    return [r for r, f in zip(refs, folders) if f in GENERAL]


def score_decodings(
    colorizer: Colorizer, refs: list[np.ndarray], size: int, decoders: dict, bar: tqdm | None = None
) -> dict[object, list[dict[str, float]]]:
    """Per-image metrics for several ways of decoding one prediction (key -> logits -> ab).

    The generator runs once per image; each decoder only re-decodes its logits.
    """
    scores: dict[object, list] = {k: [] for k in decoders}
    for ref in refs:
        L = colorizer.read(ref)[0]
        logits = colorizer.photo_logits(L, size)
        for k, decode in decoders.items():
            scores[k].append(all_metrics(np.asarray(colorizer.render(L, decode(logits)[0].cpu())), ref))
        if bar is not None:
            bar.update()
    return scores


def paired_difference(new, old) -> tuple[float, float]:
    """Mean of new - old, photo by photo, and its standard error (nan for one photo).

    Two generators on the same photos: a mean under about two standard errors is a tie."""
    d = np.asarray(new, dtype=np.float64) - np.asarray(old, dtype=np.float64)
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")


def score_as_shipped(colorizer: Colorizer, refs: list[np.ndarray]) -> list[dict[str, float]]:
    """Per-image metrics at the weights' own working size and default decoding (as the product colourises)."""
    return score_decodings(colorizer, refs, colorizer.config.size, {"shipped": colorizer.decode})["shipped"]


# Hint locality (issue 32): one click on kodim04's hat, with the hat's own colour; the mean
# CIEDE2000 change against no hint over the hat and over the face (full size, rows then columns).
HAT, FACE, CLICK = (slice(40, 140), slice(120, 400)), (slice(300, 470), slice(180, 360)), (256, 90)


def hint_locality(colorize: Callable, kodim04: np.ndarray) -> tuple[float, float]:
    """(mean change over the hat, over the face) when one hint of the hat's colour is clicked on it;
    ``colorize(image, hints=...)``: a Colorizer's, say.

    A hint that colours its object changes the hat by about 10 and the face by at most 1.5."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    x, y = CLICK
    colour = tuple(int(v) for v in kodim04[y - 2 : y + 3, x - 2 : x + 3].reshape(-1, 3).mean(0))
    plain = rgb2lab(np.asarray(colorize(kodim04)))
    change = deltaE_ciede2000(plain, rgb2lab(np.asarray(colorize(kodim04, hints=[(float(x), float(y), colour)]))))
    return float(change[HAT].mean()), float(change[FACE].mean())


def evaluate(
    colorizer: Colorizer, refs: list[np.ndarray], sizes: list[int], temperatures: list[float], progress: bool = True
) -> list[dict]:
    """Rows of mean metrics: the gray baseline, then one per (size, temperature)."""
    rows = [{"setting": "gray baseline (ab = 0)", **mean_metrics([all_metrics(gray_baseline(r), r) for r in refs])}]
    gt_colorfulness = float(np.mean([colorfulness(r) for r in refs]))
    bar = tqdm(total=len(sizes) * len(refs), desc="evaluate", disable=not progress)
    for size in sizes:
        decoders = {T: partial(colorizer.decode, decoding=colorizer.decoding(temperature=T)) for T in temperatures}
        scores = score_decodings(colorizer, refs, size, decoders, bar)
        for T in temperatures:
            rows.append({"setting": f"size {size}, T {T}", "size": size, "temperature": T, **mean_metrics(scores[T])})
    bar.close()
    for row in rows:
        row["colorfulness_ratio"] = row["colorfulness"] / gt_colorfulness
        row["gt_colorfulness"] = gt_colorfulness
    return rows


def format_table(rows: list[dict], title: str = "") -> str:
    head = "| setting | PSNR | SSIM | CIEDE2000 | AuC | colourfulness (x GT) |"
    lines = ([f"**{title}** ({rows[0]['gt_colorfulness']:.1f} = ground-truth colourfulness)", ""] if title else []) + [
        head,
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['setting']} | {r['psnr']:.2f} | {r['ssim']:.4f} | {r['ciede2000']:.2f} | {r['auc']:.4f} "
            f"| {r['colorfulness']:.1f} ({r['colorfulness_ratio']:.2f}x) |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", default=None, help="weights folder or official .pth (default: the shipped weights)")
    ap.add_argument("--data", nargs="+", required=True, help="folders of colour photos, or .pack files")
    ap.add_argument("--size", nargs="+", type=int, default=None, help="working sizes (default: the model's)")
    ap.add_argument("--temperature", nargs="+", type=float, default=None, help="temperatures (default: the model's)")
    ap.add_argument("--limit", type=int, default=None, help="use at most this many images per folder")
    ap.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = ap.parse_args(argv)

    colorizer = Colorizer.from_pretrained(args.weights)
    sizes = args.size or [colorizer.config.size]
    temps = args.temperature or [colorizer.config.temperature]
    results = {}
    for folder in args.data:
        refs = load_references(folder, args.limit)
        if not refs:
            raise SystemExit(f"no images in {folder}")
        rows = evaluate(colorizer, refs, sizes, temps)
        results[folder] = rows
        print(format_table(rows, f"{folder} ({len(refs)} images)"), "\n", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
