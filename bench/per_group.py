"""Where a validation gain comes from: two generators compared photo by photo, per source folder.

    python bench/per_group.py --weights runs/gpu5/candA --baseline weights --data data/packs-full/val.pack

The validation split mixes the training collections (SUN years, Intel scenes, clothing, ImageNet
samples, ...). A gain that lives only in the collections with near-duplicates in the training
set (the SUN years share their scene categories) says little about new photos such as Kodak24;
``--general`` names the collections most like general photography, scored together as well.
Each photo at its native size, decoded as its weights are shipped; CIEDE2000 differences are
paired (candidate minus baseline) with their standard error.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import common  # noqa: F401  (puts the repository on sys.path)
import numpy as np

from colorizer import Colorizer
from colorizer.data import pack_manifest
from colorizer.evaluate import GENERAL, load_references, score_as_shipped
from colorizer.metrics import all_metrics, colorfulness, gray_baseline


def scores(weights: str | None, refs: list[np.ndarray]) -> list[dict[str, float]]:
    return score_as_shipped(Colorizer.from_pretrained(weights, device="cpu"), refs)


def row(label: str, idx: list[int], new: list[dict], old: list[dict], gray: list[dict], gt: list[float]) -> str:
    def mean(rows: list[dict], key: str) -> float:
        return float(np.mean([rows[i][key] for i in idx]))

    diff = np.array([new[i]["ciede2000"] - old[i]["ciede2000"] for i in idx])
    cf_gt = float(np.mean([gt[i] for i in idx]))
    se = diff.std(ddof=1) / np.sqrt(len(idx)) if len(idx) > 1 else float("nan")
    return (
        f"| {label} | {len(idx)} | {mean(gray, 'ciede2000'):.2f} | {mean(old, 'ciede2000'):.2f} | "
        f"{mean(new, 'ciede2000'):.2f} | {diff.mean():+.2f} ({se:.2f}) | {mean(old, 'psnr') - mean(gray, 'psnr'):+.2f} | "
        f"{mean(new, 'psnr') - mean(gray, 'psnr'):+.2f} | "
        f"{mean(old, 'colorfulness') / cf_gt:.2f}x | {mean(new, 'colorfulness') / cf_gt:.2f}x |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", required=True, help="the candidate generator")
    ap.add_argument("--baseline", default=None, help="default: the shipped weights")
    ap.add_argument("--data", required=True, help="a .pack whose manifest names each photo's folder")
    ap.add_argument("--general", nargs="*", default=GENERAL, help="folders scored together as 'general photos'")
    args = ap.parse_args()

    if not args.data.endswith(".pack"):
        raise SystemExit("--data must be a .pack (its manifest says which folder each photo came from)")
    refs = load_references(args.data)
    folders = [name.split("/")[0] for name in pack_manifest(args.data)["files"]]
    new, old = scores(args.weights, refs), scores(args.baseline, refs)
    gray = [all_metrics(gray_baseline(r), r) for r in refs]
    gt = [colorfulness(r) for r in refs]
    groups: dict[str, list[int]] = defaultdict(list)
    for i, folder in enumerate(folders):
        groups[folder].append(i)

    print(f"{args.data}: {len(refs)} photos; candidate {args.weights}, baseline {args.baseline or 'shipped weights'}\n")
    print(
        "| folder | photos | gray CIEDE2000 | baseline | candidate | difference (SE) | baseline PSNR gain dB | candidate "
        "| baseline colourfulness (x GT) | candidate |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for folder, idx in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(row(folder, idx, new, old, gray, gt))
    general = [i for i, f in enumerate(folders) if f in args.general]
    if general:
        print(row("**general photos** (" + ", ".join(args.general) + ")", general, new, old, gray, gt))
    print(row("**all**", list(range(len(refs))), new, old, gray, gt))


if __name__ == "__main__":
    main()
