"""How good the colour is: one subcommand per question, every generator decoded as users get it.

    python bench/quality.py paired --weights weights/unet_lite0_v5 --data ../shared/data/bench/kodak24 --general VAL
    python bench/quality.py per-image --data ../shared/data/bench/kodak24
    python bench/quality.py per-group --weights weights/unet_lite0_v5 --data VAL
    python bench/quality.py vividness --weights weights weights/unet_lite0_v5 --val VAL
    python bench/quality.py frontier --weights weights weights/unet_lite0_v5 --val VAL [--flip] [--curve]
    python bench/quality.py hints --weights weights runs/v6/best --seeds 3
    python bench/quality.py alternatives --data ../shared/data/bench/kodak24

VAL is a validation pack (``.carry/packs-v6/val.pack``, made by ``train.pack``); its manifest
names each photo's folder, and its general photos (ImageNet and BSDS folders) are the set users'
photos most resemble. Each photo whole, at its native size, through ``Colorizer``'s own path.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from contextlib import contextmanager
from functools import partial
from itertools import combinations
from pathlib import Path

import common
import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F
from PIL import Image
from scipy.sparse.linalg import cg
from skimage.color import deltaE_ciede2000, rgb2lab

from colorizer import Colorizer
from colorizer.data import pack_manifest
from colorizer.evaluate import (
    GENERAL,
    general_photos,
    hint_locality,
    load_references,
    paired_difference,
    score_as_shipped,
    score_decodings,
)
from colorizer.hints import Hint, hint_targets
from colorizer.images import list_images
from colorizer.metrics import all_metrics, ciede2000, colorfulness, gray_baseline, psnr

METRICS = ("psnr", "ssim", "ciede2000", "auc")


def paired(args: argparse.Namespace) -> None:
    """Two generators photo by photo, with standard errors.

    Each metric's paired difference (candidate minus baseline) and its standard error; a
    difference under about two standard errors is a tie. Colourfulness is compared as a fraction
    of the photos' own."""
    new, old = (Colorizer.from_pretrained(w, device="cpu") for w in (args.weights, args.baseline))
    print(f"candidate {args.weights}, baseline {args.baseline or 'shipped weights'}\n")
    sets = {data: load_references(data) for data in args.data}
    if args.general:
        sets[f"general photos of {args.general}"] = general_photos(args.general)
    if not sets:
        raise SystemExit("give --data and/or --general")
    head = " | ".join(f"{m} (SE)" for m in METRICS)
    print(f"| data | photos | {head} | candidate closer (CIEDE2000) | colourfulness x GT: baseline | candidate | difference (SE) |")
    print("|---|---|" + "---|" * len(METRICS) + "---|---|---|---|")
    for data, refs in sets.items():
        a, b = score_as_shipped(new, refs), score_as_shipped(old, refs)
        cells = []
        for m in METRICS:
            mean, se = paired_difference([x[m] for x in a], [y[m] for y in b])
            cells.append(f"{mean:+.4f} ({se:.4f})")
        closer = sum(x["ciede2000"] < y["ciede2000"] for x, y in zip(a, b))
        gt = float(np.mean([colorfulness(r) for r in refs]))
        cf = [float(np.mean([x["colorfulness"] for x in s])) / gt for s in (b, a)]
        dc, dc_se = paired_difference([x["colorfulness"] / gt for x in a], [y["colorfulness"] / gt for y in b])
        print(
            f"| {data} | {len(refs)} | " + " | ".join(cells) + f" | {closer} of {len(refs)} | {cf[0]:.2f}x | {cf[1]:.2f}x "
            f"| {dc:+.3f}x ({dc_se:.3f}) |",
            flush=True,
        )  # fmt: skip


