"""Video: colourise every frame, steadily, and keep the sound.

Colourising frames one by one flickers: the network's guess for a wall changes a little with each
frame's noise. Here each frame's ab (at the network's output resolution) is blended with the
previous frame's where the scene is still (the lightness there barely changed), and taken fresh
where something moves, so static regions stop flickering and moving objects leave no ghosts.
Decoding and encoding use PyAV (FFmpeg bundled in its wheels).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
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
        ab = colorizer.ab_for(L, size, decoding)
        l_small = F.adaptive_avg_pool2d(L[None, None], ab.shape[-2:])[0]
        if smoothing and prev_ab is not None and prev_ab.shape == ab.shape:
            change = F.avg_pool2d((l_small - prev_l).abs()[None], 3, 1, 1, count_include_pad=False)[0]
            still = torch.exp(-((change / STILL_L) ** 2))
            ab = still * (smoothing * prev_ab + (1 - smoothing) * ab) + (1 - still) * ab
        prev_ab, prev_l = ab, l_small
        yield np.asarray(colorizer.render(L, ab))


def _open(path: str | Path):
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as e:
        raise VideoError(f"{path}: not a readable video ({e})") from None
    if not container.streams.video:
        container.close()
        raise VideoError(f"{path}: the file has no video stream")
    return container


def probe(path: str | Path) -> dict:
    """Frame rate, size, duration (s) and whether there is sound, from the header."""
    with _open(path) as c:
        v = c.streams.video[0]
        rate = v.average_rate or v.guessed_rate
        duration = float(c.duration / 1e6) if c.duration else (float(v.frames / rate) if v.frames and rate else None)
        return {
            "fps": rate,
            "width": v.codec_context.width,
            "height": v.codec_context.height,
            "duration": duration,
            "audio": bool(c.streams.audio),
        }


def colorize_video(
    colorizer: Colorizer,
    src: str | Path,
    dst: str | Path,
    size: int | None = None,
    decoding: Decoding | None = None,
    smoothing: float = SMOOTHING,
    progress: bool = True,
) -> dict:
    """Colourise ``src`` into an H.264 mp4 at ``dst``: same frame rate and size, sound as AAC.

    The output is written to a temporary file and renamed into place when complete.
    """
    import av

    dst = Path(dst)
    tmp = dst.with_name(f".{dst.stem}.tmp{os.getpid()}.mp4")
    src_c = _open(src)
    try:
        vin = src_c.streams.video[0]
        ain = src_c.streams.audio[0] if src_c.streams.audio else None
        rate = Fraction(vin.average_rate or vin.guessed_rate or 25)
        w, h = vin.codec_context.width, vin.codec_context.height
        out = av.open(str(tmp), "w", format="mp4")
        out.metadata["comment"] = f"{DESCRIPTION} {SOFTWARE}: {colorizer.settings(size, decoding)}"
        vout = out.add_stream("libx264", rate=rate)
        vout.width, vout.height = w, h
        vout.pix_fmt = "yuv420p" if w % 2 == 0 and h % 2 == 0 else "yuv444p"  # 4:2:0 needs even sides
        vout.options = {"crf": "18", "preset": "veryfast"}
        aout = out.add_stream("aac", rate=ain.codec_context.sample_rate) if ain is not None else None
        total = vin.frames or None
        bar = tqdm(total=total, desc="colourising video", unit="frame", disable=not progress)
        count = 0

        def video_frames() -> Iterator[np.ndarray]:
            for packet in src_c.demux(*[s for s in (vin, ain) if s is not None]):
                for frame in packet.decode():
                    if packet.stream is vin:
                        yield frame.to_ndarray(format="rgb24")
                    elif aout is not None:
                        frame.pts = None
                        for p in aout.encode(frame):
                            out.mux(p)

        for rgb in colorize_frames(colorizer, video_frames(), size, decoding, smoothing):
            vf = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            vf.pts = count
            vf.time_base = Fraction(1) / Fraction(rate)
            for p in vout.encode(vf):
                out.mux(p)
            count += 1
            bar.update()
        bar.close()
        if count == 0:
            raise VideoError(f"{src}: the video has no frames")
        for stream in (vout, aout):
            if stream is not None:
                for p in stream.encode(None):
                    out.mux(p)
        out.close()
        os.replace(tmp, dst)
    except av.error.FFmpegError as e:
        raise VideoError(f"{src}: the video could not be decoded or encoded ({e})") from None
    finally:
        src_c.close()
        tmp.unlink(missing_ok=True)
    return {"frames": count, "fps": float(rate), "width": w, "height": h, "audio": ain is not None}
