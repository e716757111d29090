"""The colorizer web app: drop in a black-and-white photo, compare before and after.

    python app.py            # http://127.0.0.1:7860 (on a Hugging Face Space, just push the repo)

Thin by design: it calls colorizer.Colorizer and colorizer.metrics and arranges the results.
Importing it is cheap: the model loads on first use (``loaded``), the page is built by ``build``.
Settings (environment): COLORIZER_WEIGHTS, COLORIZER_HF_REPO (where the weights come from when
weights/ is empty), COLORIZER_EXAMPLES_DIR (more gallery images: historical/, xray/, cctv/),
COLORIZER_MAX_MEGAPIXELS (default 25), COLORIZER_CONCURRENCY (default 2), COLORIZER_OUTPUT_HOURS
(results kept, default 1), COLORIZER_OUTPUT_MB (results kept at most, default 1024).

Open to the internet by design (a Hugging Face Space), so every request is checked at the door:
files only as uploads, every number inside the range its control offers, hints bounded, errors
that name no server path; results are swept after a while and their folder is capped.
"""

from __future__ import annotations

import functools
import math
import os
import shutil
import tempfile
import time
from pathlib import Path

import gradio as gr
import numpy as np
import PIL.Image
import PIL.ImageDraw
import torch
from gradio.utils import get_upload_folder

from colorizer import Colorizer
from colorizer.files import IMAGE_SUFFIXES
from colorizer.images import ImageError, lightness, open_image, to_standard
from colorizer.inference import compose
from colorizer.metrics import comparison, reference_for
from colorizer.models import describe
from colorizer.provenance import save_image
from colorizer.video import VideoError, colorize_video, probe
from colorizer.vividness import default_vividness
from colorizer.weights import WeightsNotFoundError

HERE = Path(__file__).resolve().parent
MAX_PIXELS = int(float(os.environ.get("COLORIZER_MAX_MEGAPIXELS", "25")) * 1e6)
CONCURRENCY = int(os.environ.get("COLORIZER_CONCURRENCY", "2"))
MAX_UPLOAD = os.environ.get("COLORIZER_MAX_UPLOAD", "50mb")
MAX_VIDEO_SECONDS = float(os.environ.get("COLORIZER_MAX_VIDEO_SECONDS", "60"))
SIZES = [128, 192, 256, 384, 512]  # short side; the shipped model's best is in weights/generator.json
TEMPERATURES = (0.2, 1.0)  # the range /colorize's expert ``temperature`` accepts (the old slider's)
MAX_HINTS = 32
METRIC_PIXELS = 4_000_000  # references are scored at most this size (bench/app_memory.py)
MAX_SEED = 2**31 - 1
OUTPUT_SECONDS = float(os.environ.get("COLORIZER_OUTPUT_HOURS", "1")) * 3600  # results are deleted after this
OUTPUT_BYTES = int(float(os.environ.get("COLORIZER_OUTPUT_MB", "1024")) * 2**20)  # and the oldest go past this
GROUPS = {
    "historical": ("Historical photographs", "Public-domain photographs, 1838-1936 (sources in examples/README.md)."),
    "xray": (
        "X-ray",
        "Radiographs have no natural colours: these are a natural-image model's guess (pseudo-colour), not medical information. "
        "Images CC BY 3.0, ml-workgroup COVID-19 image repository (doi:10.6084/m9.figshare.12275009), resized.",
    ),
    "cctv": (
        "CCTV",
        "Simulated fixed-camera frames made from public-domain photos. The colours are a natural-image model's guess "
        "(pseudo-colour), not evidence of the scene's real colours.",
    ),
}
METRIC_HEADERS = ["", "PSNR", "SSIM", "ΔE2000", "Colourful"]
OUTPUTS = Path(tempfile.gettempdir()) / "colorizer-app"  # every file the app writes; swept (sweep_outputs)
# the result area (slider, vividness, size, Colourise, download) fits the screen: its top goes to the top
SHOW_RESULT = "() => document.getElementById('result-area')?.scrollIntoView({block: 'start', behavior: 'smooth'})"
# Gradio opens uploads lazily to read their headers; our own reader enforces MAX_PIXELS before
# decoding, so PIL's global bomb check (which would fail inside Gradio with no message) is off.
PIL.Image.MAX_IMAGE_PIXELS = None


