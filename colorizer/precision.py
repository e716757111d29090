"""Where and in what precision the networks run: one choice for inference and training alike."""

from __future__ import annotations

import contextlib

import torch


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def fast_dtype(device: torch.device) -> torch.dtype:
    """The fastest safe dtype for the generator: bf16 on GPUs and on CPUs with native bf16.

    Never fp16 on a CPU (about 1 GFLOP/s there); fp16 on GPUs too old for bf16.
    """
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.bfloat16 if torch.ops.mkldnn._is_mkldnn_bf16_supported() else torch.float32


def autocast(device: torch.device, dtype: torch.dtype):
    """Mixed precision in ``dtype`` on ``device``, or nothing for fp32."""
    return contextlib.nullcontext() if dtype == torch.float32 else torch.autocast(device.type, dtype=dtype)
