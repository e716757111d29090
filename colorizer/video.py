"""Video: colourise every frame, steadily, and keep the sound.

Colourising frames one by one flickers: the network's guess for a wall changes a little with each
frame's noise. Here each frame's ab (at the network's output resolution) is blended with the
previous frame's where the scene is still (the lightness there barely changed), and taken fresh
where something moves, so static regions stop flickering and moving objects leave no ghosts.
Decoding and encoding use PyAV (FFmpeg bundled in its wheels).
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from .inference import Colorizer
from .provenance import DESCRIPTION, SOFTWARE
from .vividness import Decoding

SMOOTHING = 0.8  # weight of the previous frame's ab where the scene is still
STILL_L = 3.0  # L* change (at ab resolution) at which a region stops counting as still


class VideoError(ValueError):
    """A video that cannot be colourised; the message says why."""


def colorize_frames(
    colorizer: Colorizer,
    frames: Iterable[np.ndarray],
    size: int | None = None,
    decoding: Decoding | None = None,
    smoothing: float = SMOOTHING,
) -> Iterator[np.ndarray]:
    """RGB or grey uint8 frames -> colourised RGB uint8 frames, temporally smoothed (0 = off)."""
    size = size or colorizer.config.size
    prev_ab = prev_l = None
    for frame in frames:
        L = colorizer.read(frame)[0]
        ab = colorizer.photo_ab(L, size, decoding)
        l_small = F.adaptive_avg_pool2d(L[None, None], ab.shape[-2:])[0]
        if smoothing and prev_ab is not None and prev_ab.shape == ab.shape:
            change = F.avg_pool2d((l_small - prev_l).abs()[None], 3, 1, 1, count_include_pad=False)[0]
            still = torch.exp(-((change / STILL_L) ** 2))
            ab = still * (smoothing * prev_ab + (1 - smoothing) * ab) + (1 - still) * ab
        prev_ab, prev_l = ab, l_small
        yield np.asarray(colorizer.render(L, ab))


@dataclass(frozen=True)
class VideoLimits:
    """What a server takes (None: no limit). Everything but ``work_seconds`` is checked from the
    header before a frame is decoded; the frame count is checked again while decoding, since a
    raw stream's header has none. The command line sets none of them."""

    seconds: float | None = None
    fps: float | None = None
    frames: int | None = None
    pixels: int | None = None  # per frame
    work_seconds: float | None = None  # wall-clock cap on one job

    def max_frames(self, fps: float) -> int | None:
        caps = [c for c in (self.frames, int(self.seconds * fps) + 1 if self.seconds and fps else None) if c]
        return min(caps) if caps else None


def _open(path: str | Path, max_pixels: int | None = None):
    """The container, opened with FFmpeg's own pixel limit: probing a stream decodes its first
    frame, and a 16000 x 16000 PNG named .mp4 would otherwise be decoded (2.6 GB) to read its size."""
    import av

    options = {"max_pixels": str(max_pixels)} if max_pixels else {}
    try:
        container = av.open(str(path), options=options)
    except (av.error.FFmpegError, OSError, ValueError):
        raise VideoError(f"{path}: not a readable video (an unknown format, or a damaged file)") from None
    if not container.streams.video:
        container.close()
        raise VideoError(f"{path}: the file has no video stream")
    return container


def _header(c) -> dict:
    v = c.streams.video[0]
    rate = v.average_rate or v.guessed_rate
    fps = float(rate) if rate else 0.0
    frames = int(v.frames or 0)
    duration = float(c.duration / 1e6) if c.duration else (frames / fps if frames and fps else None)
    return {
        "fps": rate,
        "width": v.codec_context.width,
        "height": v.codec_context.height,
        "frames": frames,
        "duration": duration,
        "audio": bool(c.streams.audio),
    }


def probe(path: str | Path, limits: VideoLimits | None = None) -> dict:
    """Frame rate, size, frame count (0: not in the header), duration (s) and sound, from the
    header; with ``limits``, a VideoError for a video past any of them, before any frame is
    decoded (where the header has no frame count, the packets are counted, not decoded)."""
    with _open(path, limits.pixels if limits else None) as c:
        info = _header(c)
        cap = limits.max_frames(float(info["fps"] or 0)) if limits else None
        if cap and not info["frames"]:  # a raw stream: count its packets (no decoding), up to one past the cap
            v = c.streams.video[0]
            info["frames"] = sum(1 for _, p in zip(range(cap + 1), (p for p in c.demux(v) if p.size)))
    if limits:
        check(info, limits, path)
    return info