def per_image(args: argparse.Namespace) -> None:
    """Each photo against its gray baseline.

    Sorted from the largest CIEDE2000 gain over gray to the largest loss."""
    col = Colorizer.from_pretrained(args.weights, device="cpu")
    names = [p.name for p in list_images(args.data)]
    refs = load_references(args.data)
    if not refs:
        raise SystemExit(f"no images in {args.data}")
    rows = []
    for name, ref, m in zip(names, refs, score_as_shipped(col, refs)):
        gray = all_metrics(gray_baseline(ref), ref)
        rows.append((m["ciede2000"] - gray["ciede2000"], name, m, gray, m["colorfulness"] / max(colorfulness(ref), 1e-6)))
    print(f"{args.data}: {len(rows)} photos, working size {col.config.size}, {col.decoding().describe()}\n")
    print("| photo | CIEDE2000 | gray | difference | PSNR - gray PSNR | colourfulness (x the photo's) |")
    print("|---|---|---|---|---|---|")
    for diff, name, m, gray, ratio in sorted(rows, key=lambda r: r[0]):
        dpsnr = m["psnr"] - gray["psnr"]
        print(f"| {name} | {m['ciede2000']:.2f} | {gray['ciede2000']:.2f} | {diff:+.2f} | {dpsnr:+.2f} dB | {ratio:.2f}x |")
    print(f"\nworse than gray by CIEDE2000 on {sum(r[0] > 0 for r in rows)} of {len(rows)} photos")


def per_group(args: argparse.Namespace) -> None:
    """Two generators per source folder of a validation pack.

    A gain that lives only in the collections with near-duplicates in the training set says
    little about new photos."""
    if not args.data.endswith(".pack"):
        raise SystemExit("--data must be a .pack (its manifest says which folder each photo came from)")
    refs = load_references(args.data)
    folders = [name.split("/")[0] for name in pack_manifest(args.data)["files"]]
    new, old = (score_as_shipped(Colorizer.from_pretrained(w, device="cpu"), refs) for w in (args.weights, args.baseline))
    gray = [all_metrics(gray_baseline(r), r) for r in refs]
    gt = [colorfulness(r) for r in refs]

    def row(label: str, idx: list[int]) -> str:
        def mean(rows: list[dict], key: str) -> float:
            return float(np.mean([rows[i][key] for i in idx]))

        diff, se = paired_difference([new[i]["ciede2000"] for i in idx], [old[i]["ciede2000"] for i in idx])
        cf_gt = float(np.mean([gt[i] for i in idx]))
        return (
            f"| {label} | {len(idx)} | {mean(gray, 'ciede2000'):.2f} | {mean(old, 'ciede2000'):.2f} | "
            f"{mean(new, 'ciede2000'):.2f} | {diff:+.2f} ({se:.2f}) | {mean(old, 'psnr') - mean(gray, 'psnr'):+.2f} | "
            f"{mean(new, 'psnr') - mean(gray, 'psnr'):+.2f} | "
            f"{mean(old, 'colorfulness') / cf_gt:.2f}x | {mean(new, 'colorfulness') / cf_gt:.2f}x |"
        )

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
        print(row(folder, idx))
    print(row("**general photos** (" + ", ".join(GENERAL) + ")", [i for i, f in enumerate(folders) if f in GENERAL]))
    print(row("**all**", list(range(len(refs)))))


VIVIDNESS = (0.0, 0.25, 0.5, 0.75, 1.0)


