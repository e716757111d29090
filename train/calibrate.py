"""Calibrate decoding on the validation split: the default (gamma, T) and the vividness frontier.

    python -m train.calibrate --weights weights --packs .carry/packs --size 128 --write
    python -m train.calibrate --weights weights --packs .carry/packs --keep-default --write   # frontier only

The class-rebalanced loss teaches the network to over-predict rare (saturated) colours. Adding
-gamma * log(w) to the bin logits (w: the rebalancing weights) undoes that in part; the
temperature T sharpens or softens the annealed mean. For every (gamma, T) of the grid this prints
the validation metrics. With --write it stores:

* the default: the lowest CIEDE2000 among the settings whose colourfulness is at least
  --min-colorfulness of the ground truth's (or, with --keep-default, the weights' own setting);
* the frontier (colorizer/vividness.py), which the vividness control moves along: from the most
  accurate setting, the most accurate way to reach each colourfulness, bolder and paler
  (``frontier``), plus the default.

w is recovered exactly from the weights' own correction where they record its gamma, else
recomputed from the training pack as the trainer did.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from colorizer import Colorizer
from colorizer.data import ImageBank, class_weights_for, train_packs
from colorizer.evaluate import format_table, load_references, score_decodings
from colorizer.metrics import all_metrics, colorfulness, gray_baseline, mean_metrics
from colorizer.weights import write_config


def log_weights(col: Colorizer, packs: Path, lam: float) -> torch.Tensor:
    """log w per bin: from the weights' recorded correction (-gamma log w) or from the training pack."""
    gamma = (col.config.extra or {}).get("calibration", {}).get("gamma")
    if col.config.logit_bias is not None and gamma:
        return -torch.tensor(col.config.logit_bias, dtype=torch.float64) / gamma
    bank = ImageBank.from_pack(train_packs(packs)[0], 128, limit=1000)
    return class_weights_for(bank, col.generator.centres, lam, col.generator.output_stride).log().double()


