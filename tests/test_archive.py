"""Archives: the manifest, resuming a stopped run, and the same job on Ray Data (local, 2 CPUs)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from colorizer.weights import save_generator

from .conftest import REPO
from .helpers import run_cli, run_cli_process


def make_folder(root: Path, photo: np.ndarray, n: int, bad: bool = True) -> Path:
    """n grey photos of a few sizes (two share a shape, so batches mix), plus an unreadable file."""
    src = root / "in"
    (src / "sub").mkdir(parents=True)
    for i in range(n):
        h, w = (64, 96) if i % 3 else (80, 64)
        k = i % 120  # where in the photo
        Image.fromarray(photo[k : k + h, 2 * k : 2 * k + w]).convert("L").save(src / ("sub" if i % 2 else "") / f"p{i:03d}.png")
    if bad:
        (src / "text.png").write_text("not an image")
        (src / "empty.jpg").write_bytes(b"")
    return src


def manifest(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def weights(tmp_path, tiny_generator) -> Path:
    save_generator(tiny_generator, tmp_path / "w")
    return tmp_path / "w"


def test_a_second_run_skips_what_exists_and_the_manifest_says_so(tmp_path, weights, photo):
    src = make_folder(tmp_path, photo, 4)
    out = tmp_path / "out"
    first = run_cli(src, out, "--weights", weights, "--size", "64")
    assert first.returncode == 1 and "4 of 6 images written" in first.stderr, first.stderr
    lines = manifest(out / "colorizer-manifest.jsonl")
    assert sorted(x["status"] for x in lines) == ["failed"] * 2 + ["written"] * 4
    assert all(x["settings"].endswith("working size 64, vividness 0.50 (temperature 0.38)") for x in lines)
    assert {Path(x["input"]).name: x["reason"] for x in lines if x["status"] == "failed"} == {
        "empty.jpg": "the file is empty",
        "text.png": "not a readable image (an unknown format, or a damaged file)",
    }
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*.png")}
    second = run_cli(src, out, "--weights", weights, "--size", "64")
    assert "0 of 6 images written" in second.stderr and "4 already there" in second.stderr, second.stderr
    assert stamps == {p: p.stat().st_mtime_ns for p in out.rglob("*.png")}  # nothing rewritten
    assert [x["status"] for x in manifest(out / "colorizer-manifest.jsonl")[6:]].count("exists") == 4
    third = run_cli(src, out, "--weights", weights, "--size", "64", "--overwrite")
    assert "4 of 6 images written" in third.stderr and stamps != {p: p.stat().st_mtime_ns for p in out.rglob("*.png")}


def test_bad_inputs_each_get_a_line_and_never_stop_the_run(tmp_path, weights, photo):
    src = make_folder(tmp_path, photo, 3)
    Image.new("L", (12000, 9000)).save(src / "huge.png")  # 108 megapixels, over the default 100
    (src / "cut.jpg").write_bytes((src / "p000.png").read_bytes()[:300])  # truncated
    out = tmp_path / "out"
    out.mkdir()
    (out / "sub").write_text("a file where the output folder sub/ should be")  # an output folder that cannot be written
    r = run_cli(src, out, "--weights", weights, "--size", "64", "--manifest", tmp_path / "m.jsonl")
    reasons = {Path(x["input"]).name: (x["status"], x["reason"]) for x in manifest(tmp_path / "m.jsonl")}
    assert reasons["p000.png"] == ("written", None) and reasons["p002.png"] == ("written", None)
    assert reasons["p001.png"][0] == "failed" and reasons["p001.png"][1] in ("Not a directory", "File exists"), reasons["p001.png"]
    assert reasons["huge.png"][0] == "failed" and ("megapixels" in reasons["huge.png"][1] or "too large" in reasons["huge.png"][1])
    assert reasons["cut.jpg"][0] == "failed"
    assert r.returncode == 1


def test_a_killed_run_leaves_only_whole_files_and_resumes(tmp_path, weights, photo):
    """Killed after its first files (counted, not timed; 400 photos, so it cannot finish within one poll), then resumed."""
    src = make_folder(tmp_path, photo, 400, bad=False)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "colorizer", str(src), str(out), "--weights", str(weights), "--size", "64"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None and len(list(out.rglob("p*.png"))) < 10:  # until some are written, by count, not time
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = sorted(out.rglob("p*.png"))
    assert 0 < len(finished) < 400, "the run ended before it could be killed"
    for p in finished:  # under its final name a file is whole
        with Image.open(p) as im:
            im.load()
    stamps = {p: p.stat().st_mtime_ns for p in finished}
    again = run_cli(src, out, "--weights", weights, "--size", "64")
    assert again.returncode == 0, again.stderr
    statuses = {}
    for x in manifest(out / "colorizer-manifest.jsonl"):
        statuses.setdefault(x["input"], []).append(x["status"])
    assert len(statuses) == 400 and len(list(out.rglob("p*.png"))) == 400 and not list(out.rglob(".*tmp*"))
    assert all(s.count("written") <= 1 for s in statuses.values())  # none written twice over both runs
    assert stamps == {p: p.stat().st_mtime_ns for p in finished}  # what the first run finished, the second left alone


@pytest.mark.slow
def test_ray_gives_the_plain_commands_pixels_and_metadata(tmp_path, weights, photo):
    pytest.importorskip("ray.data", reason="pip install 'ray[data]' (.ci/run installs it)")
    src = make_folder(tmp_path, photo, 9)
    plain = run_cli(src, tmp_path / "plain", "--weights", weights, "--size", "64")
    ray = run_cli_process(src, tmp_path / "ray", "--weights", weights, "--size", "64", "--ray", "--actors", "2", "--batch-size", "2")
    assert plain.returncode == ray.returncode == 1, ray.stderr
    assert "9 of 11 images written" in ray.stderr, ray.stderr
    for p in sorted((tmp_path / "plain").rglob("p*.png")):
        q = tmp_path / "ray" / p.relative_to(tmp_path / "plain")
        a, b = np.asarray(Image.open(p)).astype(int), np.asarray(Image.open(q)).astype(int)
        assert np.abs(a - b).max() <= 1, p  # batching and thread counts may move a value by one level
        assert Image.open(p).info["Software"] == Image.open(q).info["Software"] and "Description" in Image.open(q).info
    by_input = {x["input"]: x["status"] for x in manifest(tmp_path / "ray" / "colorizer-manifest.jsonl")}
    assert len(by_input) == 11 and list(by_input.values()).count("failed") == 2


def kill_an_actor() -> int | None:
    """SIGKILL one Ray actor process running ColorizeActor (its title says so); its pid, or None."""
    for proc in Path("/proc").iterdir():
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("ray::") and "ColorizeActor" in title:
            os.kill(int(proc.name), signal.SIGKILL)
            return int(proc.name)
    return None


@pytest.mark.slow
def test_ray_retries_a_killed_actor_and_writes_each_file_once(tmp_path, weights, photo):
    pytest.importorskip("ray.data", reason="pip install 'ray[data]' (.ci/run installs it)")
    src = make_folder(tmp_path, photo, 150, bad=False)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "colorizer", str(src), str(out), "--weights", str(weights), "--size", "64", "--ray", "--actors", "2",
           "--batch-size", "2"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    killed = None
    while proc.poll() is None and killed is None:
        if len(list(out.rglob("p*.png"))) >= 5:
            killed = kill_an_actor()
        time.sleep(0.05)
    _, err = proc.communicate()
    assert killed is not None, "no actor was found running to kill"
    assert proc.returncode == 0, err
    lines = manifest(out / "colorizer-manifest.jsonl")
    assert len(lines) == 150 and len({x["input"] for x in lines}) == 150 and not [x for x in lines if x["status"] == "failed"]
    assert len(list(out.rglob("p*.png"))) == 150 and not list(out.rglob(".*tmp*"))
    assert sum(x["status"] == "written" for x in lines) >= 145  # a retried batch finds its written files there


def test_without_ray_the_flag_says_how_to_install_it(tmp_path, weights, photo, monkeypatch, capsys):
    from colorizer.__main__ import main

    src = make_folder(tmp_path, photo, 1, bad=False)
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    assert main([str(src), str(tmp_path / "out"), "--weights", str(weights), "--ray"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "error: --ray needs Ray Data: pip install 'ray[data]>=2.50' (or pip install '.[ray]' in this repository)"


def test_a_file_that_vanishes_after_listing_is_reported(tmp_path, tiny_generator, photo):
    from colorizer import Colorizer
    from colorizer.batch import Manifest, colorize_files, plan

    src = make_folder(tmp_path, photo, 3, bad=False)
    jobs, _ = plan(src, tmp_path / "out")
    jobs[1][0].unlink()  # gone between the listing and the reading
    m = Manifest(tmp_path / "m.jsonl", "settings")
    failed = colorize_files(Colorizer(tiny_generator, device="cpu"), jobs, "settings", 64, done=m.record)
    m.close()
    assert failed == [jobs[1][0]] and m.counts == {"written": 2, "exists": 0, "failed": 1}
    assert [x["reason"] for x in manifest(tmp_path / "m.jsonl") if x["status"] == "failed"] == ["file not found"]


@pytest.mark.slow
def test_ray_joins_a_running_cluster_by_address(tmp_path, weights, photo):
    """`ray start --head` (a one-machine cluster), then the command by address ("auto": the cluster this machine is in)."""
    pytest.importorskip("ray.data", reason="pip install 'ray[data]' (.ci/run installs it)")
    import shutil

    ray = shutil.which("ray") or str(Path(sys.executable).with_name("ray"))
    start = [ray, "start", "--head", "--num-cpus", "2", "--include-dashboard", "false", "--disable-usage-stats"]
    subprocess.run(start, check=True, capture_output=True, timeout=300, cwd=tmp_path)
    try:
        src = make_folder(tmp_path, photo, 5)
        r = run_cli_process(src, tmp_path / "out", "--weights", weights, "--size", "64", "--ray", "auto", "--batch-size", "2")
    finally:
        subprocess.run([ray, "stop", "--force"], capture_output=True, timeout=300)
    assert r.returncode == 1 and "5 of 7 images written" in r.stderr, r.stderr[-3000:]
    assert len(manifest(tmp_path / "out" / "colorizer-manifest.jsonl")) == 7
