import numpy as np
from PIL import Image
from skimage.color import rgb2lab

from colorizer.weights import save_generator

from .helpers import run_cli, run_cli_process


def test_folder_with_a_bad_file(tmp_path, tiny_generator, photo):
    w = tmp_path / "w"
    save_generator(tiny_generator, w)
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    Image.fromarray(photo[:64, :96]).convert("L").save(src / "a.jpg")
    Image.fromarray(photo[64:128, :80]).save(src / "sub" / "b.png")
    (src / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    before = {p: p.read_bytes() for p in src.rglob("*") if p.is_file()}
    r = run_cli(src, tmp_path / "out", "--weights", w, "--size", "64")
    assert r.returncode == 1, r.stderr
    assert "broken.png" in r.stderr and "2 of 3" in r.stderr
    assert Image.open(tmp_path / "out" / "a.png").size == (96, 64)
    assert Image.open(tmp_path / "out" / "sub" / "b.png").mode == "RGB"
    assert not list((tmp_path / "out").rglob(".*tmp*"))  # no temporary files left
    assert before == {p: p.read_bytes() for p in src.rglob("*") if p.is_file()}  # inputs untouched


def test_single_file_and_refusing_to_overwrite(tmp_path, tiny_generator, photo):
    w = tmp_path / "w"
    save_generator(tiny_generator, w)
    src = tmp_path / "photo.png"
    Image.fromarray(photo[:64, :64]).save(src, dpi=(300, 300))
    original = src.read_bytes()
    r = run_cli_process(src, src, "--weights", w)
    assert r.returncode == 2 and "overwrite" in r.stderr
    assert src.read_bytes() == original
    r = run_cli_process(src, tmp_path / "out.png", "--weights", w, "--size", "64")
    assert r.returncode == 0, r.stderr
    assert np.asarray(Image.open(tmp_path / "out.png")).shape == (64, 64, 3)
    software = Image.open(tmp_path / "out.png").info["Software"]  # provenance: what made it, how
    assert software.startswith("colorizer: ECCV16 generator") and "working size 64" in software
    assert np.allclose(Image.open(tmp_path / "out.png").info["dpi"], 300, atol=0.01)  # prints at the scan's size


def test_folder_in_another_format(tmp_path, tiny_generator, photo):
    w = tmp_path / "w"
    save_generator(tiny_generator, w)
    (tmp_path / "in").mkdir()
    Image.fromarray(photo[:64, :96]).convert("L").save(tmp_path / "in" / "a.png")
    r = run_cli(tmp_path / "in", tmp_path / "out", "--weights", w, "--size", "64", "--format", "tif")
    assert r.returncode == 0, r.stderr
    out = Image.open(tmp_path / "out" / "a.tif")
    assert out.format == "TIFF" and out.size == (96, 64) and "neural network" in out.getexif()[0x010E]


def test_missing_weights_message(tmp_path, photo):
    src = tmp_path / "photo.png"
    Image.fromarray(photo[:64, :64]).save(src)
    r = run_cli(src, tmp_path / "o.png", "--weights", tmp_path / "nope")
    assert r.returncode == 2 and "weights not found" in r.stderr


def test_messages_name_each_path_once(tmp_path, tiny_generator, photo):
    w = tmp_path / "w"
    save_generator(tiny_generator, w)
    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(photo[:64, :64]).save(src / "good.png")
    (src / "empty.png").write_bytes(b"")
    (src / "broken.jpg").write_bytes(b"not an image at all")
    r = run_cli(src, tmp_path / "out", "--weights", w, "--size", "64")
    assert r.returncode == 1
    lines = [line for line in r.stderr.splitlines() if "skipped" in line]
    assert any(line.endswith("empty.png: the file is empty") for line in lines), r.stderr
    assert all(line.count(str(src)) == 1 for line in lines), lines  # the path once, not twice
    assert "1 of 3 images written" in r.stderr
    single = run_cli(src / "good.png", tmp_path / "one.png", "--weights", w, "--size", "64")
    assert single.returncode == 0 and "of 1 images" not in single.stderr and "one.png" in single.stderr
    empty = run_cli(src / "empty.png", tmp_path / "two.png", "--weights", w)
    assert empty.returncode == 1 and "the file is empty" in empty.stderr and "of 1 images" not in empty.stderr


def test_every_entry_left_out_is_reported(tmp_path, tiny_generator, photo):
    import os
    import socket

    w = tmp_path / "w"
    save_generator(tiny_generator, w)
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    Image.fromarray(photo[:64, :64]).save(src / "good.png")
    (src / "sub" / "loop").symlink_to(src, target_is_directory=True)
    (src / "dangling.png").symlink_to(tmp_path / "nowhere.png")
    (src / "linked.png").symlink_to(src / "good.png")  # a link to an image is followed
    os.mkfifo(src / "pipe.png")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(src / "sock"))
        r = run_cli(src, tmp_path / "out", "--weights", w, "--size", "64")
    assert r.returncode == 1, r.stderr
    for name, why in (("loop", "symbolic link loop"), ("dangling.png", "does not exist"), ("pipe.png", "named pipe"), ("sock", "socket")):
        assert any(name in line and why in line for line in r.stderr.splitlines()), (name, r.stderr)
    assert (tmp_path / "out" / "good.png").is_file() and (tmp_path / "out" / "linked.png").is_file()
    assert "2 of 2 images written" in r.stderr and "4 failed" in r.stderr
    fifo = run_cli(src / "pipe.png", tmp_path / "one.png", "--weights", w)  # alone: refused, never opened (it would block)
    assert fifo.returncode == 1 and "error:" in fifo.stderr and "named pipe" in fifo.stderr and "empty" not in fifo.stderr


