"""The web app, end to end: a real server in a subprocess, called through gradio_client."""

import contextlib
import shutil
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

from colorizer.metrics import comparison
from colorizer.testing import AppServer

from .conftest import REPO, SHARED, shared


@pytest.fixture(scope="module")
def server():
    examples = {"COLORIZER_EXAMPLES_DIR": str(SHARED / "gallery")} if (SHARED / "gallery").is_dir() else {}
    s = AppServer(REPO, COLORIZER_MAX_VIDEO_SECONDS="1.0", **examples)
    yield s
    s.stop()


def save(tmp_path, name, array) -> str:
    p = tmp_path / name
    Image.fromarray(array).save(p)
    return str(p)


def test_alternatives_endpoint(server, tmp_path, photo):
    from gradio_client import handle_file

    grey = save(tmp_path, "g.png", np.asarray(Image.fromarray(photo).convert("L").resize((96, 64))))
    pngs = server.client().predict(handle_file(grey), 128, 1.0, 3, api_name="/alternatives")
    images = [np.asarray(Image.open(png)) for png in pngs]
    assert len(images) == 4 and all(a.shape == (64, 96, 3) for a in images)
    assert any(not np.array_equal(images[0], other) for other in images[1:])


def call(client, image, reference=None, size=128, temperature=1.0):
    from gradio_client import handle_file

    return client.predict(handle_file(image), handle_file(reference) if reference else None, size, temperature, api_name="/colorize")


def test_the_image_alone_is_enough(server, tmp_path, photo):
    from gradio_client import Client, handle_file

    path = save(tmp_path, "photo.png", np.asarray(Image.fromarray(photo).convert("L").resize((120, 80))))
    (before, after), table, download, notes, footer = Client(server.url, verbose=False).predict(handle_file(path), api_name="/colorize")
    assert Image.open(after).size == (120, 80) and "working size" in Image.open(download).info["Software"]


def test_importing_the_app_loads_no_model():
    import app

    assert app.loaded.cache_info().currsize == 0  # the model loads on first use, not at import


def test_the_page_starts_at_the_models_own_working_size():
    """The calibrated default (the 0.7x rule) holds at the weights' working size, so the page must
    offer and start at it even where it is not one of the usual choices (v6: 176)."""
    import app
    from colorizer import Colorizer
    from colorizer.serve import SIZES

    model = Colorizer.from_pretrained(REPO / "weights")
    _, size = app.controls(model)
    assert size.value == model.config.size
    assert model.config.size in [c[1] for c in size.choices]
    assert size.api_info()["enum"] == sorted({*SIZES, model.config.size})


def test_colorize_keeps_size(server, tmp_path, photo):
    grey = np.asarray(Image.fromarray(photo).convert("L").resize((300, 200)))
    (before, after), table, download, notes, footer = call(server.client(), save(tmp_path, "g.png", grey))
    assert Image.open(after).size == (300, 200) and Image.open(download).size == (300, 200)
    assert Image.open(download).mode == "RGB" and download.endswith(".png")
    assert "neural network" in Image.open(download).info["Description"]  # the download says what it is
    assert "device" in footer and "CPU" in footer
    assert not table["data"] or table["data"] == [[""] * 5]


def test_reference_metrics_match_the_core(server, tmp_path, photo):
    ref = photo[::2, ::2]
    grey = np.asarray(Image.fromarray(ref).convert("L"))
    (_, after), table, download, notes, _ = call(server.client(), save(tmp_path, "g.png", grey), save(tmp_path, "r.png", ref))
    expected = comparison(np.asarray(Image.open(download).convert("RGB")), ref)
    rows = table["data"]
    assert [r[0] for r in rows] == [r[0] for r in expected]
    for got, want in zip(rows[:2], expected[:2]):
        assert np.allclose([float(x) for x in got[1:]], want[1:], atol=0.011)


def test_color_input_becomes_grey_and_its_own_reference(server, tmp_path, photo):
    (before, _), table, _, notes, _ = call(server.client(), save(tmp_path, "c.png", photo[::2, ::2]))
    assert "in colour" in notes
    b = np.asarray(Image.open(before).convert("RGB")).astype(int)
    assert np.abs(b[..., 0] - b[..., 2]).max() <= 1  # the before image is grey
    assert len(table["data"]) == 3


def test_reference_of_another_size_is_resized(server, tmp_path, photo):
    grey = np.asarray(Image.fromarray(photo).convert("L").resize((160, 160)))
    _, table, _, notes, _ = call(server.client(), save(tmp_path, "g.png", grey), save(tmp_path, "r.png", photo[::4, ::4]))
    assert "resized" in notes and len(table["data"]) == 3


