import io

import numpy as np
import pytest
from PIL import Image
from skimage.color import rgb2lab

from colorizer import Colorizer
from colorizer.images import ImageError, lightness, open_image, to_standard
from colorizer.inference import compose, working_shape


def l_of(img) -> np.ndarray:
    """Reference L* via scikit-image of what the input looks like as RGB."""
    std = to_standard(open_image(img))
    if std.mode == "I":
        g = np.asarray(std).astype(np.float64) / 65535
        return rgb2lab(np.repeat(g[..., None], 3, -1))[..., 0]
    return rgb2lab(np.asarray(std.convert("RGB")))[..., 0]


def assert_keeps_l(out: Image.Image, src) -> None:
    dl = np.abs(rgb2lab(np.asarray(out))[..., 0] - l_of(src))
    assert np.percentile(dl, 99) <= 1.0


@pytest.fixture
def colorizer(tiny_generator):
    return Colorizer(tiny_generator, device="cpu")


def encoded(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def test_large_photo_keeps_size_and_lightness(colorizer, photo):
    big = Image.fromarray(photo).resize((4000, 3000))
    out = colorizer.colorize(big, size=64)
    assert out.size == (4000, 3000) and out.mode == "RGB"
    sample = (slice(None, None, 7), slice(None, None, 7))
    dl = np.abs(rgb2lab(np.asarray(out)[sample])[..., 0] - rgb2lab(np.asarray(big)[sample])[..., 0])
    assert np.percentile(dl, 99) <= 1.0


@pytest.mark.parametrize("mode", ["L", "LA", "RGBA", "P", "CMYK", "I;16"])
def test_modes(colorizer, photo, mode):
    rgb = Image.fromarray(photo[::4, ::4])
    if mode == "I;16":
        g = np.asarray(rgb.convert("L")).astype(np.uint16) * 257
        g[0, 0] = 65535
        src = Image.frombytes("I;16", g.shape[::-1], g.astype("<u2").tobytes())
        assert src.mode == "I;16"
    elif mode == "P":
        src = rgb.convert("P", palette=Image.ADAPTIVE)
    else:
        src = rgb.convert(mode)
    out = colorizer.colorize(src, size=64)
    assert out.size == src.size and out.mode == "RGB"
    assert_keeps_l(out, src)


def test_sixteen_bit_png_file(colorizer, tmp_path):
    g = (np.linspace(0, 65535, 96 * 64).reshape(64, 96)).astype(np.uint16)
    p = tmp_path / "g16.png"
    Image.frombytes("I;16", g.shape[::-1], g.astype("<u2").tobytes()).save(p)
    out = colorizer.colorize(p, size=64)
    assert out.size == (96, 64)
    ref = rgb2lab(np.repeat((g / 65535.0)[..., None], 3, -1))[..., 0]
    assert np.percentile(np.abs(rgb2lab(np.asarray(out))[..., 0] - ref), 99) <= 1.0


def test_exif_rotation_is_applied(colorizer, photo):
    img = Image.fromarray(photo[:64, :96])  # 96 wide, 64 high
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    data = encoded(img, "JPEG", exif=exif)
    out = colorizer.colorize(data, size=64)
    assert out.size == (64, 96)


def test_numpy_and_path_inputs(colorizer, photo, tmp_path):
    p = tmp_path / "x.png"
    Image.fromarray(photo[:64, :80]).save(p)
    a = colorizer.colorize(photo[:64, :80], size=64)
    b = colorizer.colorize(p, size=64)
    c = colorizer.colorize(photo[:64, :80].astype(np.float32) / 255, size=64)
    assert np.array_equal(np.asarray(a), np.asarray(b))
    assert np.abs(np.asarray(a).astype(int) - np.asarray(c).astype(int)).max() <= 1


def test_results_keep_the_scans_dpi(colorizer, photo, tmp_path):
    """A 600-dpi scan stays 600 dpi (single, batch and alternatives); a file without dpi gets none."""
    Image.fromarray(photo[:64, :64]).convert("L").save(tmp_path / "scan.tif", dpi=(600, 600))
    Image.fromarray(photo[:64, :64]).save(tmp_path / "plain.png")
    assert colorizer.colorize(tmp_path / "scan.tif", size=64).info["dpi"] == (600, 600)
    scan, plain = colorizer.colorize_batch([tmp_path / "scan.tif", tmp_path / "plain.png"], size=64)
    assert scan.info["dpi"] == (600, 600) and "dpi" not in plain.info
    assert all(a.info["dpi"] == (600, 600) for a in colorizer.colorize(tmp_path / "scan.tif", size=64, n=2))


def test_batch_equals_single(colorizer, photo):
    imgs = [photo[:64, :64], photo[64:128, 64:128], photo[:80, :64]]
    batch = colorizer.colorize_batch(imgs, size=64)
    for im, out in zip(imgs, batch):
        assert np.abs(np.asarray(out).astype(int) - np.asarray(colorizer.colorize(im, size=64)).astype(int)).max() <= 1


def test_corrupt_truncated_and_bomb(colorizer, photo, tmp_path):
    with pytest.raises(ImageError, match="not a readable image"):
        colorizer.colorize(b"this is not an image")
    data = encoded(Image.fromarray(photo), "PNG")
    with pytest.raises(ImageError, match="corrupt or truncated"):
        colorizer.colorize(data[: len(data) // 2])
    # a bomb: tiny file, huge header; refused before any decoding
    bomb = encoded(Image.new("L", (20000, 20000)), "PNG")
    assert len(bomb) < 1_000_000
    with pytest.raises(ImageError, match="megapixels|too large"):
        colorizer.colorize(bomb)
    colorizer.max_pixels = 1000
    with pytest.raises(ImageError, match="limit"):
        colorizer.colorize(photo)
    with pytest.raises(ImageError, match="not found"):
        open_image(tmp_path / "missing.png")


def test_working_shape():
    assert working_shape(3000, 4000, 256) == (256, 344)
    assert working_shape(100, 10000, 256) == (256, 512)  # long side capped at 2x
    h, w = working_shape(333, 500, 384)
    assert h % 8 == 0 and w % 8 == 0


def test_fused_compose_matches_torch_reference():
    """The numba kernel computes what color.py computes: bilinear ab, gamut map, sRGB."""
    import torch
    import torch.nn.functional as F

    from colorizer.color import lab_to_rgb_mapped

    g = torch.Generator().manual_seed(0)
    L = torch.rand(53, 61, generator=g) * 100
    ab = torch.randn(2, 7, 9, generator=g) * 50  # many colours out of gamut
    ref_ab = F.interpolate(ab[None], size=(53, 61), mode="bilinear", align_corners=False)[0]
    ref = (lab_to_rgb_mapped(torch.cat([L[None], ref_ab])[None].double())[0] * 255 + 0.5).floor().permute(1, 2, 0).numpy()
    out = compose(L, ab).astype(float)
    assert np.abs(out - ref).max() <= 1
    assert np.mean(out != ref) < 0.02


def test_compose_grey_ab_gives_grey(photo):
    import torch

    L = lightness(Image.fromarray(photo[:40, :50]))
    out = compose(L, torch.zeros(2, 10, 12))
    assert np.abs(out[..., 0].astype(int) - out[..., 2]).max() <= 1


def test_the_fused_kernel_survives_nan_and_infinities():
    """In a child process: an out-of-bounds table index used to kill the whole server (SIGSEGV)."""
    import subprocess
    import sys

    code = (
        "import numpy as np; from colorizer import kernels\n"
        "L = np.array([[50.0, np.nan, 150.0, -5.0]], np.float32)\n"
        "ab = np.array([[[np.nan, np.inf, -np.inf, 1e38]], [[0.0, np.nan, 0.0, 1e38]]], np.float32)\n"
        "out = kernels.compose(L, ab)\n"
        "print(out.tolist())\n"
        "print(kernels.lightness8(np.zeros((2, 2, 3), np.uint8)).tolist())\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    pixels = eval(r.stdout.splitlines()[0])[0]
    assert len(pixels) == 4 and pixels[0][0] == pixels[0][1] == pixels[0][2]  # NaN ab -> grey at L 50
    assert pixels[3] == [0, 0, 0]  # L below 0 is black, whatever the chroma


@pytest.mark.parametrize("temperature", [0, -0.0, 1e-45, float("nan"), float("inf"), -1])
def test_temperatures_that_cannot_be_decoded_are_refused(colorizer, photo, temperature):
    with pytest.raises(ValueError, match="temperature"):
        colorizer.colorize(photo[:32, :32], temperature=temperature)


@pytest.mark.parametrize("kw", [{"vividness": -0.1}, {"vividness": float("nan")}, {"vividness": 2}, {"size": 0}, {"size": 10**6}])
def test_other_settings_out_of_range_are_refused(colorizer, photo, kw):
    with pytest.raises(ValueError):
        colorizer.colorize(photo[:32, :32], **kw)


def test_repr_names_generator_device_precision_and_size(colorizer):
    precision = {"torch.float32": "float32", "torch.bfloat16": "bfloat16"}[str(colorizer.dtype)]  # bf16 where this CPU has it
    assert repr(colorizer) == f"Colorizer(ECCV16 generator (width 0.125, 262 bins), device=cpu, precision={precision}, working size 64)"


def test_edge_aware_upsampling_stops_colour_at_an_edge():
    """A red region ending where the lightness steps: bilinear spills it a cell past the edge, edge-aware does not."""
    import torch

    L = torch.full((64, 64), 30.0)
    L[:, 30:] = 80.0
    ab = torch.zeros(2, 16, 16)
    ab[0, :, :8] = 60.0  # red on the dark side, up to column 32 at full size
    red = lambda rgb: rgb[32, :, 0].astype(int) - rgb[32, :, 1]  # noqa: E731
    plain, edge = red(compose(L, ab)), red(compose(L, ab, edge_sigma=4.0))
    assert plain[30:34].min() > 10  # bilinear: red on the bright side of the edge
    assert edge[30:].max() <= 1 and edge[:28].min() > 100  # edge-aware: none past the edge, full red before it
    assert np.array_equal(compose(L, ab, edge_sigma=0.0), compose(L, ab))
