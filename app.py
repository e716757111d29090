"""The colorizer web app: drop in a black-and-white photo, compare before and after.

    python app.py            # http://127.0.0.1:7860 (on a Hugging Face Space, just push the repo)

Thin by design: it calls colorizer.Colorizer and colorizer.metrics and arranges the results.
Settings (environment): COLORIZER_WEIGHTS, COLORIZER_HF_REPO (where the weights come from when
weights/ is empty), COLORIZER_EXAMPLES_DIR (more gallery images: historical/, xray/, cctv/),
COLORIZER_MAX_MEGAPIXELS (default 25), COLORIZER_CONCURRENCY (default 2).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import gradio as gr
import numpy as np
import PIL.Image
import torch

from colorizer import Colorizer
from colorizer.images import IMAGE_SUFFIXES, ImageError, is_colour, lightness, open_image, to_standard
from colorizer.inference import compose
from colorizer.metrics import comparison
from colorizer.provenance import save_image, settings
from colorizer.video import VideoError, colorize_video, probe
from colorizer.weights import WeightsNotFoundError

HERE = Path(__file__).resolve().parent
MAX_PIXELS = int(float(os.environ.get("COLORIZER_MAX_MEGAPIXELS", "25")) * 1e6)
CONCURRENCY = int(os.environ.get("COLORIZER_CONCURRENCY", "2"))
MAX_UPLOAD = os.environ.get("COLORIZER_MAX_UPLOAD", "50mb")
MAX_VIDEO_SECONDS = float(os.environ.get("COLORIZER_MAX_VIDEO_SECONDS", "60"))
SIZES = [128, 192, 256, 384, 512]  # short side; the shipped model's best is in weights/generator.json
GROUPS = {
    "historical": ("Historical photographs", ""),
    "xray": (
        "X-ray",
        "radiographs have no natural colours: these are a natural-image model's guess (pseudo-colour), not medical information.",
    ),
    "cctv": ("CCTV", "the colours are a natural-image model's guess (pseudo-colour), not evidence of the scene's real colours."),
}
# Gradio opens uploads lazily to read their headers; our own reader enforces MAX_PIXELS before
# decoding, so PIL's global bomb check (which would fail inside Gradio with no message) is off.
PIL.Image.MAX_IMAGE_PIXELS = None


def load_model() -> tuple[Colorizer | None, str]:
    try:
        model = Colorizer.from_pretrained()
    except (WeightsNotFoundError, ValueError, OSError) as e:
        return None, f"**No model weights could be loaded**, so colourising is unavailable. {e}"
    model.max_pixels = MAX_PIXELS
    return model, ""


MODEL, MISSING = load_model()


def gallery(group: str) -> list[str]:
    """Shipped examples of a group, plus those under $COLORIZER_EXAMPLES_DIR/<group>."""
    folders = [HERE / "examples" / group]
    if os.environ.get("COLORIZER_EXAMPLES_DIR"):
        folders.append(Path(os.environ["COLORIZER_EXAMPLES_DIR"]) / group)
    return [str(p) for f in folders if f.is_dir() for p in sorted(f.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES]


def grey_rgb(std: PIL.Image.Image) -> PIL.Image.Image:
    """What the model sees: the picture's own lightness, shown as a grey RGB image."""
    return PIL.Image.fromarray(compose(lightness(std), torch.zeros(2, 1, 1)))


def parse_colour(value: str) -> tuple[int, int, int]:
    """The colour picker's '#rrggbb' or 'rgb(a)(r, g, b, ...)' -> (r, g, b)."""
    value = value.strip()
    if value.startswith("#") and len(value) >= 7:
        return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))
    if value.startswith("rgb"):
        parts = value[value.index("(") + 1 : value.index(")")].split(",")
        return tuple(int(round(float(p))) for p in parts[:3])
    raise gr.Error(f"unreadable colour {value!r}")


def as_hints(rows: list | None) -> list:
    return [(float(x), float(y), parse_colour(c)) for x, y, c in rows or []]


def settings_of(size, temperature, hints: list | None) -> str:
    """The provenance line for the app's current controls."""
    return settings(MODEL.config, int(size), float(temperature), len(hints or []))


def download_file(image: str, out: PIL.Image.Image, settings_line: str) -> str:
    """The full-resolution PNG to download, with its provenance (colorizer/provenance.py)."""
    path = Path(tempfile.mkdtemp(prefix="colorized-")) / f"{Path(str(image)).stem}_color.png"
    save_image(out, path, settings_line)
    return str(path)


def open_photo(image: str) -> PIL.Image.Image:
    try:
        return to_standard(open_image(image, MAX_PIXELS))
    except ImageError as e:
        raise gr.Error(str(e)) from None