def check(info: dict, limits: VideoLimits, path: str | Path = "the video") -> None:
    """VideoError, with the limit in words, for a header past ``limits``."""
    w, h, fps, duration = info["width"], info["height"], float(info["fps"] or 0), info["duration"]
    if not (w and h):
        mp = f" or larger than {limits.pixels / 1e6:g} megapixels" if limits.pixels else ""
        raise VideoError(f"{path}: the frame size cannot be read{mp}")
    if limits.pixels and w * h > limits.pixels:
        raise VideoError(f"{path}: frames of {w}x{h} = {w * h / 1e6:.1f} megapixels; the limit is {limits.pixels / 1e6:g}")
    if limits.fps and fps > limits.fps:
        raise VideoError(f"{path}: {fps:.0f} frames a second; the limit is {limits.fps:g}")
    if limits.seconds and duration and duration > limits.seconds:
        raise VideoError(f"{path}: the video is {duration:.0f} s long; the limit is {limits.seconds:g} s")
    cap = limits.max_frames(fps)
    if cap and info["frames"] > cap:
        raise VideoError(f"{path}: more than {cap} frames; the limit is {cap} ({limits.seconds or '-'} s or {limits.frames or '-'} frames)")


def colorize_video(
    colorizer: Colorizer,
    src: str | Path,
    dst: str | Path,
    size: int | None = None,
    decoding: Decoding | None = None,
    smoothing: float = SMOOTHING,
    progress: bool = True,
    limits: VideoLimits | None = None,
) -> dict:
    """Colourise ``src`` into an H.264 mp4 at ``dst``: same frame rate and size, sound as AAC.

    The output is written to a temporary file and renamed into place when complete.
    """
    steps = colorize_video_steps(colorizer, src, dst, size, decoding, smoothing, progress, limits)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def colorize_video_steps(
    colorizer: Colorizer,
    src: str | Path,
    dst: str | Path,
    size: int | None = None,
    decoding: Decoding | None = None,
    smoothing: float = SMOOTHING,
    progress: bool = False,
    limits: VideoLimits | None = None,
) -> Generator[int, None, dict]:
    """``colorize_video`` one frame at a time: yields the frames done so far, returns the summary.

    A caller that stops iterating (a server whose client went away) stops the work there; the
    temporary file is removed and nothing is left at ``dst``.
    """
    import av

    limits = limits or VideoLimits()
    dst = Path(dst)
    tmp = dst.with_name(f".{dst.stem}.tmp{os.getpid()}.mp4")
    info = probe(src, limits)
    src_c = _open(src, limits.pixels)
    out = None
    try:
        vin = src_c.streams.video[0]
        ain = src_c.streams.audio[0] if src_c.streams.audio else None
        rate = Fraction(info["fps"] or 25)
        w, h = info["width"], info["height"]
        cap = limits.max_frames(float(rate))
        deadline = time.monotonic() + limits.work_seconds if limits.work_seconds else None
        out = av.open(str(tmp), "w", format="mp4")
        out.metadata["comment"] = f"{DESCRIPTION} {SOFTWARE}: {colorizer.settings(size, decoding)}"
        vout = out.add_stream("libx264", rate=rate)
        vout.width, vout.height = w, h
        vout.pix_fmt = "yuv420p" if w % 2 == 0 and h % 2 == 0 else "yuv444p"  # 4:2:0 needs even sides
        vout.options = {"crf": "18", "preset": "veryfast"}
        aout = out.add_stream("aac", rate=ain.codec_context.sample_rate) if ain is not None else None
        bar = tqdm(total=info["frames"] or None, desc="colourising video", unit="frame", disable=not progress)
        count = 0

        def video_frames() -> Iterator[np.ndarray]:
            for packet in src_c.demux(*[s for s in (vin, ain) if s is not None]):
                for frame in packet.decode():
                    if packet.stream is vin:
                        if (frame.width, frame.height) != (w, h):
                            raise VideoError(f"{src}: the frame size changes within the video")
                        yield frame.to_ndarray(format="rgb24")
                    elif aout is not None:
                        frame.pts = None
                        for p in aout.encode(frame):
                            out.mux(p)

        for rgb in colorize_frames(colorizer, video_frames(), size, decoding, smoothing):
            if cap and count >= cap:
                raise VideoError(f"{src}: more than {cap} frames; the limit is {cap}")
            if deadline and time.monotonic() > deadline:
                raise VideoError(f"{src}: stopped after {limits.work_seconds:g} s of work ({count} frames); try a shorter clip")
            vf = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            vf.pts = count
            vf.time_base = Fraction(1) / Fraction(rate)
            for p in vout.encode(vf):
                out.mux(p)
            count += 1
            bar.update()
            yield count
        bar.close()
        if count == 0:
            raise VideoError(f"{src}: the video has no frames")
        for stream in (vout, aout):
            if stream is not None:
                for p in stream.encode(None):
                    out.mux(p)
        out.close()
        out = None
        os.replace(tmp, dst)
    except av.error.FFmpegError:
        raise VideoError(f"{src}: the video could not be decoded or encoded (a damaged or unusual file)") from None
    finally:
        if out is not None:
            out.close()
        src_c.close()
        tmp.unlink(missing_ok=True)
    return {"frames": count, "fps": float(rate), "width": w, "height": h, "audio": ain is not None}
