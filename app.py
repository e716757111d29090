"""The colorizer web app: drop in a black-and-white photo, compare before and after.

    python app.py            # http://127.0.0.1:7860 (on a Hugging Face Space, just push the repo)

Thin by design: it calls colorizer.Colorizer and colorizer.metrics and arranges the results.
Importing it is cheap: the model loads on first use (``loaded``), the page is built by ``build``.
Settings (environment): COLORIZER_WEIGHTS, COLORIZER_HF_REPO (where the weights come from when
weights/ is empty), COLORIZER_EXAMPLES_DIR (more gallery images: historical/, xray/, cctv/),
COLORIZER_MAX_MEGAPIXELS (default 25), COLORIZER_CONCURRENCY (default 2).
"""

from __future__ import annotations

import functools
import os
import tempfile
import time
from pathlib import Path

import gradio as gr
import numpy as np
import PIL.Image
import PIL.ImageDraw
import torch

from colorizer import Colorizer
from colorizer.files import IMAGE_SUFFIXES
from colorizer.images import ImageError, lightness, open_image, to_standard
from colorizer.inference import compose
from colorizer.metrics import comparison, reference_for
from colorizer.models import describe
from colorizer.provenance import save_image
from colorizer.video import VideoError, colorize_video, probe
from colorizer.weights import WeightsNotFoundError

HERE = Path(__file__).resolve().parent
MAX_PIXELS = int(float(os.environ.get("COLORIZER_MAX_MEGAPIXELS", "25")) * 1e6)
CONCURRENCY = int(os.environ.get("COLORIZER_CONCURRENCY", "2"))
MAX_UPLOAD = os.environ.get("COLORIZER_MAX_UPLOAD", "50mb")
MAX_VIDEO_SECONDS = float(os.environ.get("COLORIZER_MAX_VIDEO_SECONDS", "60"))
SIZES = [128, 192, 256, 384, 512]  # short side; the shipped model's best is in weights/generator.json
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
OUTPUTS = Path(tempfile.gettempdir()) / "colorizer-app"  # every file the app writes; served to API clients
SHOW_RESULT = "() => document.getElementById('result-slider')?.scrollIntoView({block: 'nearest', behavior: 'smooth'})"
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


def parse_color(value: str) -> tuple[int, int, int]:
    """The colour picker's '#rrggbb' or 'rgb(a)(r, g, b, ...)' -> (r, g, b)."""
    value = value.strip()
    if value.startswith("#") and len(value) >= 7:
        return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))
    if value.startswith("rgb"):
        parts = value[value.index("(") + 1 : value.index(")")].split(",")
        return tuple(int(round(float(p))) for p in parts[:3])
    raise gr.Error(f"unreadable colour {value!r}")


def as_hints(rows: list | None) -> list:
    return [(float(x), float(y), parse_color(c)) for x, y, c in rows or []]


def settings_of(model: Colorizer, size, temperature, hints: list | None) -> str:
    """The provenance line for the app's current controls."""
    return model.settings(int(size), float(temperature), hints)


def output_folder() -> Path:
    """A new folder for one result's files (under OUTPUTS, which the server may serve)."""
    OUTPUTS.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="colorized-", dir=OUTPUTS))


def download_file(image: str, out: PIL.Image.Image, settings_line: str) -> str:
    """The full-resolution PNG to download, with its provenance (colorizer/provenance.py)."""
    path = output_folder() / f"{Path(str(image)).stem}_color.png"
    save_image(out, path, settings_line)
    return str(path)


def open_photo(image: str) -> PIL.Image.Image:
    try:
        return to_standard(open_image(image, MAX_PIXELS))
    except ImageError as e:
        raise gr.Error(str(e)) from None


def colorize(image: str | None, reference: str | None, size: int, temperature: float, hints: list | None = None):
    """Image (path) + optional reference -> slider pair, metrics rows, PNG path, notes, footer."""
    model = ready(image)
    std = open_photo(image)
    try:
        ref, notes = reference_for(std, reference, MAX_PIXELS)
        t = time.perf_counter()
        out = model.colorize(std, size=int(size), temperature=float(temperature), hints=as_hints(hints))
        took = time.perf_counter() - t
    except (ImageError, ValueError) as e:
        raise gr.Error(str(e)) from None
    before = mark_hints(grey_rgb(std), as_hints(hints))
    rows = comparison(np.asarray(out), ref) if ref is not None else []
    path = download_file(image, out, settings_of(model, size, temperature, hints))
    w, h = out.size
    footer = f"Model: {describe(model.config)} · device: {device_name(model)} · {took:.2f} s for {w}x{h}"
    return (before, out), rows, path, "\n\n".join(notes), footer