def colorize(image: str | None, reference: str | None, size: int, temperature: float, hints: list | None = None):
    """Image (path) + optional reference -> slider pair, metrics rows, PNG path, notes, footer."""
    if MODEL is None:
        raise gr.Error(MISSING)
    if image is None:
        raise gr.Error("Upload a photo first (or click an example).")
    notes = []
    std = open_photo(image)
    try:
        ref = None
        if is_colour(std):
            ref = np.asarray(std.convert("RGB"))
            notes.append("Your picture is in colour: it was turned to grey first, and the original is used as the reference.")
        if reference is not None:
            ref_img = to_standard(open_image(reference, MAX_PIXELS)).convert("RGB")
            if ref_img.size != std.size:
                w, h = ref_img.size
                notes.append(f"The reference ({w}x{h}) was resized to the result ({std.size[0]}x{std.size[1]}).")
                ref_img = ref_img.resize(std.size, PIL.Image.LANCZOS)
            ref = np.asarray(ref_img)
        t = time.perf_counter()
        out = MODEL.colorize(std, size=int(size), temperature=float(temperature), hints=as_hints(hints))
        took = time.perf_counter() - t
    except (ImageError, ValueError) as e:
        raise gr.Error(str(e)) from None
    before = grey_rgb(std)
    rows = comparison(np.asarray(out), ref) if ref is not None else []
    path = download_file(image, out, settings_of(size, temperature, hints))
    w, h = out.size
    footer = f"Model: ECCV16 width {MODEL.config.width}, {MODEL.config.num_bins} bins · device: {device_name()} · {took:.2f} s for {w}x{h}"
    return (before, out), rows, path, "\n\n".join(notes), footer


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


def add_hint(hints: list, colour: str, evt: gr.SelectData):
    x, y = evt.index
    hints = [*hints, [x, y, colour]]
    return hints, describe_hints(hints)


def undo_hint(hints: list):
    hints = hints[:-1]
    return hints, describe_hints(hints)


def clear_hints():
    return [], describe_hints([])


def alternatives(image, size, temperature, hints, seed):
    """Four different plausible colourisations (seeded) to pick from."""
    if MODEL is None:
        raise gr.Error(MISSING)
    if image is None:
        raise gr.Error("Upload a photo first (or click an example).")
    std = open_photo(image)
    try:
        alts = MODEL.colorize(std, size=int(size), temperature=float(temperature), hints=as_hints(hints), n=4, seed=int(seed))
    except ValueError as e:
        raise gr.Error(str(e)) from None
    line = f"{settings_of(size, temperature, hints)}; 4 alternatives of seed {int(seed)}"
    return [(a, f"alternative {i + 1}") for i, a in enumerate(alts)], {"settings": line, "images": alts}


def pick_alternative(image, alts: dict, evt: gr.SelectData):
    """Put the chosen alternative in the slider and the download."""
    chosen = alts["images"][evt.index]
    path = download_file(image, chosen, f"{alts['settings']}; alternative {evt.index + 1}")
    return (grey_rgb(open_photo(image)), chosen), path


def colorize_clip(video: str | None, size: int, temperature: float, progress=gr.Progress(track_tqdm=True)):  # noqa: B008
    """A video file -> the colourised mp4 (with its sound) and a line about it."""
    if MODEL is None:
        raise gr.Error(MISSING)
    if video is None:
        raise gr.Error("Upload a video first.")
    try:
        duration = probe(video)["duration"]
        if duration and duration > MAX_VIDEO_SECONDS:
            raise gr.Error(
                f"The video is {duration:.0f} s long; the app takes up to {MAX_VIDEO_SECONDS:.0f} s (the command line has no limit)."
            )
        out = Path(tempfile.mkdtemp(prefix="colorized-")) / f"{Path(video).stem}_color.mp4"
        t = time.perf_counter()
        info = colorize_video(MODEL, video, out, size=int(size), temperature=float(temperature))
    except VideoError as e:
        raise gr.Error(str(e)) from None
    took = time.perf_counter() - t
    sound = "with its sound" if info["audio"] else "no sound track"
    return str(out), f"{info['frames']} frames, {info['fps']:.3g} fps, {info['width']}x{info['height']}, {sound}; {took:.1f} s"


def device_name() -> str:
    if MODEL.device.type == "cuda":
        return f"GPU ({torch.cuda.get_device_name(MODEL.device)}, {str(MODEL.dtype).split('.')[-1]})"
    return f"CPU ({str(MODEL.dtype).split('.')[-1]})"