def vividness(args: argparse.Namespace) -> None:
    """Does a vividness step mean the same on every photo?

    Colourfulness (x the photos' own) and CIEDE2000 at each step and the default, and the spread
    of the ratios across the sets; then, per set, the photos' own colourfulness beside the
    output's, and how well the output's follows the photo's, photo by photo."""
    sets = common.photo_sets(args.val)
    gts = {name: float(np.mean([colorfulness(r) for r in refs])) for name, refs in sets.items()}
    print(f"CPU: {common.cpu_name()}")
    for weights in args.weights:
        col = Colorizer.from_pretrained(weights, device="cpu")
        decodings = {f"{v:.2f}": col.decoding(v) for v in VIVIDNESS} | {"default": col.decoding()}
        print(f"\n{weights}: {col!r}; default {col.decoding().describe()}")
        print("| vividness | " + " | ".join(f"{n}: colour / CIEDE2000" for n in sets) + " | spread |")
        print("|---|" + "---|" * (len(sets) + 1))
        table: dict[str, list[str]] = {k: [] for k in decodings}
        ratios: dict[str, list[float]] = {k: [] for k in decodings}
        why = []  # per set: the photos' own colourfulness, the output's, and how well one follows the other photo by photo
        for name, refs in sets.items():
            own = [colorfulness(r) for r in refs]
            scores = score_decodings(col, refs, col.config.size, {k: partial(col.decode, decoding=d) for k, d in decodings.items()})
            for k, rows in scores.items():
                ratio = float(np.mean([r["colorfulness"] for r in rows])) / gts[name]
                ratios[k].append(ratio)
                table[k].append(f"{ratio:.2f}x / {np.mean([r['ciede2000'] for r in rows]):.2f}")
            out = {k: [r["colorfulness"] for r in scores[k]] for k in ("0.00", "default", "1.00")}
            corr = " / ".join(f"{np.corrcoef(v, own)[0, 1]:.2f}" for v in out.values())
            why.append(f"| {name} | {gts[name]:.1f} | " + " / ".join(f"{np.mean(v):.1f}" for v in out.values()) + f" | {corr} |")
        for k in decodings:
            label = k if k != "default" else f"default ({decodings[k].vividness:.2f})"
            print(f"| {label} | " + " | ".join(table[k]) + f" | {max(ratios[k]) - min(ratios[k]):.2f} |", flush=True)
        steps = [ratios[f"{v:.2f}"] for v in VIVIDNESS]
        rising = all(b[i] > a[i] for a, b in zip(steps, steps[1:]) for i in range(len(sets)))
        print(f"every step bolder on every set: {rising}; largest spread {max(max(r) - min(r) for r in steps):.2f}\n")
        print("| set | the photos' colourfulness | the output's at vividness 0 / default / 1 | photo by photo, correlation of the two |")
        print("|---|---|---|---|\n" + "\n".join(why))


class Mirrored(Colorizer):
    """Test-time flip: the mean of the logits of the photo and (flipped back) of its mirror image."""

    def working_logits(self, L: torch.Tensor) -> torch.Tensor:
        return (super().working_logits(L) + super().working_logits(L.flip(-1)).flip(-1)) / 2


LEVELS = (0.55, 0.7, 0.85)


def at_level(curve: list[tuple[float, float]], level: float) -> float | None:
    """CIEDE2000 where the (colourfulness, CIEDE2000) curve reaches ``level``, linearly between points."""
    pts = sorted(curve)
    for (c0, d0), (c1, d1) in zip(pts, pts[1:]):
        if c0 <= level <= c1:
            return d0 + (d1 - d0) * (level - c0) / (c1 - c0) if c1 > c0 else d0
    return None