def test_bad_files_give_a_message_and_the_server_lives(server, tmp_path, photo):
    from gradio_client.exceptions import AppError

    bad = tmp_path / "broken.png"
    bad.write_bytes(Image.fromarray(photo).tobytes()[:5000])
    client = server.client()
    with pytest.raises(Exception, match="readable|corrupt|image"):
        call(client, str(bad))
    bomb = tmp_path / "bomb.png"
    Image.new("L", (8000, 8000)).save(bomb)  # 64 megapixels, over the 25 MP default
    with pytest.raises(AppError, match="megapixels"):
        call(client, str(bomb))
    (_, after), *_ = call(client, save(tmp_path, "ok.png", photo[:64, :64]))
    assert Image.open(after).size == (64, 64)


def test_ten_concurrent_users(server, tmp_path, photo):
    paths = [save(tmp_path, f"u{i}.png", np.asarray(Image.fromarray(photo).convert("L").resize((200 + 8 * i, 150)))) for i in range(10)]
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(lambda p: call(server.client(), p), paths))
    assert [Image.open(r[0][1]).size for r in results] == [(200 + 8 * i, 150) for i in range(10)]


def test_shipped_gallery_is_full_and_every_file_has_its_licence():
    readme = (REPO / "examples" / "README.md").read_text()
    counts = {}
    for group, least in (("historical", 8), ("xray", 4), ("cctv", 4)):
        files = sorted((REPO / "examples" / group).iterdir())
        counts[group] = len(files)
        assert len(files) >= least, group
        for f in files:
            assert f.name in readme, f"{f} has no provenance line in examples/README.md"
            with Image.open(f) as im:
                assert max(im.size) <= 1024 and im.mode == "L", f


def test_gallery_groups_from_shared_data(server):
    gallery = shared("gallery")
    client = server.client()
    for group in ("historical", "xray", "cctv"):
        path = sorted((gallery / group).iterdir())[0]
        (_, after), *_ = call(client, str(path))
        assert Image.open(after).size == Image.open(path).size, path


@pytest.mark.slow
def test_app_without_weights_starts_and_says_so(tmp_path, photo):
    for item in ("app.py", "colorizer", "examples"):
        (shutil.copytree if (REPO / item).is_dir() else shutil.copy)(REPO / item, tmp_path / item)
    s = AppServer(tmp_path, COLORIZER_WEIGHTS="", COLORIZER_HF_REPO="", HF_HUB_OFFLINE="1")
    try:
        page = urllib.request.urlopen(s.url, timeout=10).read().decode()
        assert "No model weights could be loaded" in page
        with pytest.raises(Exception, match="No model weights"):
            call(s.client(), save(tmp_path, "g.png", photo[:32, :32]))
    finally:
        s.stop()


