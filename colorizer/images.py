"""Reading images safely, whatever their mode, and taking their lightness.

One place decides how an image file becomes pixels: EXIF orientation, alpha, palettes, 16-bit
grey, CMYK, corrupt or truncated files and decompression bombs. The app, the command line and the
trainer all come through here.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from .color import luminance_to_l, rgb_to_lab, srgb_to_linear
from .files import kind_of, scan_images
from .kernels import lightness8

DEFAULT_MAX_PIXELS = 100_000_000


class ImageError(ValueError):
    """An input that cannot be colourised; the message says why in words a user understands.

    ``reason`` is the why alone; the message starts with the file's name when there is one, so a
    caller that names the file itself (the batch command) prints ``reason`` and says it once.
    """

    def __init__(self, reason: str, source: str | None = None):
        super().__init__(f"{source}: {reason}" if source else reason)
        self.reason = reason


# The formats a file may be read as (Pillow's names): those the README names. Pillow's other
# plugins are never tried, so EPS (which hands the file to Ghostscript) and other exotic readers
# are out of reach of a file from a stranger (JPEG covers MPO, the variant many cameras write).
FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF")


def open_image(source, max_pixels: int | None = DEFAULT_MAX_PIXELS, formats: tuple[str, ...] | None = FORMATS) -> Image.Image:
    """Any supported input -> a fully decoded PIL image, EXIF orientation applied.

    The pixel count is checked from the header before decoding, so a decompression bomb costs
    nothing; corrupt and truncated files raise ImageError, whose message names no library
    internals. ``formats``: Pillow formats to try (None: every plugin Pillow has).
    """
    if isinstance(source, np.ndarray):
        img = _from_array(source)
    elif isinstance(source, Image.Image):
        img = source
    else:
        name = None if isinstance(source, bytes) else str(source)
        if isinstance(source, bytes) and not source:
            raise ImageError("the file is empty")
        if isinstance(source, (str, Path)):
            _check_file(source, name)
        try:
            fp = io.BytesIO(source) if isinstance(source, bytes) else source
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                img = Image.open(fp, formats=formats)
        except FileNotFoundError:
            raise ImageError("file not found", name) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError("the image is too large (a possible decompression bomb)", name) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError):  # their messages name paths and internals
            raise ImageError("not a readable image (an unknown format, or a damaged file)", name) from None
    w, h = img.size
    if max_pixels is not None and w * h > max_pixels:
        raise ImageError(f"the image is {w}x{h} = {w * h / 1e6:.1f} megapixels; the limit is {max_pixels / 1e6:.0f}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img.load()
            img = ImageOps.exif_transpose(img)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError("the image is too large (a possible decompression bomb)") from None
    except (OSError, SyntaxError, ValueError, TypeError, EOFError):
        raise ImageError("the image file is corrupt or truncated") from None
    return img


def _check_file(path: str | Path, name: str) -> None:
    """Refuse what is not a regular, non-empty file before opening it (a pipe would block for ever)."""
    try:
        st = Path(path).stat()
    except FileNotFoundError:
        raise ImageError("file not found", name) from None
    except OSError as e:
        raise ImageError(f"cannot be read ({e.strerror})", name) from None
    kind = kind_of(st.st_mode)
    if kind is not None:
        raise ImageError(f"{kind}, not an image file", name)
    if st.st_size == 0:
        raise ImageError("the file is empty", name)


def _from_array(a: np.ndarray) -> Image.Image:
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)):
        raise ImageError(f"an image array must be HxW, HxWx3 or HxWx4, not {a.shape}")
    if a.dtype == np.uint16:
        return Image.fromarray(a.astype(np.int32), "I") if a.ndim == 2 else Image.fromarray((a >> 8).astype(np.uint8))
    if np.issubdtype(a.dtype, np.floating):
        a = (np.clip(a, 0, 1) * 255 + 0.5).astype(np.uint8)
    return Image.fromarray(a.astype(np.uint8))


def _flatten_alpha(img: Image.Image) -> Image.Image:
    """Composite transparency over white: transparent pixels have no meaningful colour."""
    base = "LA" if img.mode in ("LA", "La", "L") else "RGBA"
    img = img.convert(base)
    bg = Image.new(base, img.size, (255,) * len(base))
    return Image.alpha_composite(bg, img).convert(base[:-1])


def to_standard(img: Image.Image) -> Image.Image:
    """Reduce any mode to 8-bit 'L' or 'RGB', or 32-bit 'I' for 16-bit grey (kept for precision)."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return img.convert("I")
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("RGBA", "LA", "La", "RGBa", "PA"):
        return _flatten_alpha(img)
    if img.mode in ("L", "RGB", "I"):
        return img
    if img.mode == "F":  # assume the 0-255 range PIL uses when it converts to F
        return img.convert("L")
    return img.convert("RGB")  # CMYK, YCbCr, LAB, HSV, 1


def lightness(img: Image.Image) -> torch.Tensor:
    """CIE L* (H, W) float32 of a standard-mode image (8-bit through fused tables; 16-bit by formula)."""
    a = np.asarray(img)
    if img.mode == "I":
        return luminance_to_l(srgb_to_linear(torch.from_numpy(a.astype(np.float32) / 65535.0)).clamp(0, 1))
    return torch.from_numpy(lightness8(a))


# A picture counts as colour when at least COLOR_FRACTION of its pixels have chroma above
# COLOR_CHROMA *and* their hues spread out: the chroma-weighted mean resultant length of the hue
# angles is below HUE_CONCENTRATION (0.995 = a circular spread of about 6 degrees). Sepia and other
# toned scans have chroma but one hue (>= 0.999 measured), so they count as grey; colour photos
# measured 0.56-0.986 (Kodak24 samples, scikit-image's astronaut, coffee, chelsea, rocket).
COLOR_CHROMA = 8.0
COLOR_FRACTION = 0.05
HUE_CONCENTRATION = 0.995


def is_color(img: Image.Image) -> bool:
    """True for a real colour photo; False for grey, sepia or otherwise toned pictures."""
    std = to_standard(img)
    if std.mode in ("L", "I"):
        return False
    small = std.convert("RGB")
    small.thumbnail((256, 256))
    lab = rgb_to_lab(torch.from_numpy(np.asarray(small, dtype=np.float32) / 255).permute(2, 0, 1))
    a, b = lab[1].flatten(), lab[2].flatten()
    chroma = torch.hypot(a, b)
    coloured = chroma > COLOR_CHROMA
    if coloured.float().mean() < COLOR_FRACTION:
        return False
    concentration = torch.hypot(a[coloured].sum(), b[coloured].sum()) / chroma[coloured].sum()
    return bool(concentration < HUE_CONCENTRATION)


def list_images(folder: str | Path) -> list[Path]:
    """Image files under a folder, recursively, in a stable order (``files.scan_images``)."""
    return scan_images(folder)[0]