def frontier(args: argparse.Namespace) -> None:
    """Generators at equal colourfulness: CIEDE2000 along each one's frontier.

    CIEDE2000 at 0.55x, 0.7x and 0.85x the photos' own colourfulness, read off each one's curve
    over --points of its vividness scale ("-": the curve does not reach it). A paler decoding
    scores better while being less useful, so comparing generators at their own defaults would
    mix accuracy with boldness."""
    sets = common.photo_sets(args.val)
    kind = Mirrored if args.flip else Colorizer
    print(f"CPU: {common.cpu_name()}" + ("; test-time flip" if args.flip else ""))
    print("| weights | set | CIEDE2000 at 0.55x | at 0.7x | at 0.85x | default: PSNR / CIEDE2000 / colourfulness |")
    print("|---|---|---|---|---|---|")
    for weights in args.weights:
        col = kind.from_pretrained(weights, device="cpu")
        decodings = {**{float(v): col.decoding(float(v)) for v in np.linspace(0, 1, args.points)}, "default": col.decoding()}
        for name, refs in sets.items():
            gt = np.mean([colorfulness(r) for r in refs])
            scores = score_decodings(col, refs, col.config.size, {k: partial(col.decode, decoding=d) for k, d in decodings.items()})
            mean = {k: {m: float(np.mean([s[m] for s in v])) for m in ("psnr", "ciede2000", "colorfulness")} for k, v in scores.items()}
            curve = [(mean[k]["colorfulness"] / gt, mean[k]["ciede2000"]) for k in decodings if k != "default"]
            if args.curve:
                points = ", ".join(f"{k:.3f}: {c:.2f}x {d:.2f}" for k, (c, d) in zip(decodings, curve))
                print(f"curve of {weights} on {name} (vividness: colourfulness, CIEDE2000): {points}")
            d = mean["default"]
            cells = ["-" if c is None else f"{c:.2f}" for c in (at_level(curve, level) for level in LEVELS)]
            print(
                f"| {weights} | {name} ({len(refs)}) | " + " | ".join(cells)
                + f" | {d['psnr']:.2f} / {d['ciede2000']:.2f} / {d['colorfulness'] / gt:.2f}x |",
                flush=True,
            )  # fmt: skip


# The baseline for hints: the edge-aware solver the product used before hint_spread.py. An
# optimisation in the spirit of Levin, Lischinski & Weiss (2004), with the generator's ab as the
# prior: on a grid of at most GRID cells a side, ab minimises
#     sum_{neighbours i,j} w_ij |u_i - u_j|^2 + ALPHA sum_i |u_i - prior_i|^2 + BETA sum_hints |u_h - t_h|^2
# with w_ij = exp(-(L_i - L_j)^2 / 2 SIGMA^2): colour flows through similar tones and stops at
# strong edges. "solver": the constants v4 shipped with; "global solver": the earlier ones.
GRID = 256  # long side of the grid the hints are solved on
# Pull towards the network's prediction: a hint's colour fades over about 1/sqrt(ALPHA) grid cells
# of even tone (18 here), so it fills its object and not the photo. At 1e-4 one red hint on
# kodim04's hat turned her face pink too (bench/quality.py hints: 3.93 CIEDE2000 of change outside
# a disc of 1/8 the short side, against 1.05 now).
ALPHA = 3e-3
BETA = 1e3  # how hard a hint holds its colour
RADIUS = 4.0  # grid cells around a hint that take its colour (those of the hint's own tone)
SIGMA = 2.0  # L difference (L* units) at which a neighbour link weakens to exp(-1/2): edges stop colour
COUNTS = (0, 1, 2, 5, 10, 20)
SOLVERS = {"solver": {}, "global solver": {"ALPHA": 1e-4, "SIGMA": 4.0}}


def _grid_laplacian(Lg: np.ndarray) -> sp.csr_matrix:
    h, w = Lg.shape
    idx = np.arange(h * w).reshape(h, w)
    rows, cols, vals = [], [], []
    for a, b in ((idx[:, :-1], idx[:, 1:]), (idx[:-1, :], idx[1:, :])):
        la, lb = Lg.ravel()[a.ravel()], Lg.ravel()[b.ravel()]
        wgt = np.exp(-((la - lb) ** 2) / (2 * SIGMA**2))
        rows += [a.ravel(), b.ravel()]
        cols += [b.ravel(), a.ravel()]
        vals += [-wgt, -wgt]
    off = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(h * w, h * w))
    return off - sp.diags(np.asarray(off.sum(axis=1)).ravel())