@functools.cache
def loaded() -> tuple[Colorizer | None, str]:
    """The model, loaded once on first use, or None and the message that says why not."""
    try:
        model = Colorizer.from_pretrained()
    except (WeightsNotFoundError, ValueError, OSError) as e:
        return None, f"**No model weights could be loaded**, so colourising is unavailable. {e}"
    model.max_pixels = MAX_PIXELS
    return model, ""


def ready(image, what: str = "a photo") -> Colorizer:
    """The model, once there is one and an input to use it on; else a message for the user."""
    model, missing = loaded()
    if model is None:
        raise gr.Error(missing)
    if image is None:
        raise gr.Error(f"Upload {what} first" + (" (or click an example)." if what == "a photo" else "."))
    return model


def gallery(group: str) -> list[str]:
    """Shipped examples of a group, plus those under $COLORIZER_EXAMPLES_DIR/<group>."""
    folders = [HERE / "examples" / group]
    if os.environ.get("COLORIZER_EXAMPLES_DIR"):
        folders.append(Path(os.environ["COLORIZER_EXAMPLES_DIR"]) / group)
    return [str(p) for f in folders if f.is_dir() for p in sorted(f.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES]


def grey_rgb(std: PIL.Image.Image) -> PIL.Image.Image:
    """What the model sees: the picture's own lightness, shown as a grey RGB image."""
    return PIL.Image.fromarray(compose(lightness(std), torch.zeros(2, 1, 1)))


def mark_hints(image: PIL.Image.Image, hints: list) -> PIL.Image.Image:
    """Each hint as a dot in its colour, ringed in black and white so it shows on any tone."""
    if not hints:
        return image
    image = image.copy()
    draw = PIL.ImageDraw.Draw(image)
    r = max(4, round(min(image.size) / 80))
    for x, y, rgb in hints:
        draw.ellipse((x - r - 2, y - r - 2, x + r + 2, y + r + 2), fill=(0, 0, 0))
        draw.ellipse((x - r - 1, y - r - 1, x + r + 1, y + r + 1), fill=(255, 255, 255))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rgb))
    return image


def parse_color(value) -> tuple[int, int, int]:
    """The colour picker's '#rrggbb' or 'rgb(a)(r, g, b, ...)' -> (r, g, b)."""
    try:
        value = value.strip()
        if value.startswith("#") and len(value) == 7:
            return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))
        if value.startswith("rgb"):
            parts = [float(p) for p in value[value.index("(") + 1 : value.index(")")].split(",")[:3]]
            if len(parts) == 3 and all(0 <= p <= 255 for p in parts):
                return tuple(int(round(p)) for p in parts)
    except (AttributeError, ValueError):
        pass
    raise gr.Error("A hint's colour must be '#rrggbb' or 'rgb(r, g, b)'.")


# --- the door: every value a client sends is checked here, with the ranges the page offers -------


def valid_size(size, model: Colorizer) -> int:
    """A working size from SIZES (as a number or its text, as the radio buttons send it); None: the model's."""
    if size is None:
        return model.config.size
    try:
        value = int(size) if isinstance(size, (int, str)) and not isinstance(size, bool) else None
    except ValueError:
        value = None
    if value not in SIZES and not (value == model.config.size and value is not None):
        raise gr.Error(f"The working resolution must be one of {', '.join(map(str, SIZES))} (pixels, short side).")
    return value


def valid_number(value, name: str, lo: float, hi: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and lo <= value <= hi):
        raise gr.Error(f"{name} must be a number from {lo:g} to {hi:g}.")
    return float(value)


def valid_hints(rows) -> list:
    """Hint rows [x, y, colour] -> colorizer hints; at most MAX_HINTS, coordinates finite numbers."""
    if rows is None:
        return []
    if not isinstance(rows, list) or len(rows) > MAX_HINTS:
        raise gr.Error(f"Hints are a list of at most {MAX_HINTS} [x, y, colour] rows.")
    hints = []
    for row in rows:
        if not (isinstance(row, (list, tuple)) and len(row) == 3):
            raise gr.Error("Each hint is [x, y, colour].")
        x, y, c = row
        if isinstance(x, bool) or isinstance(y, bool) or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (x, y)):
            raise gr.Error("A hint's x and y must be pixel coordinates.")
        hints.append((float(x), float(y), parse_color(c)))
    return hints