def colorize_api(
    image: gr.FileData, reference: gr.FileData | None = None, size: int | None = None, temperature: float | None = None
) -> tuple[tuple[gr.FileData, gr.FileData], dict, gr.FileData, str, str]:
    """The ``/colorize`` endpoint: only the image is required; size and temperature default to the model's.

    Returns the before/after pair, the metrics table, the full-resolution PNG, notes and a footer.
    """
    path = lambda f: f["path"] if isinstance(f, dict) else f  # noqa: E731
    model = ready(image)
    size = size or model.config.size
    temperature = model.config.temperature if temperature is None else temperature
    (before, after), rows, download, notes, footer = colorize(path(image), reference and path(reference), size, temperature)
    folder = output_folder()
    before.save(folder / "before.png")
    after.save(folder / "after.png")
    pair = (gr.FileData(path=str(folder / "before.png")), gr.FileData(path=str(folder / "after.png")))
    return pair, {"headers": METRIC_HEADERS, "data": rows}, gr.FileData(path=download), notes, footer


def refresh(image, reference, size, temperature, hints):
    """Like colorize, but an empty input clears the outputs instead of complaining."""
    if image is None:
        return None, [], None, "", ""
    return colorize(image, reference, size, temperature, hints)


def describe_hints(hints: list) -> str:
    if not hints:
        return "No hints. Click the photo to place one in the chosen colour."
    swatch = '<span style="display:inline-block;width:1em;height:1em;background:{};border:1px solid #888"></span>'
    return "Hints: " + ", ".join(f"{swatch.format(c)} ({int(x)}, {int(y)})" for x, y, c in hints)


def add_hint(hints: list, color: str, evt: gr.SelectData):
    x, y = evt.index
    hints = [*hints, [x, y, color]]
    return hints, describe_hints(hints)


def undo_hint(hints: list):
    hints = hints[:-1]
    return hints, describe_hints(hints)


def clear_hints():
    return [], describe_hints([])


def alternatives(image, size, temperature, hints, seed):
    """Four different plausible colourisations (seeded) to pick from."""
    model = ready(image)
    std = open_photo(image)
    try:
        alts = model.colorize(std, size=int(size), temperature=float(temperature), hints=as_hints(hints), n=4, seed=int(seed))
    except ValueError as e:
        raise gr.Error(str(e)) from None
    line = f"{settings_of(model, size, temperature, hints)}; 4 alternatives of seed {int(seed)}"
    return [(a, f"alternative {i + 1}") for i, a in enumerate(alts)], {"settings": line, "images": alts}


def pick_alternative(image, alts: dict, evt: gr.SelectData):
    """Put the chosen alternative in the slider and the download."""
    chosen = alts["images"][evt.index]
    path = download_file(image, chosen, f"{alts['settings']}; alternative {evt.index + 1}")
    return (grey_rgb(open_photo(image)), chosen), path


def colorize_clip(video: str | None, size: int, temperature: float, progress=gr.Progress(track_tqdm=True)):  # noqa: B008
    """A video file -> the colourised mp4 (with its sound) and a line about it."""
    model = ready(video, "a video")
    try:
        duration = probe(video)["duration"]
        if duration and duration > MAX_VIDEO_SECONDS:
            raise gr.Error(
                f"The video is {duration:.0f} s long; the app takes up to {MAX_VIDEO_SECONDS:.0f} s (the command line has no limit)."
            )
        out = output_folder() / f"{Path(video).stem}_color.mp4"
        t = time.perf_counter()
        info = colorize_video(model, video, out, size=int(size), temperature=float(temperature))
    except VideoError as e:
        raise gr.Error(str(e)) from None
    took = time.perf_counter() - t
    sound = "with its sound" if info["audio"] else "no sound track"
    return str(out), f"{info['frames']} frames, {info['fps']:.3g} fps, {info['width']}x{info['height']}, {sound}; {took:.1f} s"