def build() -> gr.Blocks:
    default_size = MODEL.config.size if MODEL and MODEL.config.size in SIZES else 128
    default_t = MODEL.config.temperature if MODEL else 0.38
    with gr.Blocks(title="Colorizer") as demo:
        gr.Markdown(
            "# Colorizer\nColourise black-and-white photographs. Drop in a photo, compare before and after with the slider, "
            "and download the full-resolution PNG (its metadata says it was colourised by a model, and how). "
            "Add a colour reference to score the result (PSNR, SSIM, CIEDE2000)."
        )
        if MISSING:
            gr.Markdown(MISSING, elem_id="missing-weights")
        with gr.Tabs():
            with gr.Tab("Photo"):
                with gr.Row():
                    with gr.Column():
                        image = gr.Image(
                            label="Black-and-white photo",
                            elem_id="photo",
                            type="filepath",
                            image_mode=None,
                            sources=["upload", "webcam", "clipboard"],
                        )
                        reference = gr.Image(label="Colour reference (optional, for metrics)", type="filepath", image_mode=None)
                        with gr.Row():
                            size = gr.Radio(SIZES, value=default_size, label="Working resolution (short side, px)")
                            temperature = gr.Slider(0.2, 1.0, value=default_t, step=0.02, label="Colour intensity: T (lower = more vivid)")
                        run = gr.Button("Colourise", variant="primary")
                        with gr.Accordion("Colour hints: click the photo to say what colour something is", open=True):
                            with gr.Row():
                                hint_colour = gr.ColorPicker(value="#c83232", label="Hint colour")
                                undo = gr.Button("Undo last hint")
                                clear = gr.Button("Clear hints")
                            hints_view = gr.Markdown(describe_hints([]), elem_id="hints")
                        with gr.Accordion("Alternatives: other plausible colourisations", open=False):
                            with gr.Row():
                                seed = gr.Number(value=0, precision=0, label="Seed")
                                alt_button = gr.Button("Show 4 alternatives", elem_id="alternatives-button")
                            alt_gallery = gr.Gallery(
                                label="Click one to use it", columns=4, height=220, elem_id="alternatives", format="png"
                            )
                            alt_state = gr.State(None)
                    with gr.Column():
                        slider = gr.ImageSlider(
                            label="Before / after", elem_id="result-slider", type="pil", format="png", buttons=["fullscreen"]
                        )
                        notes = gr.Markdown(elem_id="notes")
                        headers = ["", "PSNR (dB)", "SSIM", "CIEDE2000", "colourfulness"]
                        table = gr.Dataframe(headers=headers, label="Metrics against the reference", interactive=False, elem_id="metrics")
                        # the one download: full resolution, with its provenance (the slider's copies carry none)
                        download = gr.File(label="Download (full-resolution PNG, marked as colourised)")
                footer = gr.Markdown(elem_id="footer")
                for group, (label, warning) in GROUPS.items():
                    paths = gallery(group)
                    if paths:
                        if warning:
                            gr.Markdown(f"**{label}:** {warning}")
                        gr.Examples([[p] for p in paths], inputs=[image], label=label, examples_per_page=12)
            with gr.Tab("Video"):
                gr.Markdown(
                    f"Colourise a clip (mp4, avi, mov, gif; up to {MAX_VIDEO_SECONDS:.0f} s here, no limit on the command line). "
                    "Each frame's colours are blended with the previous frame's where the scene is still, so walls do not "
                    "flicker and moving things leave no ghosts. The result is an mp4 with the original sound."
                )
                with gr.Row():
                    with gr.Column():
                        clip = gr.Video(label="Black-and-white video", sources=["upload"], elem_id="clip")
                        clip_size = gr.Radio(SIZES, value=default_size, label="Working resolution (short side, px)")
                        clip_t = gr.Slider(0.2, 1.0, value=default_t, step=0.02, label="Colour intensity: T (lower = more vivid)")
                        clip_run = gr.Button("Colourise video", variant="primary")
                    with gr.Column():
                        clip_out = gr.Video(label="Colourised video", elem_id="clip-out")
                        clip_info = gr.Markdown()
        hints = gr.State([])
        inputs, outputs = [image, reference, size, temperature, hints], [slider, table, download, notes, footer]
        run.click(colorize, inputs, outputs, api_name="colorize")
        # Results follow every change (a new photo, an example, a reference, the controls, hints).
        image.change(clear_hints, None, [hints, hints_view], api_name=False).then(refresh, inputs, outputs, api_name=False)
        for trigger in (reference.change, size.change, temperature.release):
            trigger(refresh, inputs, outputs, api_name=False)
        image.select(add_hint, [hints, hint_colour], [hints, hints_view], api_name=False).then(refresh, inputs, outputs, api_name=False)
        undo.click(undo_hint, hints, [hints, hints_view], api_name=False).then(refresh, inputs, outputs, api_name=False)
        clear.click(clear_hints, None, [hints, hints_view], api_name=False).then(refresh, inputs, outputs, api_name=False)
        alt_button.click(alternatives, [image, size, temperature, hints, seed], [alt_gallery, alt_state], api_name="alternatives")
        alt_gallery.select(pick_alternative, [image, alt_state], [slider, download], api_name=False)
        clip_run.click(colorize_clip, [clip, clip_size, clip_t], [clip_out, clip_info], api_name="colorize_video")
        gr.Markdown(
            "Model: the ECCV16 'Colorful Image Colorization' generator trained as a GAN by this project, on research-only image "
            "collections (see weights/README.md). Colours are plausible guesses, not historical fact."
        )
    return demo


demo = build()
demo.queue(default_concurrency_limit=CONCURRENCY, max_size=64)

if __name__ == "__main__":
    demo.launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        max_file_size=MAX_UPLOAD,
        show_error=True,
    )
