"""Calibrate decoding the way users colourise: the vividness scale and its default.

    python -m train.calibrate --weights weights --packs .carry/packs-all --write

Every setting of a grid (prior correction gamma x temperature T x chroma gain, and optionally
smoothing) decodes whole validation photos through the product's own path (``Colorizer``: the
photo at the working size, ab onto its own full-resolution lightness, ``Decoding.ab``). On the
general photos of the validation pack (the ImageNet and BSDS folders: photos like users' own,
held out by path) it prints every setting and, with --write, stores in generator.json:

* the frontier (colorizer/vividness.py): from the most accurate setting, the most accurate way
  to reach each colourfulness, bolder (up to --max-colorfulness, the photos' own colourfulness) and
  paler, which the vividness control moves along;
* the default, a product setting the same for every generator: the place on that scale where
  the photos reach --target (0.7) x their own colourfulness, so generators are compared, and
  shipped, at equal colour.

The class-rebalanced loss teaches the network to over-predict rare (saturated) colours: adding
-gamma * log(w) to the bin logits (w: the rebalancing weights) undoes that in part. w is
recovered exactly from the weights' own correction where they record its gamma, else recomputed
from the training pack as the trainer did.
"""

from __future__ import annotations

import argparse
import json
from functools import partial
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from colorizer import Colorizer
from colorizer.data import ImageBank, class_weights_for, train_packs
from colorizer.evaluate import format_table, general_photos, score_decodings
from colorizer.metrics import all_metrics, colorfulness, gray_baseline, mean_metrics
from colorizer.vividness import Decoding
from colorizer.weights import write_config


def log_weights(col: Colorizer, packs: Path, lam: float) -> torch.Tensor:
    """log w per bin: from the weights' recorded correction (-gamma log w) or from the training pack."""
    gamma = (col.config.extra or {}).get("calibration", {}).get("gamma")
    if col.config.logit_bias is not None and gamma:
        return -torch.tensor(col.config.logit_bias, dtype=torch.float64) / gamma
    bank = ImageBank.from_pack(train_packs(packs)[0], 128, limit=1000)
    return class_weights_for(bank, col.generator.centres, lam, col.generator.output_stride).log().double()


def pareto_front(rows: dict, keep: tuple | None = None) -> list:
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


def place(front: list[dict], target: float) -> float:
    """The vividness (0..1) at which the frontier's colourfulness is ``target`` (clamped to its ends)."""
    lo, hi = front[0]["colorfulness"], front[-1]["colorfulness"]
    return float(min(1.0, max(0.0, (target - lo) / (hi - lo)))) if hi > lo else 0.5


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", default="weights")
    ap.add_argument("--packs", type=Path, required=True, help="folder with val.pack (and train.pack where w must be recomputed)")
    ap.add_argument("--gamma", nargs="+", type=float, default=[0.0, 0.5, 1.0, 1.5, 2.0])
    ap.add_argument("--temperature", nargs="+", type=float, default=[0.4, 0.55, 0.7, 0.85, 1.0])
    ap.add_argument("--gain", nargs="+", type=float, default=[1.0, 1.3, 1.6, 2.0, 2.4])
    ap.add_argument("--smooth", nargs="+", type=float, default=[0.0], help="logit smoothing (sigma, output cells) to try")
    ap.add_argument("--size", type=int, default=None, help="working size (default: the weights' own)")
    ap.add_argument("--limit", type=int, default=None, help="general validation photos to use at most")
    ap.add_argument("--all-photos", action="store_true", help="every validation photo, not only the general ones")
    ap.add_argument("--lam", type=float, default=0.5, help="rebalancing lambda used in training")
    ap.add_argument("--target", type=float, default=0.7, help="the default's colourfulness, as a fraction of the photos' own")
    ap.add_argument("--max-colorfulness", type=float, default=1.0, help="the scale's bold end at most this fraction of the photos' own")
    ap.add_argument("--write", action="store_true", help="store the frontier and the default in generator.json")
    ap.add_argument("--working-size", type=int, default=None, help="with --write, also store this default working size")
    args = ap.parse_args(argv)

    col = Colorizer.from_pretrained(args.weights, device="cpu")
    size = args.size or col.config.size
    log_w = log_weights(col, args.packs, args.lam)
    refs = general_photos(args.packs / "val.pack", all_folders=args.all_photos)[: args.limit]
    gt = float(np.mean([colorfulness(r) for r in refs]))
    gray = mean_metrics([all_metrics(gray_baseline(r), r) for r in refs])
    col.generator.config.logit_bias = (-log_w).float().tolist()  # gamma 1: the bias scale below is gamma itself

    grid = [(g, T, k, s) for g in args.gamma for T in args.temperature for k in args.gain for s in args.smooth]
    decodings = {key: Decoding(key[1], key[0], gain=key[2], smooth=key[3]) for key in grid}
    decoders = {key: partial(col.decode, decoding=d) for key, d in decodings.items()}
    with tqdm(total=len(refs), desc="calibrate") as bar:
        scores = score_decodings(col, refs, size, decoders, bar)
    rows = {k: mean_metrics(v) for k, v in scores.items()}
    table = [{"setting": "gray baseline (ab = 0)", **gray}]
    table += [{"setting": f"gamma {g}, T {T}, gain {k}" + (f", smooth {s}" if s else ""), **m} for (g, T, k, s), m in rows.items()]
    for row in table:
        row.update(colorfulness_ratio=row["colorfulness"] / gt, gt_colorfulness=gt)
    print(format_table(table, f"general validation photos: {len(refs)} whole photos, working size {size}"))
    keys = [k for k in pareto_front(rows) if rows[k]["colorfulness"] <= args.max_colorfulness * gt]
    front = [
        {"bias_scale": g, "temperature": T, "gain": k, "smooth": s, "colorfulness": round(rows[(g, T, k, s)]["colorfulness"] / gt, 6),
         **{m: round(rows[(g, T, k, s)][m], 4) for m in ("ciede2000", "psnr")}}
        for g, T, k, s in keys
    ]  # fmt: skip
    default = place(front, args.target)
    print("frontier (cautious to bold): " + "; ".join(f"gamma {p['bias_scale']}, T {p['temperature']}, gain {p['gain']}: "
                                                       f"{p['colorfulness']:.2f}x, {p['ciede2000']:.2f}" for p in front))  # fmt: skip
    print(f"default: vividness {default:.3f} (where the photos reach {args.target}x their colourfulness)")
    if args.write:
        cfg = json.loads((Path(args.weights) / "generator.json").read_text())
        cfg["logit_bias"] = [round(float(-x), 6) for x in log_w]  # gamma 1: each point's bias_scale is its gamma
        cfg["frontier"], cfg["vividness"] = front, round(default, 6)
        col.config.frontier, col.config.vividness = front, default
        d = col.decoding()
        cfg["temperature"], cfg["bias_scale"] = d.temperature, d.bias_scale  # the default's knobs, for older readers
        if args.working_size:
            cfg["size"] = args.working_size
        cfg.setdefault("extra", {})["calibration"] = {
            "gamma": 1.0, "target": args.target, "size": size, "val_images": len(refs), "photos": "all" if args.all_photos else "general"
        }  # fmt: skip
        print(f"wrote {write_config(args.weights, 'generator', cfg)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
