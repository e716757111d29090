"""The public app against a hostile client: a real server on 127.0.0.1, raw HTTP and gradio_client.

Every request either returns an image of the input's size or a clear error, and the server
answers afterwards; no request opens a server path, names one in an error, or grows without bound.
"""

import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from colorizer.testing import AppServer

from .conftest import REPO

NAN, INF = float("nan"), float("inf")


OUTPUT_MB = 32  # this server's disk budget


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server whose folder holds what an earlier run left: an entry older than the hour, and a
    fresh one past the whole budget. Both must be gone once it answers (swept at start)."""
    folder = tmp_path_factory.mktemp("app-files")
    for name, size, stamp in (("earlier-old", 1000, 1_000_000_000), ("earlier-big", (OUTPUT_MB + 8) * 2**20, None)):
        (folder / name).mkdir()
        (folder / name / "x.png").write_bytes(b"\0" * size)
        if stamp:  # a fixed date in 2001: older than the hour by any clock, none read here
            for p in (folder / name / "x.png", folder / name):
                os.utime(p, (stamp, stamp))
    s = AppServer(REPO, COLORIZER_OUTPUT_DIR=str(folder), COLORIZER_OUTPUT_MB=str(OUTPUT_MB))
    s.folder = folder
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
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{path.name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + path.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    req = urllib.request.Request(
        server.url + "gradio_api/upload", data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    (remote,) = json.loads(urllib.request.urlopen(req, timeout=60).read())
    return {"path": remote, "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}


def strict_json(text: str):
    """JSON as strict parsers read it: NaN and Infinity are not JSON."""

    def refuse(constant):
        raise AssertionError(f"not strict JSON: {constant} in {text[:300]}")

    return json.loads(text, parse_constant=refuse)


def call(server, api: str, data: list) -> tuple[str, object]:
    """Raw JSON (NaN and infinities included, which gradio_client cannot send) -> ("complete" | "error", payload).

    Every reply must be strict JSON."""
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
            payload = strict_json(line[6:])
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
    own = json.loads((REPO / "weights" / "generator.json").read_text())["size"]  # the shipped model's (v6: 176)
    image = upload(server, grey)
    for size in (4096, 1024, 0, -128, 129, own - 1, own + 1, 1e9, NAN, "big", True):
        kind, payload = colorize(server, image, size=size)
        assert kind == "error" and "working resolution must be one of" in error_text(payload), (size, payload)
        assert str(own) in error_text(payload)  # the page's own choice is named among the allowed ones
    for size in (512, own, str(own)):  # the model's own size is a choice too, as a number or the radio's text
        kind, payload = colorize(server, image, size=size)
        assert kind == "complete" and after_size(payload) == (72, 48), (size, payload)


# Hostile values for every argument: numbers of every kind, text, lists, objects, server paths.
numbers = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([128, 192, 512, 0.5, 1.0]),
)
junk = st.one_of(
    numbers, st.text(max_size=8), st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=1)
)
files = st.sampled_from(["upload", "clip", None, "/etc/passwd", 7, "path-dict", "url-dict"])


def as_file(server, choice, files_for_server):
    if choice in ("upload", "clip"):
        return files_for_server[choice]
    return {
        "path-dict": {"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}},
        "url-dict": {"url": "http://127.0.0.1:1/x.png", "meta": {"_type": "gradio.FileData"}},
    }.get(choice, choice)


def check_reply(server, api, args, kind, payload, size):
    """An image (or video) of the input's size, or an error whose message a user can read."""
    if kind == "complete":
        if api == "colorize":
            assert after_size(payload) == size, args
        elif api == "alternatives":
            assert [Image.open(f["path"]).size for f in payload[0]] == [size] * 4, args
        else:
            import av

            with av.open(payload[0][0]["path"]) as c:
                assert (c.streams.video[0].width, c.streams.video[0].height) == size, args
    else:
        message = error_text(payload)
        # a file payload that names a server file is refused by Gradio itself, before the app: no message, no path
        server_file = isinstance(args[0], dict) and args[0].get("path") == "/etc/passwd"
        assert kind == "error" and (message or server_file), (api, args, payload)
        assert "/tmp" not in message and "Traceback" not in message and "Plugin" not in message, message
    assert server.proc.poll() is None, f"the server died on /{api} {args}"


@pytest.fixture(scope="module")
def uploads(server, grey, tmp_path_factory):
    from .helpers import write_clip

    clip = tmp_path_factory.mktemp("clip") / "clip.mp4"
    write_clip(clip, n=3, w=72, h=48)
    return {"upload": upload(server, grey), "clip": upload(server, clip)}


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(image=files, reference=st.sampled_from([None, "upload", "/etc/passwd"]), size=junk, temperature=numbers, vividness=junk)
def test_property_colorize(server, uploads, image, reference, size, temperature, vividness):
    args = [as_file(server, image, uploads), as_file(server, reference, uploads), size, temperature, vividness]
    check_reply(server, "colorize", args, *call(server, "colorize", args), (72, 48))


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(image=files, size=junk, vividness=junk, seed=junk)
def test_property_alternatives(server, uploads, image, size, vividness, seed):
    args = [as_file(server, image, uploads), size, vividness, seed]
    check_reply(server, "alternatives", args, *call(server, "alternatives", args), (72, 48))


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(video=files, size=junk, vividness=junk)
def test_property_colorize_video(server, uploads, video, size, vividness):
    args = [as_file(server, video, uploads), size, vividness]
    check_reply(server, "colorize_video", args, *call(server, "colorize_video", args), (72, 48))