def apply_hints(L: torch.Tensor, ab_prior: torch.Tensor, hints: list[Hint]) -> torch.Tensor:
    """Full-resolution L (H, W) + low-resolution prior ab (2, h, w) -> ab (2, gh, gw) honouring hints."""
    if not hints:
        return ab_prior
    H, W = L.shape
    scale = min(1.0, GRID / max(H, W))
    gh, gw = max(2, round(H * scale)), max(2, round(W * scale))
    Lg = F.interpolate(L[None, None].float(), size=(gh, gw), mode="bilinear", antialias=True, align_corners=False)[0, 0].double().numpy()
    prior = F.interpolate(ab_prior[None].float(), size=(gh, gw), mode="bilinear", align_corners=False)[0].double().numpy()
    n = gh * gw
    pin = np.zeros(n)
    target = np.zeros((2, n))
    yy, xx = np.mgrid[:gh, :gw]
    for x, y, a, b in hint_targets(L, hints):
        # the hint holds a small disc of grid cells around its full-resolution pixel, of its own tone:
        # a point alone fades within a few cells (in 2-D a pinned point's influence falls off fast)
        gy, gx = (y + 0.5) * gh / H - 0.5, (x + 0.5) * gw / W - 0.5
        near = ((yy - gy) ** 2 + (xx - gx) ** 2 <= max(RADIUS, 0.75) ** 2) & (np.abs(Lg - Lg[round(gy), round(gx)]) < SIGMA)
        pin[near.ravel()] = BETA
        target[:, near.ravel()] = np.array([[a], [b]])
    A = (_grid_laplacian(Lg) + sp.diags(ALPHA + pin)).tocsr()
    precond = sp.diags(1.0 / A.diagonal())
    out = np.empty((2, n))
    for c in range(2):
        rhs = ALPHA * prior[c].ravel() + pin * target[c]
        out[c], _ = cg(A, rhs, x0=prior[c].ravel(), M=precond, rtol=1e-6, maxiter=2000)
    return torch.from_numpy(out.reshape(2, gh, gw)).float()


def solved(col: Colorizer, image, hints: list | None = None) -> Image.Image:
    """The generator's automatic colour with the hints spread by the solver (the baseline)."""
    L, _ = col.read(image)
    return col.render(L, apply_hints(L, col.photo_ab(L), hints or []))


@contextmanager
def solver(settings: dict):
    module = sys.modules[__name__]
    old = {k: getattr(module, k) for k in settings}
    for k, v in settings.items():
        setattr(module, k, v)
    try:
        yield
    finally:
        for k, v in old.items():
            setattr(module, k, v)


