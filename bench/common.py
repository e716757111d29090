"""What every benchmark here shares: the repository on sys.path, and a median timer."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_ms(fn, repeat: int = 5) -> float:
    """Median wall time of ``fn()`` in ms, after one warm-up call (JIT, caches, allocations)."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times)) * 1000
