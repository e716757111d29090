import numpy as np
import pytest
import torch
from PIL import Image
from skimage.color import deltaE_ciede2000, rgb2lab

from colorizer import Colorizer
from colorizer.color import gamut_map, rgb_to_lab


@pytest.fixture
def colorizer(tiny_generator):
    return Colorizer(tiny_generator, device="cpu")


def two_regions(w: int = 160, h: int = 120) -> np.ndarray:
    """Left half mid-grey, right half light grey: one strong vertical edge."""
    a = np.full((h, w), 100, np.uint8)
    a[:, w // 2 :] = 190
    return a


def expected_color(L: float, rgb: tuple[int, int, int]) -> np.ndarray:
    lab = rgb_to_lab(torch.tensor(rgb, dtype=torch.float64).view(1, 3, 1, 1) / 255)[0, :, 0, 0]
    lab[0] = L
    return gamut_map(lab.view(3, 1, 1))[:, 0, 0].numpy()


def test_hints_are_honoured_spread_and_stop_at_edges(colorizer):
    img = two_regions()
    hints = [(30, 60, (200, 30, 30)), (130, 30, (30, 60, 220))]
    out = np.asarray(colorizer.colorize(img, size=64, hints=hints))
    lab = rgb2lab(out)
    for x, y, rgb in hints:
        want = expected_color(lab[y, x, 0], rgb)
        assert deltaE_ciede2000(lab[y, x], want) < 5, (x, y)
    # the red spreads around its hint in the left region and the blue in the right, not across the edge
    left, right = lab[50:70, 20:40].reshape(-1, 3), lab[20:40, 120:140].reshape(-1, 3)
    assert np.median(left[:, 1]) > 15 and np.median(right[:, 2]) < -10  # (a light blue has little chroma)
    assert np.median(right[:, 1]) < np.median(left[:, 1]) - 15
    # lightness is the input's own
    assert np.percentile(np.abs(lab[..., 0] - rgb2lab(np.repeat(img[..., None], 3, -1))[..., 0]), 99) <= 1


def test_no_hints_is_the_plain_result(colorizer, photo):
    a = colorizer.colorize(photo[:64, :64], size=64)
    b = colorizer.colorize(photo[:64, :64], size=64, hints=[])
    assert np.array_equal(np.asarray(a), np.asarray(b))


def test_hint_outside_the_image_is_refused(colorizer):
    with pytest.raises(ValueError, match="outside"):
        colorizer.colorize(two_regions(), size=64, hints=[(500, 5, (1, 2, 3))])


def test_alternatives_differ_and_are_seeded(colorizer, photo):
    alts = colorizer.colorize(photo[::4, ::4], size=64, n=3, seed=5)
    assert len(alts) == 3 and all(a.size == (128, 128) for a in alts)
    ab = [rgb2lab(np.asarray(a))[::8, ::8, 1:] for a in alts]
    assert min(np.linalg.norm(ab[i] - ab[j], axis=-1).mean() for i in range(3) for j in range(i + 1, 3)) > 0.5
    again = colorizer.colorize(photo[::4, ::4], size=64, n=3, seed=5)
    assert all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(alts, again))
    other = colorizer.colorize(photo[::4, ::4], size=64, n=1, seed=6)[0]
    assert not np.array_equal(np.asarray(other), np.asarray(alts[0]))


def test_alternatives_take_hints(colorizer):
    hint = (30, 60, (200, 30, 30))
    for alt in colorizer.colorize(Image.fromarray(two_regions()), size=64, n=2, hints=[hint]):
        lab = rgb2lab(np.asarray(alt))
        assert deltaE_ciede2000(lab[60, 30], expected_color(lab[60, 30, 0], hint[2])) < 5


def test_one_hint_on_a_real_photo_colours_its_object_and_leaves_the_others(photo):
    """A red click on the astronaut's suit: the suit turns red, even far from the click; her face,
    the shuttle and the helmet do not (a global solver turned kodim04's face pink with her hat)."""
    from .conftest import REPO

    for weights in (REPO / "weights", REPO / "weights" / "unet_lite0_v4"):  # with hint inputs, and without
        col = Colorizer.from_pretrained(weights, device="cpu")
        L = col.read(photo[::2, ::2])[0]  # 256x256
        plain = rgb2lab(np.asarray(col.render(L, col.photo_ab(L))))
        hinted = rgb2lab(np.asarray(col.render(L, col.photo_ab(L, hints=[(60, 150, (200, 30, 30))]))))  # red, the suit's left side
        change = deltaE_ciede2000(plain, hinted)
        suit, face, shuttle, helmet = change[140:200, 140:175], change[25:75, 90:140], change[0:120, 185:235], change[180:250, 150:240]
        assert change[150, 60] > 10 and suit.mean() > 4, weights  # the click and the suit's other side, 80-110 px away
        assert face.mean() < 1.0 and shuttle.mean() < 0.5 and helmet.mean() < 0.5, weights


def test_contact_sheet_adds_a_hinted_column_and_marks_the_click(tmp_path, tiny_generator):
    """bench/contact_sheet.py --hint: a second column per generator, filled only for hinted photos."""
    import subprocess
    import sys
    from pathlib import Path

    from colorizer.weights import save_generator

    save_generator(tiny_generator, tmp_path / "w")
    (tmp_path / "photos").mkdir()
    for name, colour in (("a.png", (200, 40, 40)), ("b.png", (40, 40, 200))):
        Image.fromarray(np.full((90, 120, 3), colour, np.uint8)).save(tmp_path / "photos" / name)
    repo = Path(__file__).resolve().parents[1]
    cmd = [sys.executable, str(repo / "bench" / "contact_sheet.py"), "--weights", str(tmp_path / "w"), "--labels", "tiny"]
    cmd += ["--data", str(tmp_path / "photos"), "--hint", "a.png:60,45", "--out", str(tmp_path / "sheet.png")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    sheet = np.asarray(Image.open(tmp_path / "sheet.png").convert("RGB")).astype(int)
    assert sheet.shape == (24 + 2 * 180, 3 * 240, 3)  # grey input, tiny, tiny + hints
    a, b = sheet[24:204], sheet[204:384]
    assert (b[:, 480:] == 255).all()  # b has no hint: its hinted cell stays empty
    assert (a[:, 480:] != 255).any()
    click = a[90 - 4 : 90 + 5, 120 - 4 : 120 + 5]  # the ring's centre on the grey input (cell 120x90 at scale 1)
    assert (click[..., 0] - click[..., 2]).mean() > 100  # filled with the photo's own red around the click
    bad = subprocess.run([*cmd[:-4], "--hint", "no-colon", "--out", str(tmp_path / "x.png")], capture_output=True, text=True)
    assert bad.returncode == 2 and "NAME:X,Y" in bad.stderr
