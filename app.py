"""The colorizer web app: drop in a black-and-white photo, compare before and after.

    python app.py            # http://127.0.0.1:7860 (on a Hugging Face Space, just push the repo)

The page and its wiring. What each action does, and every limit a public server needs, is
colorizer/serve.py; the settings (environment variables) are in docs/app.md.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
import PIL.Image
from gradio.utils import get_upload_folder

from colorizer import Colorizer
from colorizer.files import IMAGE_SUFFIXES
from colorizer.models import describe
from colorizer.serve import (
    METRIC_HEADERS,
    DiskBudget,
    Limits,
    Refused,
    Service,
    check_hints,
    describe_hints,
    upload_path,
    user_message,
    working_sizes,
)
from colorizer.vividness import default_vividness
from colorizer.weights import WeightsNotFoundError

HERE = Path(__file__).resolve().parent
LIMITS = Limits.from_env()
# Gradio's uploads and cached results go in the app's own folder, under the same disk budget.
os.environ["GRADIO_TEMP_DIR"] = str(LIMITS.folder)
DISK = DiskBudget(LIMITS.folder, LIMITS.output_bytes, LIMITS.output_seconds)
MODEL_JOB = {"concurrency_id": "model", "concurrency_limit": LIMITS.concurrency}  # one limit across every endpoint
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
# the result area (slider, vividness, size, Colourise, download) fits the screen: its top goes to the top
SHOW_RESULT = "() => document.getElementById('result-area')?.scrollIntoView({block: 'start', behavior: 'smooth'})"
CSS = "#colourise {max-height: 3em}"
# Gradio opens uploads lazily to read their headers; our own reader enforces the pixel limit before
# decoding, so PIL's global bomb check (which would fail inside Gradio with no message) is off.
PIL.Image.MAX_IMAGE_PIXELS = None


@functools.cache
def loaded() -> tuple[Service | None, str]:
    """The service over the model, loaded once on first use, or None and the message that says why not."""
    try:
        model = Colorizer.from_pretrained()
    except (WeightsNotFoundError, ValueError, OSError) as e:
        return None, f"**No model weights could be loaded**, so colourising is unavailable. {e}"
    return Service(model, LIMITS, DISK), ""


def ready(image, what: str = "a photo") -> Service:
    service, missing = loaded()
    if service is None:
        raise Refused(missing)
    if image is None:
        raise Refused(f"Upload {what} first" + (" (or click an example)." if what == "a photo" else "."))
    return service


def served(fn):
    """A handler whose errors reach the user as one kind of message: ours say why, others only that it failed."""
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def steps(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except gr.Error:
                raise
            except Exception as e:
                raise gr.Error(user_message(e)) from None

        return steps

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as e:
            raise gr.Error(user_message(e)) from None

    return call


# --- the handlers: one per action ------------------------------------------------------------------


@served
def colorize_page(image, reference, size, vividness, hints):
    r = ready(image).colorize(image, reference, size, vividness, hints)
    return (r.before, r.after), gr.Dataframe(value=r.rows, visible=bool(r.rows)), r.download, r.notes, r.footer


def refresh(image, reference, size, vividness, hints):
    """After a change: a new result, or cleared outputs when the photo was removed."""
    if image is None:
        return None, gr.Dataframe(value=[], visible=False), None, "", ""
    return colorize_page(image, reference, size, vividness, hints)


@served
def colorize_api(
    image: gr.FileData,
    reference: gr.FileData | None = None,
    size: int | None = None,
    temperature: float | None = None,
    vividness: float | None = None,
) -> tuple[tuple[gr.FileData, gr.FileData], dict, gr.FileData, str, str]:
    """The ``/colorize`` endpoint: only the image (an upload) is required.

    size: working resolution, one of 128, 192, 256, 384, 512 or the model's own (the default);
    vividness: colour intensity from 0 (cautious) to 1 (bold) (default: the calibrated setting);
    temperature: for experts and old scripts, 0.2 to 1.0, instead of vividness.
    Returns the before/after pair, the metrics table, the full-resolution PNG, notes and a footer.
    """
    folder = get_upload_folder()
    image, reference = upload_path(image, folder), upload_path(reference, folder)
    service = ready(image)
    r = service.colorize(image, reference, size, vividness, None, temperature)
    before, after = service.save_images([r.before, r.after], "pair")
    pair = (gr.FileData(path=before), gr.FileData(path=after))
    return pair, {"headers": METRIC_HEADERS, "data": r.rows}, gr.FileData(path=r.download), r.notes, r.footer


@served
def add_hint(hints: list, color: str, evt: gr.SelectData):
    index = evt.index
    if not (isinstance(index, list | tuple) and len(index) == 2):
        raise Refused("Click a point on the photo to place a hint.")
    hints = [*hints, [index[0], index[1], color]]
    check_hints(hints, LIMITS.max_hints)
    return hints, describe_hints(hints)


def undo_hint(hints: list):
    return hints[:-1], describe_hints(hints[:-1])


def clear_hints():
    return [], describe_hints([])


@served
def show_alternatives(image, size, vividness, hints, seed):
    """Four different plausible colourisations (seeded) to pick from.

    size: one of 128, 192, 256, 384, 512 or the model's own (a number or its text); vividness: 0 to 1; seed: 0 to 2**31 - 1.
    """
    alts, choice = ready(image).alternatives(image, size, vividness, hints, seed)
    return [(a, f"alternative {i + 1}") for i, a in enumerate(alts)], choice


@served
def pick_alternative(image, choice: dict, evt: gr.SelectData):
    """Put the chosen alternative in the slider and the download."""
    before, after, path = ready(image).pick(image, choice, evt.index)
    return (before, after), path


@served
def alternatives_api(image: gr.FileData, size: int | None = None, vividness: float | None = None, seed: int = 0) -> list[gr.FileData]:
    """The ``/alternatives`` endpoint: four different plausible colourisations of the image (an upload), as PNGs.

    size: one of 128, 192, 256, 384, 512 or the model's own (the default); vividness: 0 to 1 (default: calibrated);
    seed: 0 to 2**31 - 1 (the same seed gives the same four).
    """
    image = upload_path(image, get_upload_folder())
    service = ready(image)
    alts, _ = service.alternatives(image, size, vividness, None, seed)
    return [gr.FileData(path=p) for p in service.save_images(alts, "alternative")]


@served
def colorize_clip(video: str | None, size, vividness):
    """A video file -> the colourised mp4 (with its sound) and a line about it; progress as it goes."""
    for step in ready(video, "a video").video(video, size, vividness):
        yield (gr.skip(), f"Colourising: {step}") if isinstance(step, str) else step


@served
def colorize_video_api(
    video: gr.FileData, size: int | None = None, vividness: float | None = None
) -> Iterator[tuple[gr.FileData | None, str]]:
    """The ``/colorize_video`` endpoint: the video (an upload) -> the colourised mp4 with its sound, and a summary.

    Progress lines come while it runs; the last reply has the mp4. size and vividness as for ``/colorize``.
    """
    video = upload_path(video, get_upload_folder())
    for step in ready(video, "a video").video(video, size, vividness):
        yield (None, step) if isinstance(step, str) else (gr.FileData(path=step[0]), step[1])


# --- the page --------------------------------------------------------------------------------------


def gallery(group: str) -> list[str]:
    """Shipped examples of a group, plus those under $COLORIZER_EXAMPLES_DIR/<group>."""
    folders = [HERE / "examples" / group]
    if os.environ.get("COLORIZER_EXAMPLES_DIR"):
        folders.append(Path(os.environ["COLORIZER_EXAMPLES_DIR"]) / group)
    return [str(p) for f in folders if f.is_dir() for p in sorted(f.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES]


def controls(model: Colorizer | None) -> tuple[gr.Slider, gr.Radio]:
    """Vividness and working resolution, starting at the model's own settings."""
    size = model.config.size if model and model.config.size else 128
    sizes = working_sizes(size)
    size_radio = gr.Radio(sizes, value=size, label="Working resolution (short side, px)", elem_id="size")
    # gr.Radio documents every choice as a string to API clients; these are the integers it takes
    size_radio.api_info = lambda: {"enum": sizes, "title": "Working resolution", "type": "integer"}
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
                    gr.Examples([[p] for p in paths], inputs=[image], label=None, examples_per_page=16, api_visibility="private")
                    gr.Markdown(caption, elem_classes="caption")