def test_the_server_answers_after_the_sweeps(server, grey):
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
    assert set(info) == {"/colorize", "/alternatives", "/colorize_video"}  # the page's own events are not API
    for endpoint in info:
        size = next(p for p in info[endpoint]["parameters"] if p["parameter_name"] == "size")
        assert size["python_type"]["type"] == "None | int", size
    pngs = client.predict(handle_file(str(grey)), 192, 0.5, 3, api_name="/alternatives")
    assert len(pngs) == 4 and all(Image.open(p).size == (72, 48) for p in pngs)


def test_alternatives_and_video_check_their_arguments(server, grey, tmp_path):
    """The other endpoints: every number the client sends is in its control's range, or a clear error."""
    from .helpers import write_clip

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
    for seed in (NAN, 1.5, "3", None):
        kind, payload = call(server, "alternatives", [image, 128, 0.5, seed])
        assert kind == "error" and "Seed must be a whole number" in error_text(payload), (seed, payload)
    write_clip(tmp_path / "clip.mp4", n=3)
    clip = upload(server, tmp_path / "clip.mp4")
    for size, vividness in ((4096, 0.5), (128, INF), (128, -1)):
        kind, payload = call(server, "colorize_video", [clip, size, vividness])
        assert kind == "error" and error_text(payload) and "/tmp" not in json.dumps(payload), (size, vividness, payload)
    kind, payload = call(server, "colorize_video", [clip, 128, 0.5])
    assert kind == "complete", payload
    assert server.proc.poll() is None
    assert_alive(server, grey)


def test_an_earlier_runs_files_are_swept_at_start_and_uploads_share_the_budget(server, grey):
    assert not (server.folder / "earlier-old").exists() and not (server.folder / "earlier-big").exists()
    assert Path(upload(server, grey)["path"]).is_relative_to(server.folder)  # Gradio's uploads and cache live there too
    kind, payload = colorize(server, upload(server, grey))
    (before, after), _, download, *_ = payload[0]
    assert all(Path(f["path"]).is_relative_to(server.folder) for f in (before, after, download))
    used = sum(p.stat().st_size for p in server.folder.rglob("*") if p.is_file())
    assert used <= OUTPUT_MB * 2**20


def test_a_photo_as_its_own_reference_is_strict_json(server, grey):
    image = upload(server, grey)
    kind, payload = colorize(server, image, upload(server, grey))  # the grey baseline equals the reference: PSNR infinite
    assert kind == "complete"
    table, notes = payload[0][1], payload[0][3]
    assert table["data"][1][1] == "inf" and "identical" in notes


def write_raw_h264(path: Path, frames: int, fps: int, side: int = 16) -> Path:
    """A raw H.264 stream: no container, so its header has no frame count and no duration."""
    from fractions import Fraction

    import av

    c = av.open(str(path), "w", format="h264")
    v = c.add_stream("libx264", rate=fps)
    v.width = v.height = side
    v.pix_fmt = "yuv420p"
    for i in range(frames):
        f = av.VideoFrame.from_ndarray(np.full((side, side, 3), i % 250, np.uint8), format="rgb24")
        f.pts, f.time_base = i, Fraction(1, fps)
        for p in v.encode(f):
            c.mux(p)
    for p in v.encode(None):
        c.mux(p)
    c.close()
    return path


def test_video_work_is_bounded_before_the_first_frame(server, tmp_path):
    """A raw stream of 2,000 frames at 1000 fps, and a 16000x16000 PNG named .mp4: refused at the door."""
    raw = upload(server, write_raw_h264(tmp_path / "fast.h264", 2000, 1000))
    kind, payload = call(server, "colorize_video", [raw, None, None])
    assert kind == "error" and "frames" in error_text(payload) and "/" not in error_text(payload), payload
    Image.new("L", (16000, 16000), 90).save(tmp_path / "huge.mp4", format="PNG")
    kind, payload = call(server, "colorize_video", [upload(server, tmp_path / "huge.mp4"), None, None])
    assert kind == "error" and "megapixels" in error_text(payload), payload
    assert server.proc.poll() is None