def uploaded(file) -> str | None:
    """The server path of a file the client uploaded; anything else is refused with one message.

    A plain string would be a path on the server (that is how /colorize once read any image on
    it), so only Gradio's file payloads whose file lies in its upload folder are taken.
    """
    if file is None:
        return None
    path = file.get("path") if isinstance(file, dict) else getattr(file, "path", None)
    if isinstance(path, str) and not isinstance(file, str):
        resolved = Path(path).resolve()
        if resolved.is_relative_to(Path(get_upload_folder()).resolve()):
            return str(resolved)
    raise gr.Error("Send the image as an upload (gradio_client's handle_file), not as a path or URL.")


def user_message(e: Exception) -> str:
    """What a user may read of an error: an image's reason without its server path."""
    return e.reason if isinstance(e, ImageError) else str(e)


# --- results on disk: swept by age and capped in size ----------------------------------------------


def sweep_outputs(now: float | None = None) -> None:
    """Delete results older than OUTPUT_SECONDS, then the oldest until OUTPUTS holds under OUTPUT_BYTES."""
    now = time.time() if now is None else now
    folders = []
    for d in OUTPUTS.glob("colorized-*"):
        try:
            files = [f.stat() for f in d.iterdir()]
            age = now - max([d.stat().st_mtime, *(f.st_mtime for f in files)])
        except OSError:  # swept by another worker meanwhile
            continue
        if age > OUTPUT_SECONDS:
            shutil.rmtree(d, ignore_errors=True)
        else:
            folders.append((age, sum(f.st_size for f in files), d))
    total = sum(size for _, size, _ in folders)
    for _, size, d in sorted(folders, reverse=True):  # oldest first
        if total <= OUTPUT_BYTES:
            break
        shutil.rmtree(d, ignore_errors=True)
        total -= size


def output_folder() -> Path:
    """A new folder for one result's files (under OUTPUTS), after sweeping out old ones."""
    OUTPUTS.mkdir(parents=True, exist_ok=True)
    sweep_outputs()
    return Path(tempfile.mkdtemp(prefix="colorized-", dir=OUTPUTS))


def settings_of(model: Colorizer, size: int, vividness: float | None, hints: list) -> str:
    """The provenance line for the app's current controls."""
    return model.settings(size, model.decoding(vividness), hints)


def download_file(image: str, out: PIL.Image.Image, settings_line: str) -> str:
    """The full-resolution PNG to download, with its provenance (colorizer/provenance.py)."""
    path = output_folder() / f"{Path(str(image)).stem[:80]}_color.png"
    save_image(out, path, settings_line)
    return str(path)


def open_photo(image: str) -> PIL.Image.Image:
    try:
        return to_standard(open_image(image, MAX_PIXELS))
    except ImageError as e:
        raise gr.Error(e.reason) from None


def colorize(image: str | None, reference: str | None, size, vividness, hints: list | None = None, temperature: float | None = None):
    """Image (path) + optional reference -> slider pair, metrics rows, PNG path, notes, footer."""
    model = ready(image)
    size = valid_size(size, model)
    vividness = valid_number(vividness, "Vividness", 0.0, 1.0)
    temperature = valid_number(temperature, "Temperature", *TEMPERATURES)
    hints = valid_hints(hints)
    std = open_photo(image)
    try:
        decoding = model.decoding(vividness, temperature)
        ref, notes = reference_for(std, reference, MAX_PIXELS)
        t = time.perf_counter()
        out = model.colorize_batch([std], size, hints=[hints], decoding=decoding)[0]
        took = time.perf_counter() - t
    except (ImageError, ValueError) as e:
        raise gr.Error(user_message(e)) from None
    before = mark_hints(grey_rgb(std), hints)
    rows = comparison(np.asarray(out), ref, METRIC_PIXELS) if ref is not None else []
    if ref is not None and out.size[0] * out.size[1] > METRIC_PIXELS:
        notes.append(f"Scored at {METRIC_PIXELS / 1e6:.0f} megapixels (both images scaled down alike), to bound memory.")
    path = download_file(image, out, model.settings(size, decoding, hints))
    w, h = out.size
    footer = f"Model: {describe(model.config)} · device: {device_name(model)} · {took:.2f} s for {w}x{h}"
    return (before, out), rows, path, "\n\n".join(notes), footer


