"""Video: round trips with the right frames, rate, size and sound; flicker measured and reduced."""

import numpy as np
import pytest
from PIL import Image

from colorizer import Colorizer
from colorizer.testing import flicker_and_object_error
from colorizer.video import VideoError, colorize_video, probe

from .helpers import count_frames, write_clip

av = pytest.importorskip("av")


@pytest.fixture
def colorizer(tiny_generator):
    return Colorizer(tiny_generator, device="cpu")


def test_round_trip_keeps_frames_rate_size_and_sound(colorizer, tmp_path):
    src = tmp_path / "clip.mp4"
    write_clip(src)
    info = colorize_video(colorizer, src, tmp_path / "out.mp4", size=32, progress=False)
    assert info["frames"] == 12
    out = probe(tmp_path / "out.mp4")
    assert (out["width"], out["height"], out["fps"], out["audio"]) == (64, 48, 10, True)
    assert count_frames(tmp_path / "out.mp4") == 12
    with av.open(str(tmp_path / "out.mp4")) as c:
        assert "neural network" in c.metadata.get("comment", "")  # provenance travels with the file


@pytest.mark.parametrize("name, vcodec, acodec", [("clip.avi", "mpeg4", "pcm_s16le"), ("clip.mov", "libx264", "aac")])
def test_avi_and_mov(colorizer, tmp_path, name, vcodec, acodec):
    write_clip(tmp_path / name, n=6, vcodec=vcodec, acodec=acodec)
    info = colorize_video(colorizer, tmp_path / name, tmp_path / "out.mp4", size=32, progress=False)
    assert info["frames"] == 6 and info["audio"]
    out = probe(tmp_path / "out.mp4")
    assert (out["width"], out["height"], out["fps"], out["audio"]) == (64, 48, 10, True)
    assert count_frames(tmp_path / "out.mp4") == 6


def test_gif_and_odd_sizes(colorizer, tmp_path, photo):
    frames = [Image.fromarray(np.roll(photo[::8, ::8], 3 * i, axis=1)[:63, :61]).convert("P") for i in range(5)]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    info = colorize_video(colorizer, tmp_path / "a.gif", tmp_path / "a.mp4", size=32, progress=False)
    assert info["frames"] == 5 and (info["width"], info["height"]) == (61, 63)
    assert count_frames(tmp_path / "a.mp4") == 5


def test_bad_videos_give_clear_errors(colorizer, tmp_path):
    (tmp_path / "junk.mp4").write_bytes(b"not a video at all")
    with pytest.raises(VideoError, match="not a readable video"):
        colorize_video(colorizer, tmp_path / "junk.mp4", tmp_path / "o.mp4", progress=False)
    src = tmp_path / "clip.mp4"
    write_clip(src, audio=False)
    (tmp_path / "cut.mp4").write_bytes(src.read_bytes()[:300])
    with pytest.raises(VideoError):
        colorize_video(colorizer, tmp_path / "cut.mp4", tmp_path / "o.mp4", progress=False)
    assert not (tmp_path / "o.mp4").exists() and not list(tmp_path.glob(".*tmp*"))


def test_temporal_smoothing_halves_flicker_without_ghosts():
    col = Colorizer.from_pretrained(device="cpu")  # the shipped weights: real predictions flicker
    plain_flicker, plain_err = flicker_and_object_error(col, 0.0)
    smooth_flicker, smooth_err = flicker_and_object_error(col, 0.8)
    print(f"flicker {plain_flicker:.3f} -> {smooth_flicker:.3f}; object ab error {plain_err:.2f} -> {smooth_err:.2f}")
    assert smooth_flicker <= 0.5 * plain_flicker
    assert smooth_err <= 1.1 * plain_err