def photo_tab(model: Colorizer | None) -> None:
    """Upload (or an example), the reference, hints and alternatives on the left; on the right the
    result with everything that acts on it, which fit a 1280x800 screen together and are scrolled
    into view after every change."""
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
                choice = gr.State(None, time_to_live=LIMITS.state_seconds)  # the seed and settings, never the images
        with gr.Column(elem_id="result-area"):
            gr.Markdown("**Before / after** (drag the handle)", elem_classes="caption")
            slider = gr.ImageSlider(show_label=False, elem_id="result-slider", type="pil", format="png", buttons=["fullscreen"], height=420)
            with gr.Row():
                vividness, size = controls(model)
            with gr.Row():
                run = gr.Button("Colourise", variant="primary", elem_id="colourise", scale=1, min_width=120)
                # the one download: full resolution, with its provenance (the slider's copies carry none)
                download = gr.File(label="Download (full-resolution PNG, marked as colourised)", elem_id="download", height=80, scale=3)
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
    hints = gr.State([], time_to_live=LIMITS.state_seconds)
    inputs, outputs = [image, reference, size, vividness, hints], [slider, table, download, notes, footer]
    hidden = {"api_visibility": "private"}  # the page's own events: not API
    run.click(colorize_page, inputs, outputs, **hidden, **MODEL_JOB).then(None, js=SHOW_RESULT)
    gr.api(colorize_api, api_name="colorize", **MODEL_JOB)
    # Results follow every change (a new photo, an example, a reference, the controls, hints), in view.
    image.change(clear_hints, None, [hints, hints_view], **hidden).then(refresh, inputs, outputs, **hidden, **MODEL_JOB).then(
        None, js=SHOW_RESULT
    )
    for trigger in (reference.change, size.change, vividness.release):
        trigger(refresh, inputs, outputs, **hidden, **MODEL_JOB).then(None, js=SHOW_RESULT)
    image.select(add_hint, [hints, hint_color], [hints, hints_view], **hidden).then(refresh, inputs, outputs, **hidden, **MODEL_JOB)
    undo.click(undo_hint, hints, [hints, hints_view], **hidden).then(refresh, inputs, outputs, **hidden, **MODEL_JOB)
    clear.click(clear_hints, None, [hints, hints_view], **hidden).then(refresh, inputs, outputs, **hidden, **MODEL_JOB)
    alt_button.click(show_alternatives, [image, size, vividness, hints, seed], [alt_gallery, choice], **hidden, **MODEL_JOB)
    gr.api(alternatives_api, api_name="alternatives", **MODEL_JOB)
    alt_gallery.select(pick_alternative, [image, choice], [slider, download], **hidden, **MODEL_JOB)