def hint_quality(args: argparse.Namespace) -> None:
    """How much colour hints help, and whether they colour the object.

    Ideepcolor's protocol (Zhang et al. 2017): N random pixels hint the photo's own colour there;
    PSNR and CIEDE2000 for N = 0 to 20 over seeds, for a network with hint inputs (as shipped,
    with hint_spread.py after it, and alone), and for other generators today's edge-aware
    solver and the earlier global one; then the first method against each other, photo by photo
    (each photo's mean over the seeds), with standard errors, and how closely each keeps the hints
    (CIEDE2000 at the hinted pixels). Locality on kodim04 at full
    size: one hint of the hat's colour at (256, 90); the mean CIEDE2000 change over the hat (rows
    40-140, columns 120-400) and the face (rows 300-470, columns 180-360)."""
    refs = [np.asarray(Image.fromarray(r).reduce(args.scale)) for r in load_references(args.data, args.limit)]
    kodim04 = np.asarray(Image.open(args.kodim04).convert("RGB"))
    print(f"CPU: {common.cpu_name()}; {args.data}: {len(refs)} photos at {refs[0].shape[1]}x{refs[0].shape[0]}, {args.seeds} seeds\n")
    print("| method | " + " | ".join(f"N={n}: PSNR / CIEDE2000" for n in COUNTS) + " | kodim04: hat change | face change |")
    print("|---|" + "---|" * (len(COUNTS) + 2))
    scores = {}  # method -> N -> CIEDE2000 per photo, the mean over seeds
    obeyed = {}  # method -> the mean CIEDE2000 at the hinted pixels, per N >= 1
    for w in args.weights:
        col = Colorizer.from_pretrained(w, device="cpu")
        methods = {"the spread (shipped)": (col.colorize, {})}
        if col.hints_in_network:
            methods["network alone"] = (partial(network_alone, col), {})
        else:
            methods |= {name: (partial(solved, col), settings) for name, settings in SOLVERS.items()}
        for name, (colorize, settings) in methods.items():
            with solver(settings):
                cells = []
                for n in COUNTS:
                    p, d, held = [], [], []
                    for seed in range(args.seeds):
                        rng = np.random.default_rng(seed)
                        for ref in refs:
                            ys, xs = rng.integers(0, ref.shape[0], n), rng.integers(0, ref.shape[1], n)
                            hs = [(float(x), float(y), tuple(int(v) for v in ref[y, x])) for x, y in zip(xs, ys)]
                            out = np.asarray(colorize(ref, hints=hs))
                            p.append(psnr(out, ref))
                            d.append(ciede2000(out, ref))
                            held += list(deltaE_ciede2000(rgb2lab(ref[ys, xs][None]), rgb2lab(out[ys, xs][None]))[0])
                    cells.append(f"{np.mean(p):.2f} / {np.mean(d):.2f}")
                    scores.setdefault(f"{w}: {name}", {})[n] = np.reshape(d, (args.seeds, len(refs))).mean(0)
                    obeyed.setdefault(f"{w}: {name}", []).extend([f"{np.mean(held):.2f}"] if n else [])
                hat, face = hint_locality(colorize, kodim04)
            print(f"| {w}: {name} | " + " | ".join(cells) + f" | {hat:.2f} | {face:.2f} |", flush=True)
    print(f"\nCIEDE2000 at the hinted pixels to the hint's own colour, N = {'/'.join(map(str, COUNTS[1:]))}:")
    for label, cells in obeyed.items():
        print(f"{label}: {' / '.join(cells)}")
    first, *others = scores
    for other in others:
        diffs = (paired_difference(scores[first][n], scores[other][n]) for n in COUNTS[1:])
        print(f"\n{first} - {other}, CIEDE2000 photo by photo (SE), N = {'/'.join(map(str, COUNTS[1:]))}: "
              + ", ".join(f"{m:+.2f} ({se:.2f})" for m, se in diffs))  # fmt: skip


def network_alone(col: Colorizer, image, hints: list | None = None) -> Image.Image:
    """What a generator with hint inputs makes of the hints by itself, before hint_spread.py."""
    L, _ = col.read(image)
    small = col.working_l(L, col.config.size)
    _, hinted, _ = col.hinted_logits(small, col.hint_map(L, hints, small))
    return col.render(L, col.decode(hinted)[0])