def colorize_api(
    image: gr.FileData,
    reference: gr.FileData | None = None,
    size: int | None = None,
    temperature: float | None = None,
    vividness: float | None = None,
) -> tuple[tuple[gr.FileData, gr.FileData], dict, gr.FileData, str, str]:
    """The ``/colorize`` endpoint: only the image (an upload) is required.

    size: working resolution, one of 128, 192, 256, 384, 512 (default: the model's);
    vividness: colour intensity from 0 (cautious) to 1 (bold) (default: the calibrated setting);
    temperature: for experts and old scripts, 0.2 to 1.0, instead of vividness.
    Returns the before/after pair, the metrics table, the full-resolution PNG, notes and a footer.
    """
    image, reference = uploaded(image), uploaded(reference)
    (before, after), rows, download, notes, footer = colorize(image, reference, size, vividness, None, temperature)
    folder = output_folder()
    before.save(folder / "before.png")
    after.save(folder / "after.png")
    pair = (gr.FileData(path=str(folder / "before.png")), gr.FileData(path=str(folder / "after.png")))
    return pair, {"headers": METRIC_HEADERS, "data": rows}, gr.FileData(path=download), notes, footer


def describe_hints(hints: list) -> str:
    if not hints:
        return "No hints. Click the photo to place one in the chosen colour."
    swatch = '<span style="display:inline-block;width:1em;height:1em;background:{};border:1px solid #888"></span>'
    return "Hints: " + ", ".join(f"{swatch.format(c)} ({int(x)}, {int(y)})" for x, y, c in hints)


def add_hint(hints: list, color: str, evt: gr.SelectData):
    index = evt.index
    if not (isinstance(index, (list, tuple)) and len(index) == 2):
        raise gr.Error("Click a point on the photo to place a hint.")
    hints = [*hints, [index[0], index[1], color]]
    valid_hints(hints)
    return hints, describe_hints(hints)


def undo_hint(hints: list):
    hints = hints[:-1]
    return hints, describe_hints(hints)


def clear_hints():
    return [], describe_hints([])


def alternatives(image, size, vividness, hints, seed):
    """Four different plausible colourisations (seeded) to pick from.

    size: one of 128, 192, 256, 384, 512 (a number or its text); vividness: 0 to 1; seed: 0 to 2**31 - 1.
    """
    model = ready(image)
    size = valid_size(size, model)
    vividness = valid_number(vividness, "Vividness", 0.0, 1.0)
    seed = valid_number(seed, "Seed", 0, MAX_SEED)
    if seed is None or seed != int(seed):
        raise gr.Error(f"Seed must be a whole number from 0 to {MAX_SEED}.")
    hints = valid_hints(hints)
    std = open_photo(image)
    try:
        alts = model.colorize(std, size=size, vividness=vividness, hints=hints, n=4, seed=int(seed))
    except (ImageError, ValueError) as e:
        raise gr.Error(user_message(e)) from None
    line = f"{settings_of(model, size, vividness, hints)}; 4 alternatives of seed {int(seed)}"
    return [(a, f"alternative {i + 1}") for i, a in enumerate(alts)], {"settings": line, "images": alts}


def pick_alternative(image, alts: dict, evt: gr.SelectData):
    """Put the chosen alternative in the slider and the download."""
    if not alts or not isinstance(evt.index, int) or not 0 <= evt.index < len(alts["images"]):
        raise gr.Error("Show the alternatives first, then click one.")
    chosen = alts["images"][evt.index]
    path = download_file(image, chosen, f"{alts['settings']}; alternative {evt.index + 1}")
    return (grey_rgb(open_photo(image)), chosen), path


def colorize_clip(video: str | None, size, vividness, progress=gr.Progress(track_tqdm=True)):  # noqa: B008
    """A video file -> the colourised mp4 (with its sound) and a line about it."""
    model = ready(video, "a video")
    size = valid_size(size, model)
    vividness = valid_number(vividness, "Vividness", 0.0, 1.0)
    try:
        duration = probe(video)["duration"]
        if duration and duration > MAX_VIDEO_SECONDS:
            raise gr.Error(
                f"The video is {duration:.0f} s long; the app takes up to {MAX_VIDEO_SECONDS:.0f} s (the command line has no limit)."
            )
        out = output_folder() / f"{Path(video).stem[:80]}_color.mp4"
        t = time.perf_counter()
        info = colorize_video(model, video, out, size=size, decoding=model.decoding(vividness))
    except (VideoError, ImageError) as e:
        raise gr.Error(user_message(e).replace(str(video), "the video")) from None
    took = time.perf_counter() - t
    sound = "with its sound" if info["audio"] else "no sound track"
    return str(out), f"{info['frames']} frames, {info['fps']:.3g} fps, {info['width']}x{info['height']}, {sound}; {took:.1f} s"