def frontier(rows: dict, keep: tuple) -> list:
    """The most accurate way to reach each colourfulness, both ways from the most accurate setting.

    A setting is kept unless another is more accurate (lower CIEDE2000) and at least as far from
    the most accurate setting's colourfulness towards the same side: on the bold side the usual
    Pareto front (more colour, less error), on the cautious side its mirror (less colour, at the
    least cost). ``keep`` (the default) is kept whatever it scores. Sorted cautious to bold.
    """
    best = min(rows.values(), key=lambda m: m["ciede2000"])["colorfulness"]

    def beaten(k) -> bool:
        a = rows[k]
        side = 1 if a["colorfulness"] >= best else -1
        return any(
            b["ciede2000"] < a["ciede2000"] and side * (b["colorfulness"] - a["colorfulness"]) >= 0 for j, b in rows.items() if j != k
        )

    kept = sorted((k for k in rows if k == keep or not beaten(k)), key=lambda k: (rows[k]["colorfulness"], k != keep))
    # one setting per colourfulness (the scale places each point by it): the default, else the more accurate
    by_colour: dict[float, tuple] = {}
    for k in kept:
        c, old = round(rows[k]["colorfulness"], 4), by_colour.get(round(rows[k]["colorfulness"], 4))
        if old is None or (old != keep and (k == keep or rows[k]["ciede2000"] < rows[old]["ciede2000"])):
            by_colour[c] = k
    return sorted(by_colour.values(), key=lambda k: rows[k]["colorfulness"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", default="weights")
    ap.add_argument("--packs", type=Path, required=True, help="folder with val.pack (and train.pack where w must be recomputed)")
    ap.add_argument("--gamma", nargs="+", type=float, default=[0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0])
    ap.add_argument("--temperature", nargs="+", type=float, default=[0.4, 0.5, 0.6, 0.7, 0.85, 1.0, 1.25])
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--limit", type=int, default=200, help="validation images to use")
    ap.add_argument("--lam", type=float, default=0.5, help="rebalancing lambda used in training")
    ap.add_argument("--min-colorfulness", type=float, default=0.6, help="fraction of the ground truth's")
    ap.add_argument("--keep-default", action="store_true", help="keep the weights' own gamma and T as the default")
    ap.add_argument("--write", action="store_true", help="store the default and the frontier in generator.json")
    ap.add_argument(
        "--working-size", type=int, default=None, help="with --write, also store this default working size (chosen on a benchmark sweep)"
    )
    args = ap.parse_args(argv)

    col = Colorizer.from_pretrained(args.weights, device="cpu")
    log_w = log_weights(col, args.packs, args.lam)
    own = (col.config.extra or {}).get("calibration", {}).get("gamma", 0.0) if col.config.logit_bias is not None else 0.0
    refs = load_references(args.packs / "val.pack", args.limit)
    gt = float(np.mean([colorfulness(r) for r in refs]))
    gray = mean_metrics([all_metrics(gray_baseline(r), r) for r in refs])
    col.generator.config.logit_bias = (-log_w).float().tolist()  # gamma 1: bias_scale below is gamma itself

    def decoder(g: float, T: float):
        return lambda logits: col.generator.decode(logits, T, upsample=False, bias_scale=g)

    grid = {(g, T) for g in args.gamma for T in args.temperature} | ({(own, col.config.temperature)} if args.keep_default else set())
    with tqdm(total=len(refs), desc="calibrate") as bar:
        scores = score_decodings(col, refs, args.size, {k: decoder(*k) for k in sorted(grid)}, bar)
    rows = {k: mean_metrics(v) for k, v in scores.items()}
    table = [{"setting": "gray baseline (ab = 0)", **gray}] + [{"setting": f"gamma {g}, T {T}", **m} for (g, T), m in rows.items()]
    for row in table:
        row.update(colorfulness_ratio=row["colorfulness"] / gt, gt_colorfulness=gt)
    print(format_table(table, f"validation: {len(refs)} images, size {args.size}"))
    if args.keep_default:
        g, T = own, col.config.temperature
        print(f"default kept: gamma {g}, T {T}")
    else:
        ok = {k: m for k, m in rows.items() if m["colorfulness"] >= args.min_colorfulness * gt} or rows
        g, T = min(ok, key=lambda k: ok[k]["ciede2000"])
        print(f"chosen: gamma {g}, T {T} (lowest CIEDE2000 with colourfulness >= {args.min_colorfulness} x GT)")
    front = frontier(rows, (g, T))
    print("frontier (cautious to bold): " + "; ".join(f"gamma {k[0]}, T {k[1]}: {rows[k]['colorfulness'] / gt:.2f}x" for k in front))
    if args.write:
        cfg = json.loads((Path(args.weights) / "generator.json").read_text())
        ref = g or 1.0  # the stored correction is gamma's (1's when the default has none), so the default's scale is 1 (or 0)
        if not (args.keep_default and g):  # --keep-default keeps the stored values themselves: the default's pixels stay bit for bit
            cfg["logit_bias"] = [round(float(-ref * x), 6) for x in log_w]
        cfg["temperature"], cfg["bias_scale"] = T, 1.0 if g else 0.0
        cfg["frontier"] = [
            {"bias_scale": k[0] / ref, "temperature": k[1], "gamma": k[0], **{m: round(rows[k][m], 4) for m in ("ciede2000", "psnr")},
             "colorfulness": round(rows[k]["colorfulness"] / gt, 6)}
            for k in front
        ]  # fmt: skip
        if args.working_size:
            cfg["size"] = args.working_size
        cfg.setdefault("extra", {})["calibration"] = {"gamma": g, "temperature": T, "size": args.size, "val_images": len(refs)}
        print(f"wrote {write_config(args.weights, 'generator', cfg)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
