"""The public app against a hostile client: a real server on 127.0.0.1, raw HTTP and gradio_client.

Every request either returns an image of the input's size or a clear error, and the server
answers afterwards; no request opens a server path, names one in an error, or grows without bound.
"""

import json
import os
import random
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from .conftest import REPO
from .test_app import Server

NAN, INF = float("nan"), float("inf")


@pytest.fixture(scope="module")
def server():
    s = Server(REPO)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def grey(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "grey.png"
    rng = np.random.default_rng(0)
    Image.fromarray((rng.random((48, 72)) * 255).astype(np.uint8)).save(path)
    return path


def upload(server, path: Path) -> dict:
    """Upload a file the way a browser does; returns the FileData payload that names it."""
    boundary = "hostileboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{path.name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(
        server.url + "gradio_api/upload", data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    (remote,) = json.loads(urllib.request.urlopen(req, timeout=60).read())
    return {"path": remote, "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}


def call(server, api: str, data: list) -> tuple[str, object]:
    """Raw JSON (NaN and infinities included, which gradio_client cannot send) -> ("complete" | "error", payload)."""
    url = f"{server.url}gradio_api/call/{api}"
    req = urllib.request.Request(url, data=json.dumps({"data": data}).encode(), headers={"Content-Type": "application/json"})
    try:
        event = json.loads(urllib.request.urlopen(req, timeout=60).read())["event_id"]
    except urllib.error.HTTPError as e:  # refused at the door (a malformed body): still an answer
        return "error", {"error": f"HTTP {e.code}"}
    stream = urllib.request.urlopen(f"{url}/{event}", timeout=600).read().decode()
    kind, payload = None, None
    for line in stream.splitlines():
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            payload = json.loads(line[6:])
    return kind, payload


def colorize(server, image, reference=None, size=None, temperature=None, vividness=None):
    return call(server, "colorize", [image, reference, size, temperature, vividness])


def after_size(payload) -> tuple[int, int]:
    """The size of the "after" image of a /colorize answer (one output: the five-part tuple)."""
    (before, after), *_ = payload[0]
    return Image.open(after["path"]).size


def assert_alive(server, grey: Path) -> None:
    kind, payload = colorize(server, upload(server, grey))
    assert kind == "complete", payload
    assert after_size(payload) == Image.open(grey).size


def error_text(payload) -> str:
    return (payload or {}).get("error") or ""


def test_temperatures_that_crashed_the_server_are_refused_and_it_lives(server, grey):
    image = upload(server, grey)
    for t in (0, -0.0, 1e-45, NAN, INF, -INF, -1, 1e9):
        kind, payload = colorize(server, image, temperature=t)
        assert kind == "error" and "Temperature must be a number from 0.2 to 1" in error_text(payload), (t, payload)
    assert server.proc.poll() is None
    assert_alive(server, grey)


def test_vividness_out_of_range_is_refused(server, grey):
    image = upload(server, grey)
    for v in (-0.1, 1.5, NAN, INF, "bold", [1]):
        kind, payload = colorize(server, image, vividness=v)
        assert kind == "error", (v, payload)
    assert colorize(server, image, vividness=0.0)[0] == colorize(server, image, vividness=1.0)[0] == "complete"


def test_a_server_path_is_never_opened_and_errors_name_no_path(server, grey, tmp_path):
    secret = tmp_path / "secret.png"
    Image.new("L", (40, 30), 200).save(secret)
    messages = set()
    for path in (str(secret), str(tmp_path / "missing.png"), str(tmp_path), "/etc/passwd", "../../etc/passwd"):
        for args in ((path,), (upload(server, grey), path)):  # as the image, and as the reference
            kind, payload = colorize(server, *args)
            assert kind == "error", (path, payload)
            messages.add(error_text(payload))
        # a FileData that names a server file is refused by Gradio before our code runs
        kind, payload = colorize(server, {"path": path, "meta": {"_type": "gradio.FileData"}})
        assert kind == "error" and str(tmp_path) not in json.dumps(payload)
    assert messages == {"Send the image as an upload (gradio_client's handle_file), not as a path or URL."}


def test_an_unreadable_upload_gets_a_message_without_the_server_path(server, tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 200)
    kind, payload = colorize(server, upload(server, bad))
    assert kind == "error" and "readable" in error_text(payload) and "/" not in error_text(payload), payload


def test_working_size_is_bounded(server, grey):
    image = upload(server, grey)
    for size in (4096, 1024, 0, -128, 129, 1e9, NAN, "big", True):
        kind, payload = colorize(server, image, size=size)
        assert kind == "error" and "working resolution must be one of" in error_text(payload), (size, payload)
    kind, payload = colorize(server, image, size=512)
    assert kind == "complete" and after_size(payload) == (72, 48)


def test_a_seeded_sweep_of_hostile_arguments(server, grey):
    """Every call returns an image of the input's size or a clear error; the server lives throughout."""
    rng = random.Random(0)
    image = upload(server, grey)
    sizes = [None, 128, 192, 512, 4096, 0, -1, 127, 1e308, NAN, INF, "128", "x", [], {}]
    temperatures = [None, 0.2, 0.5, 1.0, 0, -0.0, 1e-45, NAN, INF, -INF, 5, "0.5", [0.5]]
    vividness = [None, 0.0, 0.5, 1.0, -1, 2, NAN, INF, "1"]
    images = [image, None, "/etc/passwd", 7, [], {"path": None}, {"url": "http://127.0.0.1:1/x.png", "meta": {"_type": "gradio.FileData"}}]
    for _ in range(60):
        args = [rng.choice(images), None, rng.choice(sizes), rng.choice(temperatures), rng.choice(vividness)]
        kind, payload = call(server, "colorize", args)
        if kind == "complete":
            assert after_size(payload) == (72, 48), args
        else:
            assert kind == "error", (args, payload)
        assert server.proc.poll() is None, f"the server died on {args}"
    assert_alive(server, grey)


def test_file_routes_refuse_traversal(server):
    targets = ["/etc/passwd", str(REPO / "app.py"), str(REPO / "weights" / "generator.json"), "../../../../etc/passwd"]
    for target in targets:
        for route in ("gradio_api/file=", "file=", "gradio_api/file/"):
            for form in (target, urllib.parse.quote(target, safe="")):
                try:
                    body = urllib.request.urlopen(server.url + route + form, timeout=30).read()
                except urllib.error.HTTPError as e:
                    assert e.code in (400, 403, 404, 405), (route, form, e.code)
                    continue
                assert b"root:" not in body and b"import gradio" not in body and b"logit_bias" not in body, (route, form)


def test_api_documents_integer_sizes_and_alternatives_take_them(server, grey):
    from gradio_client import Client, handle_file

    client = Client(server.url, verbose=False)
    info = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    for endpoint in ("/alternatives", "/colorize_video"):
        size = next(p for p in info[endpoint]["parameters"] if p["parameter_name"] == "size")
        assert size["type"]["type"] == "integer" and 128 in size["type"]["enum"], size
    gallery = client.predict(handle_file(str(grey)), 192, 0.5, 3, api_name="/alternatives")
    assert len(gallery) == 4


def test_results_are_swept_by_age_and_capped_in_size(tmp_path, monkeypatch):
    import app

    monkeypatch.setattr(app, "OUTPUTS", tmp_path)
    monkeypatch.setattr(app, "OUTPUT_SECONDS", 3600)
    monkeypatch.setattr(app, "OUTPUT_BYTES", 2500)
    now = 1_500_000_000.0  # a fixed "now" (2017), handed to the sweep: no clock in the test
    for name, age, size in (("old", 7200, 10), ("a", 300, 1000), ("b", 200, 1000), ("c", 100, 1000)):
        d = tmp_path / f"colorized-{name}"
        d.mkdir()
        (d / "x.png").write_bytes(b"\0" * size)
        for p in (d / "x.png", d):
            os.utime(p, (now - age, now - age))
    app.sweep_outputs(now)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["colorized-b", "colorized-c"]  # too old, then the oldest over the cap
    fresh = app.output_folder()  # every new result sweeps first (here, by the real clock, all the old ones)
    assert fresh.parent == tmp_path and fresh.is_dir() and not (tmp_path / "colorized-c").exists()


def test_gradio_cache_is_swept_too():
    import app

    demo = app.build()
    assert demo.delete_cache == (max(60, int(app.OUTPUT_SECONDS) // 4), int(app.OUTPUT_SECONDS))


def test_hints_are_bounded_and_checked(monkeypatch, tmp_path, tiny_generator):
    import gradio as gr

    import app
    from colorizer import Colorizer

    monkeypatch.setattr(app, "loaded", lambda: (Colorizer(tiny_generator, device="cpu"), ""))
    path = tmp_path / "g.png"
    Image.new("L", (96, 64), 120).save(path)
    bad = [
        [[10, 10, "#ff0000"]] * (app.MAX_HINTS + 1),
        [[NAN, 10, "#ff0000"]],
        [[10, INF, "#ff0000"]],
        [[500, 10, "#ff0000"]],
        [[-3, 10, "#ff0000"]],
        [["10", 10, "#ff0000"]],
        [[10, 10, "red"]],
        [[10, 10, "#zzzzzz"]],
        [[10, 10]],
        "[[10, 10, '#ff0000']]",
    ]
    for hints in bad:
        with pytest.raises(gr.Error):
            app.colorize(str(path), None, 64, None, hints)
    (_, after), *_ = app.colorize(str(path), None, 64, None, [[10, 10, "#ff0000"]] * app.MAX_HINTS)
    assert after.size == (96, 64)



def test_alternatives_and_video_check_their_arguments(server, grey, tmp_path):
    """The other endpoints: every number the client sends is in its control's range, or a clear error."""
    from .test_video import write_clip

    image = upload(server, grey)
    good = call(server, "alternatives", [image, 128, 0.5, 3])
    assert good[0] == "complete", good
    for size, vividness, seed in (
        (4096, 0.5, 0),
        ("big", 0.5, 0),
        (128, NAN, 0),
        (128, 7, 0),
        (128, 0.5, -1),
        (128, 0.5, 2**40),
    ):  # refused by Gradio's own component checks or by ours; either way a message without a server path
        kind, payload = call(server, "alternatives", [image, size, vividness, seed])
        assert kind == "error" and error_text(payload) and "/tmp" not in json.dumps(payload), (size, vividness, seed, payload)
    # a NaN seed fails inside Gradio's Number box (rounding), before our code: refused, with no message (1.5 it rounds to 2)
    kind, payload = call(server, "alternatives", [image, 128, 0.5, NAN])
    assert kind == "error" and "/tmp" not in json.dumps(payload)
    write_clip(tmp_path / "clip.mp4", n=3)
    clip = upload(server, tmp_path / "clip.mp4")
    for size, vividness in ((4096, 0.5), (128, INF), (128, -1)):
        kind, payload = call(server, "colorize_video", [clip, size, vividness])
        assert kind == "error" and error_text(payload) and "/tmp" not in json.dumps(payload), (size, vividness, payload)
    kind, payload = call(server, "colorize_video", [clip, 128, 0.5])
    assert kind == "complete", payload
    assert server.proc.poll() is None
    assert_alive(server, grey)
