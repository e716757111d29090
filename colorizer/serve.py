"""The public server's side of colourising: limits, checks at the door, one disk budget, results.

``app.py`` lays out the page and wires it here; everything a request does runs in this module,
so it is tested without a browser or a server (tests/test_serve.py). The app is open to the
internet by design (a Hugging Face Space), so no small request may take the server's memory,
CPU or disk:

* every value a client sends is checked against the range its control offers (``Refused``);
* files arrive only as uploads, read only in the formats the README names (images.FORMATS);
* memory grows with an image's pixel count alone (inference.compose); a video is bounded by
  frames, rate, duration and frame size from its header before a frame is decoded, and by a
  wall-clock cap while it runs (video.VideoLimits);
* every file the app writes, Gradio's cache included, is under one folder with one budget
  (``DiskBudget``), swept at start, on a timer and after every write;
* messages name no server path and no library internals, and replies are strict JSON.
"""

from __future__ import annotations

import html
import logging
import math
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from .images import ImageError, lightness, open_image, to_standard
from .inference import SETTINGS_KEY, Colorizer, compose
from .metrics import comparison, reference_for
from .models import describe
from .provenance import save_image
from .video import VideoError, VideoLimits, colorize_video_steps

log = logging.getLogger("colorizer.serve")

SIZES = (128, 192, 256, 384, 512)  # working sizes (short side) the page offers, beside the model's own
TEMPERATURES = (0.2, 1.0)  # the range /colorize's expert ``temperature`` accepts
METRIC_HEADERS = ["", "PSNR", "SSIM", "ΔE2000", "Colourful"]
UNEXPECTED = "Something went wrong with this request on the server; nothing was kept. Try another file or setting."


class Refused(ValueError):
    """A request the server will not run; the message is for the user and names nothing internal."""


def _env_float(env: dict, name: str, default: float) -> float:
    return float(env.get(name, default))


@dataclass(frozen=True)
class Limits:
    """Every bound the public app enforces, from the environment (README: "Open to the internet")."""

    max_pixels: int = 25_000_000
    max_upload: str = "50mb"
    concurrency: int = 2  # model jobs at once, across every endpoint
    queue: int = 64
    max_hints: int = 32
    max_seed: int = 2**31 - 1
    metric_pixels: int = 4_000_000  # references are scored at most this size (bench/serving.py memory)
    video_seconds: float = 60.0
    video_fps: float = 60.0
    video_frames: int = 1800
    video_work_seconds: float = 600.0
    output_seconds: float = 3600.0  # files are deleted after this
    output_bytes: int = 1024 * 2**20  # and the oldest go past this
    sweep_seconds: float = 60.0  # how often the disk budget is swept without a write
    state_seconds: float = 3600.0  # a session's small state (hints, the alternatives' seed) expires
    folder: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / "colorizer-app")

    @classmethod
    def from_env(cls, env: dict | None = None) -> Limits:
        env = os.environ if env is None else env
        d = cls()
        return cls(
            max_pixels=int(_env_float(env, "COLORIZER_MAX_MEGAPIXELS", d.max_pixels / 1e6) * 1e6),
            max_upload=env.get("COLORIZER_MAX_UPLOAD", d.max_upload),
            concurrency=int(env.get("COLORIZER_CONCURRENCY", d.concurrency)),
            video_seconds=_env_float(env, "COLORIZER_MAX_VIDEO_SECONDS", d.video_seconds),
            video_fps=_env_float(env, "COLORIZER_MAX_VIDEO_FPS", d.video_fps),
            video_frames=int(env.get("COLORIZER_MAX_VIDEO_FRAMES", d.video_frames)),
            video_work_seconds=_env_float(env, "COLORIZER_VIDEO_WORK_SECONDS", d.video_work_seconds),
            output_seconds=_env_float(env, "COLORIZER_OUTPUT_HOURS", d.output_seconds / 3600) * 3600,
            output_bytes=int(_env_float(env, "COLORIZER_OUTPUT_MB", d.output_bytes / 2**20) * 2**20),
            folder=Path(env.get("COLORIZER_OUTPUT_DIR") or d.folder),
        )

    def video(self) -> VideoLimits:
        return VideoLimits(self.video_seconds, self.video_fps, self.video_frames, self.max_pixels, self.video_work_seconds)


# --- the door: every value a client sends, checked with the ranges the page offers ---------------


def working_sizes(own: int) -> list[int]:
    """The working sizes a request may ask for: SIZES and the model's own (where its vividness was calibrated)."""
    return sorted({*SIZES, own})