@contextlib.contextmanager
def laptop_page(server):
    """Headless Chromium (Debian's, through Playwright) on the app at 1280x800, page loaded."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium on this machine (.ci/run installs Debian's)")
    from playwright.sync_api import sync_playwright

    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=flags)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})  # a laptop screen
            page.goto(server.url, wait_until="load", timeout=120_000)
            page.wait_for_selector("#photo input[type=file]", state="attached", timeout=120_000)
            yield page
        finally:
            browser.close()


def test_browser_upload_slider_metrics_and_gallery(server, tmp_path, photo):
    """A real headless Chromium: upload, see both slider images and the metrics, click an example."""
    colour = save(tmp_path, "colour.png", photo[::2, ::2])  # a colour photo: it becomes its own reference
    with laptop_page(server) as page:
        in_view = "sel => { const r = document.querySelector(sel).getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }"
        assert page.evaluate(in_view, "button.gallery-item"), "the gallery is below the fold"
        page.locator("#photo input[type=file]").set_input_files(colour)
        page.wait_for_function("document.querySelectorAll('#result-slider img').length >= 2", timeout=60_000)
        page.wait_for_function("document.querySelector('#metrics')?.innerText.includes('gray baseline')", timeout=60_000)
        clipped = page.evaluate(
            "Array.from(document.querySelectorAll('#metrics thead th, #metrics thead th *'))"
            ".filter(e => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0).map(e => e.innerText)"
        )
        assert not clipped, f"clipped metric headers: {clipped}"
        first = page.evaluate("Array.from(document.querySelectorAll('#result-slider img')).map(i => i.src)")
        assert len(first) >= 2 and all("file=" in s for s in first)
        page.screenshot(path=str(tmp_path / "after_upload.png"), full_page=True)
        # scrolled down to the gallery, the result is out of view until an example is clicked
        page.evaluate("document.querySelector('button.gallery-item').scrollIntoView({block: 'start'})")
        assert not page.evaluate(in_view, "#result-slider")
        page.locator("button.gallery-item").first.click()  # the first historical example
        page.wait_for_function(
            "srcs => { const now = Array.from(document.querySelectorAll('#result-slider img')).map(i => i.src);"
            " return now.length >= 2 && now.join() !== srcs.join(); }",
            arg=first,
            timeout=60_000,
        )
        page.wait_for_function(in_view, arg="#result-slider", timeout=30_000)  # scrolled to the result (smoothly)
        # place one colour hint by clicking the photo: the hint is listed and the result changes
        after_example = page.evaluate("Array.from(document.querySelectorAll('#result-slider img')).map(i => i.src)")
        page.locator("#photo img").first.click(position={"x": 60, "y": 60})
        page.wait_for_function("document.querySelector('#hints').innerText.includes('Hints:')", timeout=60_000)
        page.wait_for_function(
            "srcs => { const now = Array.from(document.querySelectorAll('#result-slider img')).map(i => i.src);"
            " return now.length >= 2 && now.join() !== srcs.join(); }",
            arg=after_example,
            timeout=60_000,
        )
        page.screenshot(path=str(tmp_path / "app_after_example.png"), full_page=True)
        assert (tmp_path / "app_after_example.png").stat().st_size > 10_000


def test_video_endpoint_and_length_limit(server, tmp_path):
    from gradio_client import handle_file

    from .helpers import count_frames, write_clip

    client = server.client()
    write_clip(tmp_path / "short.mp4", n=5)
    out, info = client.predict(handle_file(str(tmp_path / "short.mp4")), 128, 1.0, api_name="/colorize_video")
    path = out
    assert count_frames(path) == 5 and "5 frames" in info and "with its sound" in info
    write_clip(tmp_path / "long.mp4", n=15)  # 1.5 s, over this server's 1 s limit
    with pytest.raises(Exception, match="the limit is 1 s"):
        client.predict(handle_file(str(tmp_path / "long.mp4")), 128, 1.0, api_name="/colorize_video")


def test_browser_vividness_slider_changes_the_colour(server, tmp_path, photo):
    """Moving the vividness slider to each end re-colourises: bold is far more colourful than cautious."""
    from colorizer.metrics import colorfulness

    grey = save(tmp_path, "grey.png", np.asarray(Image.fromarray(photo).convert("L").resize((256, 256))))
    srcs = "Array.from(document.querySelectorAll('#result-slider img')).map(i => i.src)"
    changed = f"old => {{ const now = {srcs}; return now.length >= 2 && now.join() !== old.join(); }}"
    with laptop_page(server) as page:
        page.locator("#photo input[type=file]").set_input_files(grey)
        page.wait_for_function(f"{srcs}.length >= 2", timeout=60_000)
        colour = {}
        for end in ("0", "1"):
            before = page.evaluate(srcs)
            number = page.locator("#vividness input[type=number]")
            number.fill(end)
            number.press("Tab")  # leaving the box releases the slider: the result follows
            page.wait_for_function(changed, arg=before, timeout=60_000)
            after = page.evaluate(srcs)[-1]
            colour[end] = colorfulness(np.asarray(Image.open(urllib.request.urlopen(after, timeout=30)).convert("RGB")))
        assert colour["1"] > 2 * colour["0"] + 5, colour


def test_browser_page_shows_its_result_on_a_laptop_screen(server, tmp_path, photo):
    """1280x800: after an example, the result and what acts on it are in view; no label covers an image."""
    srcs = "Array.from(document.querySelectorAll('#result-slider img')).map(i => i.src)"
    changed = f"old => {{ const now = {srcs}; return now.length >= 2 && now.join() !== old.join(); }}"
    all_in_view = (
        "ids => ids.every(id => { const e = document.getElementById(id); if (!e) return false;"
        " const r = e.getBoundingClientRect(); return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight; })"
    )
    acting = ["result-slider", "vividness", "colourise", "download"]
    shown = "id => { const e = document.getElementById(id); return !!e && e.getBoundingClientRect().height > 0; }"
    covering = (
        "() => ['photo', 'result-slider'].flatMap(id => { const box = document.getElementById(id);"
        " return box ? Array.from(box.querySelectorAll('[data-testid=block-label]')).filter(l => l.getBoundingClientRect().height > 0)"
        ".map(l => id + ': ' + l.innerText) : []; })"
    )
    with laptop_page(server) as page:
        page.wait_for_selector("button.gallery-item", timeout=120_000)
        assert not page.evaluate(shown, "metrics"), "an empty metrics table shows before any reference"
        page.locator("button.gallery-item").first.click()
        page.wait_for_function(f"{srcs}.length >= 2", timeout=60_000)
        page.wait_for_function(all_in_view, arg=acting, timeout=30_000)  # scrolled there (smoothly)
        assert not page.evaluate(shown, "metrics"), "metrics without a reference"
        assert page.evaluate(covering) == [], "a label chip covers an image"
        page.evaluate("window.scrollTo(0, 0)")
        before = page.evaluate(srcs)
        page.locator("#size label", has_text="192").click()  # a control change: a new result, still in view
        page.wait_for_function(changed, arg=before, timeout=60_000)
        page.wait_for_function(all_in_view, arg=acting, timeout=30_000)
        page.screenshot(path=str(tmp_path / "laptop_after_size_change.png"))
