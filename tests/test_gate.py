"""train.gate: the ship gate's rules and its command."""

import numpy as np
from PIL import Image

from train.gate import Check, main, verdict

from .helpers import make_pack


def test_the_verdict_needs_every_ship_check_and_every_replace_check_for_the_default():
    ship = [Check("beats grey on Kodak24", True, "", "ship"), Check("product rule", True, "", "ship")]
    replace = [Check("0.2 below on Kodak24", True, "", "replace"), Check("0.2 below on general photos", True, "", "replace")]
    hints = [Check("hat", False, "", "hints")]
    assert verdict(ship + replace + hints) == "replaces the default"  # the hint check does not decide
    assert verdict(ship + [replace[0], Check("0.2 below on general photos", False, "", "replace")]) == "ships beside the default"
    assert verdict([Check("beats grey on Kodak24", False, "", "ship"), *ship[1:], *replace]) == "does not ship"


def test_the_command_scores_both_sets_and_refuses_a_random_generator(tmp_path, photo, tiny_generator, capsys):
    """A random generator is no better than grey and misses the product rule: it does not ship (exit 1)."""
    from colorizer.weights import save_generator

    save_generator(tiny_generator, tmp_path / "w")
    kodak = tmp_path / "kodak"
    kodak.mkdir()
    for i in range(3):
        Image.fromarray(np.roll(photo, 40 * i, axis=1)[::4, ::4]).save(kodak / f"kodim0{i + 1}.png")
    packs = make_pack(tmp_path, photo, folder="bsds500")  # a general folder
    code = main(["--candidate", str(tmp_path / "w"), "--default", str(tmp_path / "w"), "--val", f"{packs}/val.pack", "--kodak", str(kodak)])
    out = capsys.readouterr().out
    assert code == 1 and "verdict: does not ship" in out
    assert "| beats grey on Kodak24 |" in out and "| default at 0.7x colourfulness (product rule) |" in out
    assert "candidate - default +0.00 (SE 0.00)" in out  # the same weights on both sides: a paired difference of zero