def device_name(model: Colorizer) -> str:
    if model.device.type == "cuda":
        return f"GPU ({torch.cuda.get_device_name(model.device)}, {str(model.dtype).split('.')[-1]})"
    return f"CPU ({str(model.dtype).split('.')[-1]})"


def controls(model: Colorizer | None) -> tuple[gr.Slider, gr.Radio]:
    """Vividness and working resolution, starting at the model's own settings."""
    size = model.config.size if model and model.config.size in SIZES else 128
    size_radio = gr.Radio(SIZES, value=size, label="Working resolution (short side, px)", elem_id="size")
    # gr.Radio documents every choice as a string to API clients; these are the integers it takes
    size_radio.api_info = lambda: {"enum": SIZES, "title": "Working resolution", "type": "integer"}
    default = default_vividness(model.config) if model else None
    vividness = gr.Slider(
        0.0,
        1.0,
        value=round(default, 2) if default is not None else 0.5,
        step=0.01,
        label="Vividness: 0 cautious, 1 bold (the default is the calibrated setting)",
        elem_id="vividness",
    )
    return vividness, size_radio


def examples_gallery(image: gr.Image) -> None:
    """The example photos, one tab per kind, compact enough to sit above the fold."""
    with gr.Tabs(elem_id="gallery"):
        for group, (label, caption) in GROUPS.items():
            paths = gallery(group)
            if paths:
                with gr.Tab(label):
                    gr.Examples([[p] for p in paths], inputs=[image], label=None, examples_per_page=16)
                    gr.Markdown(caption, elem_classes="caption")


def show(result: tuple) -> tuple:
    """colorize's outputs for the page: the metrics table shows only when there is something to score."""
    pair, rows, path, notes, footer = result
    return pair, gr.Dataframe(value=rows, visible=bool(rows)), path, notes, footer


def colorize_page(image, reference, size, vividness, hints):
    return show(colorize(image, reference, size, vividness, hints))


def refresh(image, reference, size, vividness, hints):
    """Like colorize_page, but an empty input clears the outputs instead of complaining."""
    if image is None:
        return None, gr.Dataframe(value=[], visible=False), None, "", ""
    return colorize_page(image, reference, size, vividness, hints)