def test_vividness_flag_and_refused_settings(tmp_path, tiny_generator, photo):
    w = tmp_path / "w"
    save_generator(tiny_generator, w)
    src = tmp_path / "photo.png"
    Image.fromarray(photo[:64, :64]).convert("L").save(src)
    ok = run_cli(src, tmp_path / "v.png", "--weights", w, "--vividness", "0.9")
    assert ok.returncode == 0, ok.stderr
    assert "vividness 0.90" in Image.open(tmp_path / "v.png").info["Software"]
    for flags in (["--vividness", "1.5"], ["--temperature", "0"], ["--vividness", "0.5", "--temperature", "0.5"], ["--size", "0"]):
        r = run_cli(src, tmp_path / "x.png", "--weights", w, *flags)
        assert r.returncode == 2 and r.stderr.startswith("error:"), (flags, r.stderr)


def test_hints_colour_their_pixels_and_bad_ones_are_refused(tmp_path, tiny_generator, photo):
    """--hint X,Y,#rrggbb on one photo: the result takes that colour there, provenance counts the hints."""
    w = tmp_path / "w"
    save_generator(tiny_generator, w)
    src = tmp_path / "grey.png"
    grey = Image.fromarray(photo[:96, :128]).convert("L")
    grey.save(src)
    (y1, x1), (y2, x2) = np.argwhere((np.asarray(grey) > 100) & (np.asarray(grey) < 170))[[0, -1]]  # mid-tones: room for colour
    hints = ["--hint", f"{x1},{y1},#d02020", "--hint", f"{x2},{y2},#2040d0"]
    r = run_cli(src, tmp_path / "out.png", "--weights", w, "--size", "64", *hints)
    assert r.returncode == 0, r.stderr
    lab = rgb2lab(np.asarray(Image.open(tmp_path / "out.png")))
    assert lab[y1, x1, 1] > 20 and lab[y2, x2, 2] < -20, (lab[y1, x1], lab[y2, x2])  # red there (a* up), blue there (b* down)
    assert Image.open(tmp_path / "out.png").info["Software"].endswith("2 colour hints")
    for bad, message in (("40,30,red", "expected X,Y,#RRGGBB"), ("40,-3,#d02020", "pixel positions"), ("999,30,#d02020", "outside")):
        r = run_cli(src, tmp_path / "bad.png", "--weights", w, "--size", "64", "--hint", bad)
        assert r.returncode in (1, 2) and message in r.stderr, (bad, r.stderr)
    r = run_cli(tmp_path, tmp_path / "folder_out", "--weights", w, "--hint", "1,1,#ffffff")
    assert r.returncode == 2 and "one image file" in r.stderr