def check_size(size, default: int) -> int:
    """A working size from SIZES (a number or its text, as radio buttons send it); None: ``default``."""
    if size is None:
        return default
    value = None
    if isinstance(size, int | str) and not isinstance(size, bool):
        try:
            value = int(size)
        except ValueError:
            pass
    if value not in working_sizes(default):
        raise Refused(f"The working resolution must be one of {', '.join(map(str, working_sizes(default)))} (pixels, short side).")
    return value


def check_number(value, name: str, lo: float, hi: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not (math.isfinite(value) and lo <= value <= hi):
        raise Refused(f"{name} must be a number from {lo:g} to {hi:g}.")
    return float(value)


def check_seed(value, max_seed: int) -> int:
    whole = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value == int(value)
    if not (whole and 0 <= value <= max_seed):
        raise Refused(f"Seed must be a whole number from 0 to {max_seed}.")
    return int(value)


_HEX = re.compile(r"#([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})")
_RGB = re.compile(r"rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,\s*(?:0|1|0?\.\d+)\s*)?\)")


def parse_color(value) -> tuple[int, int, int]:
    """'#rrggbb' or 'rgb(r, g, b)' (0-255 integers; the picker may add an alpha) -> (r, g, b); nothing else."""
    text = value.strip() if isinstance(value, str) else ""
    m = _HEX.fullmatch(text)
    if m:
        return tuple(int(g, 16) for g in m.groups())
    m = _RGB.fullmatch(text)
    if m and all(int(g) <= 255 for g in m.groups()):
        return tuple(int(g) for g in m.groups())
    raise Refused("A hint's colour must be '#rrggbb' or 'rgb(r, g, b)' with whole numbers from 0 to 255.")


def check_hints(rows, max_hints: int) -> list[tuple[float, float, tuple[int, int, int]]]:
    """Hint rows [x, y, colour] -> colorizer hints; at most ``max_hints``, coordinates finite numbers."""
    if rows is None:
        return []
    if not isinstance(rows, list) or len(rows) > max_hints:
        raise Refused(f"Hints are a list of at most {max_hints} [x, y, colour] rows.")
    hints = []
    for row in rows:
        if not (isinstance(row, list | tuple) and len(row) == 3):
            raise Refused("Each hint is [x, y, colour].")
        x, y, c = row
        if any(isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) for v in (x, y)):
            raise Refused("A hint's x and y must be pixel coordinates.")
        hints.append((float(x), float(y), parse_color(c)))
    return hints


def hints_inside(hints: list, size: tuple[int, int]) -> None:
    w, h = size
    for x, y, _ in hints:
        if not (0 <= round(x) < w and 0 <= round(y) < h):
            raise Refused(f"A hint at ({x:g}, {y:g}) is outside the {w}x{h} photo.")


def upload_path(file, upload_folder: str | Path) -> str | None:
    """The server path of a file the client uploaded; anything else is refused with one message.

    A plain string would be a path on the server, so only file payloads (a dict or an object
    with ``path``) whose file lies in the upload folder are taken.
    """
    if file is None:
        return None
    path = file.get("path") if isinstance(file, dict) else getattr(file, "path", None)
    if isinstance(path, str) and not isinstance(file, str):
        resolved = Path(path).resolve()
        if resolved.is_relative_to(Path(upload_folder).resolve()) and resolved.is_file():
            return str(resolved)
    raise Refused("Send the image as an upload (gradio_client's handle_file), not as a path or URL.")


def strict_rows(rows: list[list]) -> tuple[list[list], list[str]]:
    """Metrics rows as strict JSON allows (an infinite PSNR becomes the text "inf"), and notes."""
    notes, out = [], []
    for row in rows:
        cells = []
        for v in row:
            if isinstance(v, float) and not math.isfinite(v):
                if v == math.inf and "identical" not in " ".join(notes):
                    notes.append("PSNR is infinite (shown as inf): the result and the reference are identical.")
                v = "inf" if v == math.inf else None
            cells.append(v)
        out.append(cells)
    return out, notes


# --- one disk budget for every file the app writes ------------------------------------------------