def video_tab(model: Colorizer | None) -> None:
    gr.Markdown(
        f"Colourise a clip (mp4, avi, mov, gif; up to {LIMITS.video_seconds:g} s and {LIMITS.video_fps:g} frames a second here, "
        "no limit on the command line). Each frame's colours are blended with the previous frame's where the scene is still, "
        "so walls do not flicker and moving things leave no ghosts. The result is an mp4 with the original sound."
    )
    with gr.Row():
        with gr.Column():
            clip = gr.Video(label="Black-and-white video", sources=["upload"], elem_id="clip")
            clip_vividness, clip_size = controls(model)
            clip_run = gr.Button("Colourise video", variant="primary")
        with gr.Column():
            clip_out = gr.Video(label="Colourised video", elem_id="clip-out")
            clip_info = gr.Markdown()
    clip_run.click(colorize_clip, [clip, clip_size, clip_vividness], [clip_out, clip_info], api_visibility="private", **MODEL_JOB)
    gr.api(colorize_video_api, api_name="colorize_video", **MODEL_JOB)


def build() -> gr.Blocks:
    service, missing = loaded()
    model = service.model if service else None
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
    return demo.queue(default_concurrency_limit=LIMITS.concurrency, max_size=LIMITS.queue)


if __name__ == "__main__":
    DISK.start(LIMITS.sweep_seconds)  # at start (what an earlier run left), then on a timer
    demo = build()
    service, _ = loaded()
    if service is not None:
        service.warm()  # the first click costs what later ones do
    demo.launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        max_file_size=LIMITS.max_upload,
        show_error=False,  # only gr.Error messages (written for users, no server paths) reach a client
        css=CSS,
    )