def server_rss_mb(server) -> float:
    for line in Path(f"/proc/{server.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_alternatives_without_a_session_keep_nothing(server, tmp_path):
    """Ten calls, each a new session: before, each kept its four full-size images (here 4 x 9 MB)."""
    path = tmp_path / "large.png"
    ramp = np.add.outer(np.arange(1500) // 8, np.arange(2000) // 10).astype(np.uint8)  # compresses well: the disk budget holds it all
    Image.fromarray(ramp).save(path)
    image = upload(server, path)
    rss = []
    for seed in range(10):
        kind, payload = call(server, "alternatives", [image, 128, None, seed])
        assert kind == "complete", payload
        rss.append(server_rss_mb(server))
    assert rss[-1] - rss[1] < 100, rss


def test_refusals_speak_one_plain_language(server, grey, tmp_path):
    """A PNG text-chunk bomb and an EPS file, as the photo and as the reference: one message, no internals."""
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("comment", "x" * (PngImagePlugin.MAX_TEXT_CHUNK + 1), zip=True)
    Image.new("L", (32, 32), 100).save(tmp_path / "bomb.png", pnginfo=info)
    Image.new("RGB", (10, 10)).save(tmp_path / "x.eps")
    messages = set()
    for bad in (tmp_path / "bomb.png", tmp_path / "x.eps"):
        for args in ((upload(server, bad),), (upload(server, grey), upload(server, bad))):
            kind, payload = colorize(server, *args)
            assert kind == "error", payload
            messages.add(error_text(payload))
    assert messages == {"Not a readable image (an unknown format, or a damaged file)."}, messages


def test_example_loaders_are_not_api(server):
    info = json.loads(urllib.request.urlopen(server.url + "gradio_api/info?all_endpoints=true", timeout=30).read())
    assert set(info["named_endpoints"]) == {"/colorize", "/alternatives", "/colorize_video"}, list(info["named_endpoints"])
    assert not info.get("unnamed_endpoints")


@pytest.mark.slow
def test_one_limit_on_model_jobs_across_every_endpoint(monkeypatch, tmp_path, tiny_generator):
    """Three jobs on three endpoints, a limit of two: a barrier for three never opens (it would if each
    endpoint had its own limit); each waits its turn and runs."""
    from types import SimpleNamespace

    import app
    from colorizer import Colorizer
    from colorizer.serve import DiskBudget, Limits, Refused, Service
    from colorizer.testing import free_port

    assert app.MODEL_JOB["concurrency_limit"] == 2
    limits = Limits(folder=tmp_path / "files")
    service = Service(Colorizer(tiny_generator, device="cpu"), limits, DiskBudget(limits.folder, limits.output_bytes, 3600))
    barrier, ran, met = threading.Barrier(3, timeout=8), [], []

    def job(name):
        ran.append(name)
        try:
            barrier.wait()
            met.append(name)  # three at once: the limit did not hold
        except threading.BrokenBarrierError:
            pass
        raise Refused(f"{name} stopped by the test")

    def video(*args):
        job("video")
        yield

    monkeypatch.setattr(service, "colorize", lambda *a: job("colorize"))
    monkeypatch.setattr(service, "alternatives", lambda *a: job("alternatives"))
    monkeypatch.setattr(service, "video", video)
    monkeypatch.setattr(app, "loaded", lambda: (service, ""))
    port = free_port()
    demo = app.build()
    demo.launch(server_port=port, prevent_thread_lock=True, quiet=True, show_error=False)
    try:
        server = SimpleNamespace(url=f"http://127.0.0.1:{port}/")
        path = tmp_path / "g.png"
        Image.new("L", (40, 30), 100).save(path)
        image = upload(server, path)
        calls = [
            ("colorize", [image, None, None, None, None]),
            ("alternatives", [image, None, None, 0]),
            ("colorize_video", [image, None, None]),
        ]
        answers = {}
        threads = [threading.Thread(target=lambda n=n, d=d: answers.__setitem__(n, call(server, n, d))) for n, d in calls]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        demo.close()
    assert sorted(ran) == ["alternatives", "colorize", "video"] and met == [], (ran, met)
    assert all(kind == "error" and "stopped by the test" in error_text(p) for kind, p in answers.values()), answers


def test_a_video_stops_when_its_client_leaves(server, tmp_path):
    """Leave after the first progress line: the work stops, and nothing of it stays on disk."""
    from .helpers import write_clip

    write_clip(tmp_path / "long.mp4", n=400, w=160, h=120, fps=25, audio=False)  # 16 s of video: many seconds of work
    clip = upload(server, tmp_path / "long.mp4")
    url = f"{server.url}gradio_api/call/colorize_video"
    body = json.dumps({"data": [clip, 128, None]}).encode()
    event = json.loads(urllib.request.urlopen(urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})).read())
    stream = urllib.request.urlopen(f"{url}/{event['event_id']}", timeout=600)
    for line in stream:
        if b"frames so far" in line:
            break
    stream.close()
    partial = lambda: list(server.folder.rglob(".long_color.tmp*.mp4"))  # noqa: E731
    for _ in range(1200):  # until the partial file is gone (by count; a finished job would rename it instead)
        if not partial():
            break
        time.sleep(0.1)
    assert not partial() and not list(server.folder.rglob("long_color.mp4"))
    assert server.proc.poll() is None