class DiskBudget:
    """Every file the app writes lives in ``root`` (Gradio's cache too: app.py points
    GRADIO_TEMP_DIR here), and this keeps it bounded: entries older than ``max_age`` seconds go,
    then the oldest until the whole folder holds at most ``max_bytes``. Swept at start, after every
    write (the newest entry stays) and on a timer (``start``)."""

    def __init__(self, root: str | Path, max_bytes: int, max_age: float):
        self.root, self.max_bytes, self.max_age = Path(root), max_bytes, max_age
        self._lock = threading.Lock()

    def entries(self) -> list[tuple[float, int, Path]]:
        """(newest mtime, bytes, path) of each top-level entry: our result folders and Gradio's."""
        out = []
        for entry in self.root.glob("*"):
            try:
                files = [entry] if entry.is_file() else [p for p in entry.rglob("*") if p.is_file()]
                stats = [p.stat() for p in files]
                newest = max([entry.stat().st_mtime, *(s.st_mtime for s in stats)])
                out.append((newest, sum(s.st_size for s in stats), entry))
            except OSError:  # removed meanwhile
                continue
        return out

    def used(self) -> int:
        return sum(size for _, size, _ in self.entries())

    def sweep(self, now: float | None = None, keep: Path | None = None) -> None:
        now = time.time() if now is None else now
        with self._lock:
            kept = []
            for newest, size, entry in self.entries():
                if now - newest > self.max_age and entry != keep:
                    _remove(entry)
                else:
                    kept.append((newest, size, entry))
            total = sum(size for _, size, _ in kept)
            for _, size, entry in sorted(kept, key=lambda e: e[0]):  # oldest first
                if total <= self.max_bytes:
                    break
                if entry != keep:
                    _remove(entry)
                    total -= size

    def new_folder(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="colorized-", dir=self.root))

    def written(self, folder: Path) -> None:
        """After a write: sweep, keeping ``folder`` (the result the user is about to fetch)."""
        self.sweep(keep=folder)

    def start(self, every: float) -> threading.Thread:
        """Sweep now (what an earlier run left), then every ``every`` seconds in a daemon thread."""
        self.sweep()

        def loop() -> None:
            while True:
                time.sleep(every)
                try:
                    self.sweep()
                except Exception:  # a sweep must never stop the sweeper
                    log.exception("sweep failed")

        thread = threading.Thread(target=loop, name="disk-budget", daemon=True)
        thread.start()
        return thread


def _remove(entry: Path) -> None:
    if entry.is_dir():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)


# --- what the page shows --------------------------------------------------------------------------


def grey_rgb(std: Image.Image) -> Image.Image:
    """What the model sees: the picture's own lightness, shown as a grey RGB image."""
    return Image.fromarray(compose(lightness(std), torch.zeros(2, 1, 1)))


def mark_hints(image: Image.Image, hints: list) -> Image.Image:
    """Each hint as a dot in its colour, ringed in black and white so it shows on any tone."""
    if not hints:
        return image
    image = image.copy()
    draw = ImageDraw.Draw(image)
    r = max(4, round(min(image.size) / 80))
    for x, y, rgb in hints:
        draw.ellipse((x - r - 2, y - r - 2, x + r + 2, y + r + 2), fill=(0, 0, 0))
        draw.ellipse((x - r - 1, y - r - 1, x + r + 1, y + r + 1), fill=(255, 255, 255))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rgb))
    return image


def describe_hints(rows: list) -> str:
    """The hints as Markdown with colour swatches; every colour is re-parsed and HTML-escaped."""
    if not rows:
        return "No hints. Click the photo to place one in the chosen colour."
    swatch = '<span style="display:inline-block;width:1em;height:1em;background:{};border:1px solid #888"></span>'
    parts = []
    for x, y, c in check_hints(rows, len(rows)):
        hex_colour = "#" + "".join(f"{v:02x}" for v in c)
        parts.append(f"{swatch.format(html.escape(hex_colour))} ({int(x)}, {int(y)})")
    return "Hints: " + ", ".join(parts)


@dataclass
class Result:
    """One colourisation as the page shows it."""

    before: Image.Image
    after: Image.Image
    rows: list[list]
    download: str
    notes: str
    footer: str


