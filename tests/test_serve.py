"""The public server's actions without a server: checks at the door, the disk budget, messages."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from colorizer import Colorizer
from colorizer.serve import (
    UNEXPECTED,
    DiskBudget,
    Limits,
    Refused,
    Service,
    describe_hints,
    mark_hints,
    parse_color,
    upload_path,
    user_message,
)

NAN, INF = float("nan"), float("inf")


@pytest.fixture
def service(tmp_path, tiny_generator) -> Service:
    limits = Limits(folder=tmp_path / "out")
    return Service(Colorizer(tiny_generator, device="cpu"), limits, DiskBudget(limits.folder, limits.output_bytes, limits.output_seconds))


@pytest.fixture
def grey(tmp_path, photo) -> str:
    path = tmp_path / "g.png"
    Image.fromarray(photo).convert("L").resize((96, 64)).save(path)
    return str(path)


def test_a_colourisation_marks_its_hint_and_records_it(service, grey):
    r = service.colorize(grey, None, 128, 1.0, [[30, 20, "#ff0000"]])
    assert r.after.size == (96, 64) and tuple(np.asarray(r.before)[20, 30]) == (255, 0, 0)
    assert r.rows == [] and "1 colour hint" in Image.open(r.download).info["Software"]
    assert Path(r.download).is_relative_to(service.limits.folder)


def test_hints_are_bounded_and_checked(service, grey):
    bad = [
        [[10, 10, "#ff0000"]] * (service.limits.max_hints + 1),
        [[NAN, 10, "#ff0000"]],
        [[10, INF, "#ff0000"]],
        [[500, 10, "#ff0000"]],
        [[-3, 10, "#ff0000"]],
        [["10", 10, "#ff0000"]],
        [[10, 10, "red"]],
        [[10, 10, "#zzzzzz"]],
        [[10, 10]],
        "[[10, 10, '#ff0000']]",
    ]
    for hints in bad:
        with pytest.raises(Refused):
            service.colorize(grey, None, 128, None, hints)
    r = service.colorize(grey, None, 128, None, [[10, 10, "#ff0000"]] * service.limits.max_hints)
    assert r.after.size == (96, 64)


@pytest.mark.parametrize(
    "text",
    [
        'rgb(1,2,3)"></span><img src=x onerror=alert(1)>',
        "rgb(1, 2, 3)x",
        "rgb(256, 0, 0)",
        "rgb(1.5, 2, 3)",
        "rgb(1, 2)",
        "#ff000",
        "#ff0000<b>",
        "red",
        None,
        7,
    ],
)
def test_hint_colours_are_parsed_whole(text):
    with pytest.raises(Refused):
        parse_color(text)


def test_hint_colours_that_are_fine_and_how_they_show():
    assert parse_color("#C83232") == (200, 50, 50)
    assert parse_color(" rgb(200, 50, 50) ") == (200, 50, 50)
    assert parse_color("rgba(200, 50, 50, 1)") == (200, 50, 50)
    shown = describe_hints([[3, 4, "rgb(200, 50, 50)"]])
    assert "#c83232" in shown and "(3, 4)" in shown
    with pytest.raises(Refused):  # never shown verbatim: every colour is parsed again
        describe_hints([[3, 4, 'rgb(1,2,3)"><img src=x>']])


def test_hints_are_drawn_in_their_colour_and_nothing_else_changes(photo):
    grey = Image.fromarray(photo).convert("RGB")
    marked = np.asarray(mark_hints(grey, [(100, 50, (200, 30, 30)), (300, 400, (20, 200, 40))]))
    assert tuple(marked[50, 100]) == (200, 30, 30) and tuple(marked[400, 300]) == (20, 200, 40)
    assert np.array_equal(np.asarray(grey)[:40], marked[:40])
    assert mark_hints(grey, []) is grey


def test_only_uploads_are_taken(tmp_path):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "a.png").write_bytes(b"x")
    (tmp_path / "secret.png").write_bytes(b"x")
    assert upload_path({"path": str(uploads / "a.png")}, uploads) == str((uploads / "a.png").resolve())
    for bad in (str(uploads / "a.png"), {"path": str(tmp_path / "secret.png")}, {"path": str(uploads / "../secret.png")}, {"path": 7}, 7):
        with pytest.raises(Refused, match="as an upload"):
            upload_path(bad, uploads)


def test_a_photo_as_its_own_reference_gives_strict_json(service, grey):
    """The grey baseline equals a grey reference: PSNR is infinite, sent as the text "inf" with a note."""
    r = service.colorize(grey, grey, 128, None)
    json.dumps(r.rows, allow_nan=False)
    assert r.rows[1][1] == "inf" and "identical" in r.notes


def text_chunk_bomb(path: Path) -> Path:
    info = PngImagePlugin.PngInfo()
    info.add_text("comment", "x" * (PngImagePlugin.MAX_TEXT_CHUNK + 1), zip=True)
    Image.new("L", (32, 32), 100).save(path, pnginfo=info)
    return path


def test_bad_files_get_one_plain_message_as_photo_or_reference(service, grey, tmp_path):
    eps = tmp_path / "x.eps"
    Image.new("RGB", (10, 10)).save(eps)
    for bad in (text_chunk_bomb(tmp_path / "bomb.png"), eps):
        messages = set()
        for args in ((str(bad), None), (grey, str(bad))):
            with pytest.raises(Exception) as e:
                service.colorize(*args, 128, None)
            messages.add(user_message(e.value))
        assert messages == {"Not a readable image (an unknown format, or a damaged file)."}, (bad, messages)


def test_unexpected_errors_say_only_that_it_failed():
    assert user_message(KeyError("/srv/secret/PngImagePlugin")) == UNEXPECTED
    assert user_message(Refused("Vividness must be a number from 0 to 1.")) == "Vividness must be a number from 0 to 1."


def test_alternatives_keep_the_seed_not_the_images_and_a_pick_makes_it_again(service, grey):
    alts, choice = service.alternatives(grey, 128, 1.0, [], 3)
    assert len(alts) == 4 and len(json.dumps(choice)) < 200  # a session keeps this, not four full-size images
    for k in (0, 3):
        before, after, path = service.pick(grey, choice, k)
        assert np.array_equal(np.asarray(after), np.asarray(alts[k])) and Path(path).is_file()
    for index in (4, -1, True, "0", None):
        with pytest.raises(Refused):
            service.pick(grey, choice, index)


def test_disk_budget_sweeps_by_age_then_oldest_first(tmp_path):
    now = 1_500_000_000.0  # a fixed "now" (2017), handed to the sweep: no clock in the test
    for name, age, size in (("old", 7200, 10), ("a", 300, 1000), ("b", 200, 1000), ("c", 100, 1000)):
        d = tmp_path / name
        d.mkdir()
        (d / "x.png").write_bytes(b"\0" * size)
        for p in (d / "x.png", d):
            os.utime(p, (now - age, now - age))
    budget = DiskBudget(tmp_path, max_bytes=2500, max_age=3600)
    budget.sweep(now)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "c"]  # too old, then the oldest over the cap
    budget.sweep(now + 3600 - 50, keep=tmp_path / "b")  # c is too old now; b is kept as the newest write
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]


def test_every_write_stays_within_the_budget(tmp_path, tiny_generator, grey):
    """The download and Gradio's cache (any entry of the folder) share the cap; the newest result stays."""
    limits = Limits(folder=tmp_path / "out", output_bytes=60_000)
    service = Service(Colorizer(tiny_generator, device="cpu"), limits, DiskBudget(limits.folder, limits.output_bytes, 3600))
    (limits.folder / "cache-entry").mkdir(parents=True)
    (limits.folder / "cache-entry" / "upload.png").write_bytes(b"\0" * 50_000)
    for _ in range(6):
        r = service.colorize(grey, None, 128, None)
        assert Path(r.download).is_file()
        assert service.disk.used() <= limits.output_bytes
    assert not (limits.folder / "cache-entry").exists()