def device_name(model: Colorizer) -> str:
    if model.device.type == "cuda":
        return f"GPU ({torch.cuda.get_device_name(model.device)}, {str(model.dtype).split('.')[-1]})"
    return f"CPU ({str(model.dtype).split('.')[-1]})"


def controls(model: Colorizer | None) -> tuple[gr.Radio, gr.Slider]:
    """Working resolution and colour intensity, starting at the model's own settings."""
    size = model.config.size if model and model.config.size in SIZES else 128
    size_radio = gr.Radio(SIZES, value=size, label="Working resolution (short side, px)")
    temperature = gr.Slider(
        0.2, 1.0, value=model.config.temperature if model else 0.38, step=0.02, label="Colour intensity: T (lower = more vivid)"
    )
    return size_radio, temperature


def examples_gallery(image: gr.Image) -> None:
    """The example photos, one tab per kind, compact enough to sit above the fold."""
    with gr.Tabs(elem_id="gallery"):
        for group, (label, caption) in GROUPS.items():
            paths = gallery(group)
            if paths:
                with gr.Tab(label):
                    gr.Examples([[p] for p in paths], inputs=[image], label=None, examples_per_page=16)
                    gr.Markdown(caption, elem_classes="caption")


def photo_tab(model: Colorizer | None) -> None:
    """Upload (or an example), controls, hints and alternatives on the left; results on the right."""
    with gr.Row():
        with gr.Column():
            image = gr.Image(
                label="Black-and-white photo",
                elem_id="photo",
                type="filepath",
                image_mode=None,
                sources=["upload", "webcam", "clipboard"],
                height=320,
            )
            examples_gallery(image)
            reference = gr.Image(label="Colour reference (optional, for metrics)", type="filepath", image_mode=None, height=160)
            with gr.Row():
                size, temperature = controls(model)
            run = gr.Button("Colourise", variant="primary")
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
        with gr.Column():
            slider = gr.ImageSlider(label="Before / after", elem_id="result-slider", type="pil", format="png", buttons=["fullscreen"])
            notes = gr.Markdown(elem_id="notes")
            table = gr.Dataframe(
                headers=METRIC_HEADERS, label="Metrics against the reference", interactive=False, elem_id="metrics", wrap=True
            )
            # the one download: full resolution, with its provenance (the slider's copies carry none)
            download = gr.File(label="Download (full-resolution PNG, marked as colourised)")
            footer = gr.Markdown(elem_id="footer")
    hints = gr.State([])
    inputs, outputs = [image, reference, size, temperature, hints], [slider, table, download, notes, footer]
    run.click(colorize, inputs, outputs, api_name=False)
    gr.api(colorize_api, api_name="colorize")
    # Results follow every change (a new photo, an example, a reference, the controls, hints).
    image.change(clear_hints, None, [hints, hints_view], api_name=False).then(refresh, inputs, outputs, api_name=False).then(
        None, js=SHOW_RESULT
    )
    for trigger in (reference.change, size.change, temperature.release):
        trigger(refresh, inputs, outputs, api_name=False)
    image.select(add_hint, [hints, hint_color], [hints, hints_view], api_name=False).then(refresh, inputs, outputs, api_name=False)
    undo.click(undo_hint, hints, [hints, hints_view], api_name=False).then(refresh, inputs, outputs, api_name=False)
    clear.click(clear_hints, None, [hints, hints_view], api_name=False).then(refresh, inputs, outputs, api_name=False)
    alt_button.click(alternatives, [image, size, temperature, hints, seed], [alt_gallery, alt_state], api_name="alternatives")
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
            clip_size, clip_t = controls(model)
            clip_run = gr.Button("Colourise video", variant="primary")
        with gr.Column():
            clip_out = gr.Video(label="Colourised video", elem_id="clip-out")
            clip_info = gr.Markdown()
    clip_run.click(colorize_clip, [clip, clip_size, clip_t], [clip_out, clip_info], api_name="colorize_video")


def build() -> gr.Blocks:
    model, missing = loaded()
    with gr.Blocks(title="Colorizer") as demo:
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
    build().launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        max_file_size=MAX_UPLOAD,
        show_error=True,
        allowed_paths=[str(OUTPUTS)],
    )