class Service:
    """The app's actions over one Colorizer, within ``limits``; files go through ``disk``."""

    def __init__(self, model: Colorizer, limits: Limits, disk: DiskBudget):
        self.model, self.limits, self.disk = model, limits, disk
        model.max_pixels = limits.max_pixels

    def open_photo(self, path: str) -> Image.Image:
        return to_standard(open_image(path, self.limits.max_pixels))

    def save_download(self, name: str, image: Image.Image, settings_line: str) -> str:
        """The full-resolution PNG to download, with its provenance (colorizer/provenance.py)."""
        folder = self.disk.new_folder()
        path = folder / f"{Path(name).stem[:80]}_color.png"
        save_image(image, path, settings_line)
        self.disk.written(folder)
        return str(path)

    def save_images(self, images: list[Image.Image], name: str) -> list[str]:
        """PNGs for an API reply, in one new folder under the budget: name-1.png, name-2.png, ..."""
        folder = self.disk.new_folder()
        paths = [folder / f"{name}-{i + 1}.png" for i in range(len(images))]
        for image, path in zip(images, paths):
            image.save(path)
        self.disk.written(folder)
        return [str(p) for p in paths]

    def warm(self) -> None:
        """One small colourisation, so that the first user's click costs what later ones do."""
        self.model.colorize(np.full((64, 64), 128, np.uint8))

    def colorize(self, image: str, reference: str | None, size, vividness, hints=None, temperature=None) -> Result:
        """Image (path) + optional reference -> the slider pair, metrics rows, PNG path, notes, footer."""
        model = self.model
        size = check_size(size, model.config.size)
        vividness = check_number(vividness, "Vividness", 0.0, 1.0)
        temperature = check_number(temperature, "Temperature", *TEMPERATURES)
        if vividness is not None and temperature is not None:
            raise Refused("Give vividness or temperature, not both.")
        hints = check_hints(hints, self.limits.max_hints)
        std = self.open_photo(image)
        hints_inside(hints, std.size)
        decoding = model.decoding(vividness, temperature)
        ref, notes = reference_for(std, reference, self.limits.max_pixels)
        t = time.perf_counter()
        out = model.colorize_batch([std], size, hints=[hints], decoding=decoding)[0]
        took = time.perf_counter() - t
        rows: list[list] = []
        if ref is not None:
            rows, more = strict_rows(comparison(np.asarray(out), ref, self.limits.metric_pixels))
            notes += more
            if out.size[0] * out.size[1] > self.limits.metric_pixels:
                mp = self.limits.metric_pixels / 1e6
                notes.append(f"Scored at {mp:.0f} megapixels (both images scaled down alike), to bound memory.")
        download = self.save_download(image, out, model.settings(size, decoding, hints))
        w, h = out.size
        footer = f"Model: {describe(model.config)} · device: {device_name(model)} · {took:.2f} s for {w}x{h}"
        return Result(mark_hints(grey_rgb(std), hints), out, rows, download, "\n\n".join(notes), footer)

    def alternatives(self, image: str, size, vividness, hints, seed) -> tuple[list[Image.Image], dict]:
        """Four different plausible colourisations, and what picking one needs (small: no images)."""
        model = self.model
        size = check_size(size, model.config.size)
        vividness = check_number(vividness, "Vividness", 0.0, 1.0)
        seed = check_seed(seed, self.limits.max_seed)
        hints = check_hints(hints, self.limits.max_hints)
        std = self.open_photo(image)
        hints_inside(hints, std.size)
        alts = model.colorize(std, size=size, vividness=vividness, hints=hints, n=4, seed=seed)
        return alts, {"size": size, "vividness": vividness, "hints": hints, "seed": seed}

    def pick(self, image: str, choice: dict, index) -> tuple[Image.Image, Image.Image, str]:
        """Alternative ``index`` of ``alternatives``' choice, made again (its seed fixes it), and its download."""
        if not choice or isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 4:
            raise Refused("Show the alternatives first, then click one.")
        std = self.open_photo(image)
        out = self.model.alternative(std, index, choice["seed"], choice["size"], vividness=choice["vividness"], hints=choice["hints"])
        return grey_rgb(std), out, self.save_download(image, out, out.info[SETTINGS_KEY])

    def video(self, video: str, size, vividness) -> Iterator[str | tuple[str, str]]:
        """Yields progress lines, then (mp4 path, summary). Stopping the iteration stops the work."""
        model = self.model
        size = check_size(size, model.config.size)
        vividness = check_number(vividness, "Vividness", 0.0, 1.0)
        folder = self.disk.new_folder()
        out = folder / f"{Path(video).stem[:80]}_color.mp4"
        t = time.perf_counter()
        steps = colorize_video_steps(model, video, out, size=size, decoding=model.decoding(vividness), limits=self.limits.video())
        info = None
        try:
            while True:
                try:
                    frames = next(steps)
                except StopIteration as done:
                    info = done.value
                    break
                if frames % 10 == 0:
                    yield f"{frames} frames so far"
        except VideoError as e:
            raise Refused(str(e).replace(str(video), "The video")) from None
        finally:
            steps.close()
            if info is None:  # refused, failed, or its client went away: nothing is kept
                shutil.rmtree(folder, ignore_errors=True)
        self.disk.written(folder)
        sound = "with its sound" if info["audio"] else "no sound track"
        took = time.perf_counter() - t
        yield str(out), f"{info['frames']} frames, {info['fps']:.3g} fps, {info['width']}x{info['height']}, {sound}; {took:.1f} s"


def device_name(model: Colorizer) -> str:
    if model.device.type == "cuda":
        return f"GPU ({torch.cuda.get_device_name(model.device)}, {str(model.dtype).split('.')[-1]})"
    return f"CPU ({str(model.dtype).split('.')[-1]})"


def user_message(e: BaseException) -> str:
    """What a user may read of an error: ours say why in words; anything else says only that it failed."""
    if isinstance(e, ImageError):
        return e.reason[:1].upper() + e.reason[1:] + "."
    if isinstance(e, Refused | VideoError):
        return str(e)
    log.error("unexpected error in a request", exc_info=e)
    return UNEXPECTED