def alternatives(args: argparse.Namespace) -> None:
    """How different the alternatives are, and what each costs in accuracy.

    Mean pairwise CIEDE2000, and pairwise ab distance on ab downsampled x8 (so pixel noise does
    not count); each alternative's CIEDE2000 against the main result's."""

    def ab8(img: Image.Image) -> np.ndarray:
        w, h = img.size
        return rgb2lab(np.asarray(img.resize((max(1, w // 8), max(1, h // 8)), Image.BOX)))[..., 1:]

    col = Colorizer.from_pretrained(args.weights, device="cpu")
    refs = load_references(args.data)
    main_err, alt_err, diversity, main_div, pairwise = [], [[] for _ in range(args.n)], [], [], []
    sure, unsure = [], []  # pairwise CIEDE2000 in the third of pixels where the model is surest / least sure
    d = col.decoding()
    for ref in refs:
        grey = Image.fromarray(ref).convert("L")
        main = col.colorize(grey)
        alts = col.colorize(grey, n=args.n, seed=args.seed)
        main_err.append(ciede2000(np.asarray(main), ref))
        for k, a in enumerate(alts):
            alt_err[k].append(ciede2000(np.asarray(a), ref))
        pairwise.append(np.mean([ciede2000(np.asarray(x), np.asarray(y)) for x, y in combinations(alts, 2)]))
        labs = [rgb2lab(np.asarray(a)) for a in alts]
        spread = np.mean([deltaE_ciede2000(x, y) for x, y in combinations(labs, 2)], axis=0)
        logits = col.photo_logits(col.read(ref)[0])
        confidence = col.generator.distribution(logits, d.temperature, d.bias_scale).amax(1)[0].float().numpy()
        conf = np.asarray(Image.fromarray(confidence).resize(grey.size, Image.BILINEAR))
        lo, hi = np.quantile(conf, [1 / 3, 2 / 3])
        sure.append(spread[conf >= hi].mean())
        unsure.append(spread[conf <= lo].mean())
        abs_ = [ab8(a) for a in alts]
        diversity.append(np.mean([np.linalg.norm(x - y, axis=-1).mean() for x, y in combinations(abs_, 2)]))
        main_div.append(np.mean([np.linalg.norm(ab8(main) - x, axis=-1).mean() for x in abs_]))
    print(f"{args.data}: {len(refs)} images, n {args.n}, seed {args.seed}, working size {col.config.size}, {d.describe()}")
    print(f"main result: CIEDE2000 {np.mean(main_err):.2f}")
    for k, e in enumerate(alt_err):
        print(f"alternative {k + 1}: CIEDE2000 {np.mean(e):.2f} ({np.mean(e) - np.mean(main_err):+.2f})")
    print(f"diversity: mean pairwise CIEDE2000 {np.mean(pairwise):.2f} (smallest photo {np.min(pairwise):.2f})")
    print(f"where the model is surest (top third of pixels by its largest bin probability): pairwise {np.mean(sure):.2f}; "
          f"least sure third: {np.mean(unsure):.2f}")  # fmt: skip
    print(f"diversity: mean pairwise ab distance (x8 downsampled) {np.mean(diversity):.2f}; from the main result {np.mean(main_div):.2f}")


def main() -> None:
    ap, command = common.command_line(__doc__)

    kodak = str(common.SHARED / "bench" / "kodak24")

    p = command("paired", paired)
    p.add_argument("--weights", required=True, help="the candidate generator")
    p.add_argument("--baseline", default=None, help="default: the shipped generator")
    p.add_argument("--data", nargs="*", default=[], help="folders (or .pack files) of colour photos")
    p.add_argument("--general", default=None, help="a validation pack: also its general photos")

    p = command("per-image", per_image)
    p.add_argument("--weights", default=None, help="default: the shipped weights")
    p.add_argument("--data", default=kodak, help="a folder of colour photos")

    p = command("per-group", per_group)
    p.add_argument("--weights", required=True, help="the candidate generator")
    p.add_argument("--baseline", default=None, help="default: the shipped weights")
    p.add_argument("--data", required=True, help="a .pack whose manifest names each photo's folder")

    for name, fn in (("vividness", vividness), ("frontier", frontier)):
        p = command(name, fn)
        p.add_argument("--weights", nargs="+", default=["weights"])
        p.add_argument("--val", required=True, help="the validation pack (its manifest names each photo's folder)")
    p.add_argument("--points", type=int, default=11, help="points of the vividness scale, 0 to 1")
    p.add_argument("--curve", action="store_true", help="also print every point of each curve")
    p.add_argument("--flip", action="store_true", help="test-time flip: average the logits with the mirror image's")

    p = command("hints", hint_quality)
    p.add_argument("--weights", nargs="+", default=["weights"])
    p.add_argument("--data", default=kodak)
    p.add_argument("--kodim04", default=str(Path(kodak) / "kodim04.png"), help="the photo of the locality check")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--limit", type=int, default=None, help="photos to use at most")
    p.add_argument("--scale", type=int, default=2, help="photos downscaled by this (Kodak24 at 384x256 by default)")

    p = command("alternatives", alternatives)
    p.add_argument("--weights", default=None, help="default: the shipped weights")
    p.add_argument("--data", default=kodak)
    p.add_argument("--n", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)

    common.run(ap)


if __name__ == "__main__":
    main()
