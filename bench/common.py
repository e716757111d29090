"""What every benchmark here shares: the repository on sys.path, a median timer, the CPU's name."""

from __future__ import annotations

import re
import subprocess
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


def cpu_name() -> str:
    """The CPU model as lscpu names it: every figure is recorded beside the machine it came from."""
    out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    m = re.search(r"Model name:\s*(.+)", out)
    return m.group(1).strip() if m else "unknown CPU"