def photo_tab(model: Colorizer | None) -> None:
    """Upload (or an example), the reference, hints and alternatives on the left; on the right the
    result with everything that acts on it (vividness, size, Colourise, download), which fit a
    1280x800 screen together and are scrolled into view after every change."""
    with gr.Row():
        with gr.Column():
            gr.Markdown("**Black-and-white photo** (click it to place a colour hint)", elem_classes="caption")
            image = gr.Image(
                show_label=False,  # a label chip would cover the photo's corner (a CCTV timestamp, say)
                elem_id="photo",
                type="filepath",
                image_mode=None,
                sources=["upload", "webcam", "clipboard"],
                height=300,
            )
            examples_gallery(image)
            reference = gr.Image(label="Colour reference (optional, for metrics)", type="filepath", image_mode=None, height=140)
            with gr.Accordion("Colour hints: click the photo to say what colour something is", open=True):
                with gr.Row():
                    hint_color = gr.ColorPicker(value="#c83232", label="Hint colour")
                    undo = gr.Button("Undo last hint")
                    clear = gr.Button("Clear hints")
                hints_view = gr.Markdown(describe_hints([]), elem_id="hints")
            with gr.Accordion("Alternatives: other plausible colourisations", open=False):
                with gr.Row():
                    seed = gr.Number(value=0, precision=0, label="Seed")
                    alt_button = gr.Button("Show 4 alternatives", elem_id="alternatives-button")
                alt_gallery = gr.Gallery(label="Click one to use it", columns=4, height=220, elem_id="alternatives", format="png")
                alt_state = gr.State(None)
        with gr.Column(elem_id="result-area"):
            gr.Markdown("**Before / after** (drag the handle)", elem_classes="caption")
            slider = gr.ImageSlider(
                show_label=False, elem_id="result-slider", type="pil", format="png", buttons=["fullscreen"], height=420
            )
            with gr.Row():
                vividness, size = controls(model)
            with gr.Row(equal_height=True):
                run = gr.Button("Colourise", variant="primary", elem_id="colourise", scale=1)
                # the one download: full resolution, with its provenance (the slider's copies carry none)
                download = gr.File(label="Download (full-resolution PNG, marked as colourised)", elem_id="download", height=80, scale=2)
            notes = gr.Markdown(elem_id="notes")
            table = gr.Dataframe(
                headers=METRIC_HEADERS,
                label="Metrics against the reference",
                interactive=False,
                elem_id="metrics",
                wrap=True,
                visible=False,  # until there is a reference to score against
            )
            footer = gr.Markdown(elem_id="footer")
    hints = gr.State([])
    inputs, outputs = [image, reference, size, vividness, hints], [slider, table, download, notes, footer]
    run.click(colorize_page, inputs, outputs, api_name=False).then(None, js=SHOW_RESULT)
    gr.api(colorize_api, api_name="colorize")
    # Results follow every change (a new photo, an example, a reference, the controls, hints), in view.
    image.change(clear_hints, None, [hints, hints_view], api_name=False).then(refresh, inputs, outputs, api_name=False).then(
        None, js=SHOW_RESULT
    )
    for trigger in (reference.change, size.change, vividness.release):
        trigger(refresh, inputs, outputs, api_name=False).then(None, js=SHOW_RESULT)
    image.select(add_hint, [hints, hint_color], [hints, hints_view], api_name=False).then(refresh, inputs, outputs, api_name=False)
    undo.click(undo_hint, hints, [hints, hints_view], api_name=False).then(refresh, inputs, outputs, api_name=False)
    clear.click(clear_hints, None, [hints, hints_view], api_name=False).then(refresh, inputs, outputs, api_name=False)
    alt_button.click(alternatives, [image, size, vividness, hints, seed], [alt_gallery, alt_state], api_name="alternatives")
    alt_gallery.select(pick_alternative, [image, alt_state], [slider, download], api_name=False)


def video_tab(model: Colorizer | None) -> None:
    gr.Markdown(
        f"Colourise a clip (mp4, avi, mov, gif; up to {MAX_VIDEO_SECONDS:.0f} s here, no limit on the command line). "
        "Each frame's colours are blended with the previous frame's where the scene is still, so walls do not "
        "flicker and moving things leave no ghosts. The result is an mp4 with the original sound."
    )
    with gr.Row():
        with gr.Column():
            clip = gr.Video(label="Black-and-white video", sources=["upload"], elem_id="clip")
            clip_vividness, clip_size = controls(model)
            clip_run = gr.Button("Colourise video", variant="primary")
        with gr.Column():
            clip_out = gr.Video(label="Colourised video", elem_id="clip-out")
            clip_info = gr.Markdown()
    clip_run.click(colorize_clip, [clip, clip_size, clip_vividness], [clip_out, clip_info], api_name="colorize_video")


def build() -> gr.Blocks:
    model, missing = loaded()
    # Gradio's own copies of uploads and results go with ours (its cache holds them; see sweep_outputs).
    with gr.Blocks(title="Colorizer", delete_cache=(max(60, int(OUTPUT_SECONDS) // 4), int(OUTPUT_SECONDS))) as demo:
        gr.Markdown(
            "# Colorizer\nColourise black-and-white photographs: upload one or click an example, compare before and after "
            "with the slider, and download the full-resolution PNG (its metadata says it was colourised by a model, and how). "
            "Add a colour reference to score the result (PSNR, SSIM, CIEDE2000)."
        )
        if missing:
            gr.Markdown(missing, elem_id="missing-weights")
        with gr.Tabs():
            with gr.Tab("Photo"):
                photo_tab(model)
            with gr.Tab("Video"):
                video_tab(model)
        gr.Markdown(
            f"Model: {describe(model.config) if model else 'none loaded'}, trained by this project on research-only image "
            "collections (see weights/README.md). Colours are plausible guesses, not historical fact."
        )
    return demo.queue(default_concurrency_limit=CONCURRENCY, max_size=64)


if __name__ == "__main__":
    sweep_outputs()  # what an earlier run left
    build().launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        max_file_size=MAX_UPLOAD,
        show_error=False,  # only gr.Error messages (written for users, no server paths) reach a client
        allowed_paths=[str(OUTPUTS)],
    )
