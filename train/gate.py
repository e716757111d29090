"""The ship gate: may a candidate generator replace the default, ship beside it, or not ship at all?

    python -m train.gate --candidate runs/v6/final --val .carry/packs-v6/val.pack
    python -m train.gate --candidate weights/unet_lite0_v5 --val .carry/packs-v6/val.pack   # a shipped one

Each generator is scored as users get it (whole photos, its own working size and default
decoding) on Kodak24 and on the general photos of the validation pack. The rules, each printed
with the figures behind it:

1. **Beats grey**: at its default, the candidate's mean CIEDE2000 is below the gray baseline's
   on both sets.
2. **The product rule**: its default gives the general photos 0.7x their own colourfulness
   (within --tolerance), so it is compared with the default at equal colour.
3. **Replaces the default** only if its CIEDE2000 is at least --margin (0.2) lower than the
   default generator's on both sets, photo by photo (mean difference and standard error);
   otherwise it ships beside it.
4. **Hints** (a generator with hint inputs): one click on kodim04's hat with the hat's colour
   changes the hat by 10 or more and the face by at most 1.5. Reported beside the verdict,
   which is about automatic colour and does not depend on it.

Exit status 0 when the candidate may ship (either way), 1 when not.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from colorizer import Colorizer
from colorizer.evaluate import general_photos, hint_locality, load_references, paired_difference, score_as_shipped
from colorizer.metrics import ciede2000, colorfulness, gray_baseline

BENCH = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "bench"


@dataclass
class Check:
    rule: str
    passed: bool
    figures: str
    kind: str  # "ship": every one must pass; "replace": every one for the default's place; "hints"


def gate(
    candidate: Colorizer,
    default: Colorizer,
    sets: dict[str, list[np.ndarray]],
    kodim04: np.ndarray | None,
    margin: float = 0.2,
    target: float = 0.7,
    tolerance: float = 0.05,
    hat: float = 10.0,
    face: float = 1.5,
) -> tuple[list[Check], str]:
    """The checks and the verdict: "replaces the default", "ships beside the default" or "does not ship".

    ``sets`` maps a name to its photos; the product rule is read on the set named "general photos"."""
    checks = []
    for name, refs in sets.items():
        scores = score_as_shipped(candidate, refs)
        new = [s["ciede2000"] for s in scores]
        old = [s["ciede2000"] for s in score_as_shipped(default, refs)]
        grey = float(np.mean([ciede2000(gray_baseline(r), r) for r in refs]))
        checks.append(Check(f"beats grey on {name}", np.mean(new) < grey, f"CIEDE2000 {np.mean(new):.2f}, grey {grey:.2f}", "ship"))
        mean, se = paired_difference(new, old)
        figures = f"candidate - default {mean:+.2f} (SE {se:.2f}); default {np.mean(old):.2f}; {len(refs)} photos"
        checks.append(Check(f"{margin} or more below the default on {name}", mean <= -margin, figures, "replace"))
        if name == "general photos":
            ratio = float(np.mean([s["colorfulness"] for s in scores]) / np.mean([colorfulness(r) for r in refs]))
            rule = f"default at {target}x colourfulness (product rule)"
            checks.append(Check(rule, abs(ratio - target) <= tolerance, f"{ratio:.2f}x", "ship"))
    if candidate.hints_in_network and kodim04 is not None:
        h, f = hint_locality(candidate.colorize, kodim04)
        rule = f"one hint colours the hat (>= {hat}) and not the face (<= {face})"
        checks.append(Check(rule, h >= hat and f <= face, f"hat {h:.2f}, face {f:.2f}", "hints"))
    return checks, verdict(checks)


def verdict(checks: list[Check]) -> str:
    """Every "ship" check must pass to ship; every "replace" check too to take the default's place."""
    if not all(c.passed for c in checks if c.kind == "ship"):
        return "does not ship"
    return "replaces the default" if all(c.passed for c in checks if c.kind == "replace") else "ships beside the default"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidate", required=True, help="the candidate's weights folder")
    ap.add_argument("--default", default=None, help="the default it would replace (default: the shipped weights)")
    ap.add_argument("--val", required=True, help="the validation pack (its general photos)")
    ap.add_argument("--kodak", type=Path, default=BENCH / "kodak24", help="Kodak24 (with kodim04.png for the hint check)")
    ap.add_argument("--margin", type=float, default=0.2)
    ap.add_argument("--target", type=float, default=0.7)
    ap.add_argument("--tolerance", type=float, default=0.05)
    args = ap.parse_args(argv)
    if not args.kodak.is_dir():
        raise SystemExit(f"no folder {args.kodak} (Kodak24 lives in ../shared/data/bench)")

    candidate, default = Colorizer.from_pretrained(args.candidate), Colorizer.from_pretrained(args.default)
    sets = {"Kodak24": load_references(args.kodak), "general photos": general_photos(args.val)}
    kodim04 = args.kodak / "kodim04.png"
    kodim04 = np.asarray(Image.open(kodim04).convert("RGB")) if kodim04.is_file() else None
    checks, decision = gate(candidate, default, sets, kodim04, args.margin, args.target, args.tolerance)
    print(f"candidate {args.candidate}: {candidate!r}\ndefault {args.default or 'shipped weights'}: {default!r}\n")
    print("| rule | passed | figures |\n|---|---|---|")
    for c in checks:
        print(f"| {c.rule} | {'yes' if c.passed else 'no'} | {c.figures} |")
    print(f"\nverdict: {decision}")
    return 0 if decision != "does not ship" else 1


if __name__ == "__main__":
    raise SystemExit(main())
