"""Calibrate decoding on the validation split: prior correction gamma and temperature T.

    python -m train.calibrate --weights weights --packs .carry/packs --size 128 --write

The class-rebalanced loss teaches the network to over-predict rare (saturated) colours. Adding
-gamma * log(w) to the bin logits (w: the rebalancing weights, recomputed from the training pack
exactly as the trainer did) undoes that in part. For every (gamma, T) this prints the validation
metrics; with --write it stores the setting with the lowest CIEDE2000 among those whose
colourfulness is at least --min-colorfulness of the ground truth's into generator.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from tqdm import tqdm

from colorizer import Colorizer
from colorizer.data import ImageBank, class_weights_for, train_packs
from colorizer.evaluate import format_table, load_references, score_decodings
from colorizer.metrics import all_metrics, colorfulness, gray_baseline, mean_metrics
from colorizer.weights import write_config


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", default="weights")
    ap.add_argument("--packs", type=Path, required=True, help="folder with train.pack and val.pack")
    ap.add_argument("--gamma", nargs="+", type=float, default=[0.0, 0.25, 0.5, 0.75, 1.0])
    ap.add_argument("--temperature", nargs="+", type=float, default=[1.0, 0.6, 0.38])
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--limit", type=int, default=200, help="validation images to use")
    ap.add_argument("--lam", type=float, default=0.5, help="rebalancing lambda used in training")
    ap.add_argument("--min-colorfulness", type=float, default=0.6, help="fraction of the ground truth's")
    ap.add_argument("--write", action="store_true", help="store the chosen gamma and T in generator.json")
    ap.add_argument(
        "--working-size", type=int, default=None, help="with --write, also store this default working size (chosen on a benchmark sweep)"
    )
    args = ap.parse_args(argv)

    col = Colorizer.from_pretrained(args.weights, device="cpu")
    col.generator.config.logit_bias = None
    bank = ImageBank.from_pack(train_packs(args.packs)[0], 128, limit=1000)
    log_w = class_weights_for(bank, col.generator.centres, args.lam, col.generator.output_stride).log()
    refs = load_references(args.packs / "val.pack", args.limit)
    gt = float(np.mean([colorfulness(r) for r in refs]))
    gray = mean_metrics([all_metrics(gray_baseline(r), r) for r in refs])
    bias = log_w.view(1, -1, 1, 1)

    def biased(g: float, T: float):
        return lambda logits: col.generator.decode(logits - g * bias.to(logits.device), T, upsample=False)

    decoders = {(g, T): biased(g, T) for g in args.gamma for T in args.temperature}
    with tqdm(total=len(refs), desc="calibrate") as bar:
        scores = score_decodings(col, refs, args.size, decoders, bar)
    rows = {k: mean_metrics(v) for k, v in scores.items()}
    table = [{"setting": "gray baseline (ab = 0)", **gray}] + [{"setting": f"gamma {g}, T {T}", **m} for (g, T), m in rows.items()]
    for row in table:
        row.update(colorfulness_ratio=row["colorfulness"] / gt, gt_colorfulness=gt)
    print(format_table(table, f"validation: {len(refs)} images, size {args.size}"))
    ok = {k: m for k, m in rows.items() if m["colorfulness"] >= args.min_colorfulness * gt} or rows
    g, T = min(ok, key=lambda k: ok[k]["ciede2000"])
    print(f"chosen: gamma {g}, T {T} (lowest CIEDE2000 with colourfulness >= {args.min_colorfulness} x GT)")
    if args.write:
        cfg = json.loads((Path(args.weights) / "generator.json").read_text())
        cfg["logit_bias"] = [round(float(-g * x), 6) for x in log_w] if g else None
        cfg["temperature"] = T
        if args.working_size:
            cfg["size"] = args.working_size
        cfg.setdefault("extra", {})["calibration"] = {"gamma": g, "temperature": T, "size": args.size, "val_images": len(refs)}
        print(f"wrote {write_config(args.weights, 'generator', cfg)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