def test_limits_come_from_the_environment(tmp_path):
    limits = Limits.from_env(
        {"COLORIZER_MAX_MEGAPIXELS": "2", "COLORIZER_OUTPUT_MB": "1", "COLORIZER_OUTPUT_DIR": str(tmp_path), "COLORIZER_CONCURRENCY": "3"}
    )
    assert (limits.max_pixels, limits.output_bytes, limits.folder, limits.concurrency) == (2_000_000, 2**20, tmp_path, 3)
    assert Limits.from_env({}) == Limits()


def test_video_limits_are_checked_before_work(service, tmp_path):
    from .helpers import write_clip

    write_clip(tmp_path / "long.mp4", n=30, fps=10)  # 3 s
    short = Service(service.model, Limits(folder=service.limits.folder, video_seconds=1), service.disk)
    with pytest.raises(Refused, match="the limit is 1 s") as e:
        list(short.video(str(tmp_path / "long.mp4"), 128, None))
    assert str(tmp_path) not in str(e.value)
    *progress, (path, info) = list(service.video(str(tmp_path / "long.mp4"), 128, None))
    assert progress == ["10 frames so far", "20 frames so far", "30 frames so far"] and "30 frames" in info and Path(path).is_file()


MEMORY = """
import resource, sys
sys.path.insert(0, {root!r})
import numpy as np
import torch
from PIL import Image
from colorizer import Colorizer
from colorizer.color import ab_gamut
from colorizer.models import GeneratorConfig, build_generator
torch.manual_seed(0)
config = GeneratorConfig(arch="eccv16", width=0.125, num_bins=len(ab_gamut()), size=64)
model = Colorizer(build_generator(config, ab_gamut()).eval(), device="cpu")
model.max_pixels = 25_000_000
model.colorize(np.full((64, 64), 90, np.uint8), size=512)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = model.colorize(Image.new("L", {shape}, 90), size=512)
assert out.size == {shape}
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 2**10)
"""


@pytest.mark.parametrize("shape", [(4_000_000, 1), (1, 4_000_000), (2000, 2000)])
def test_memory_grows_with_pixels_not_with_shape(shape):
    """A 4-megapixel photo of any shape at the largest working size costs about the same (in a fresh process).

    Before, the column-upsampled ab was kept at full width (a 1 x 4,000,000 photo: +1.3 GB at size
    128) and the working-size resize widened a 4,000,000 x 1 photo to 512 columns first (+8 GB)."""
    code = MEMORY.format(root=str(Path(__file__).resolve().parent.parent), shape=shape)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    grown_mb = float(out.stdout.split()[-1])
    assert grown_mb < 300, f"{shape}: +{grown_mb:.0f} MB"
