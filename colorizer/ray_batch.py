"""The batch command on Ray Data: the same files, spread over actors on one machine or a cluster.

    python -m colorizer scans/ scans_color/ --ray          # a local Ray instance inside this process
    python -m colorizer scans/ scans_color/ --ray auto     # the cluster this machine joined (ray start)

A thin driver over ``batch.colorize_one``: each actor loads the generator once and runs it on
the rows Ray streams to it. Ray restarts an actor that dies and retries its batch; an output
that exists is skipped inside the actor too, so a retried batch never writes a file twice. The
driver writes the manifest from the rows that come back, as they come.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .batch import FAILURES, Job, Manifest, colorize_one, reason
from .vividness import Decoding

INSTALL = "--ray needs Ray Data: pip install 'ray[data]>=2.50' (or pip install '.[ray]' in this repository)"


class ColorizeActor:
    """One Ray actor: the generator, loaded once, and ``colorize_one`` over each batch of rows."""

    def __init__(self, weights: str | None, size: int | None, decoding: Decoding | None, line: str, threads: int, gpu: bool):
        import torch

        from .inference import Colorizer

        torch.set_num_threads(max(1, threads))
        self.colorizer = Colorizer.from_pretrained(weights, device="cuda" if gpu else "cpu")
        self.size, self.decoding, self.line = size, decoding, line

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list]:
        status, why = [], []
        for src, dst in zip(batch["src"], batch["dst"]):
            if Path(dst).exists():  # written before this batch was retried on a new actor
                status.append("exists")
                why.append("the output exists (written earlier, or by this batch before its actor died)")
                continue
            try:
                colorize_one(self.colorizer, Path(src), Path(dst), self.line, self.size, self.decoding)
                status.append("written")
                why.append("")
            except FAILURES as e:
                status.append("failed")
                why.append(reason(e))
        return {"src": list(batch["src"]), "dst": list(batch["dst"]), "status": status, "reason": why}


def start(address: str | None) -> None:
    """Join the cluster at ``address``, or (None) start a local Ray instance inside this process."""
    try:
        import ray
    except ImportError:
        raise RuntimeError(INSTALL) from None
    # the workers import this package from where the driver does (a cluster's nodes share the
    # file system, or have the package installed, where this path is simply not there)
    env = {"env_vars": {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}}
    if address is None:
        ray.init(include_dashboard=False, log_to_driver=False, runtime_env=env, logging_level="ERROR")
    else:
        ray.init(address=address, log_to_driver=False, runtime_env=env, logging_level="ERROR")


def default_actors(cpus_per_actor: float, gpus_per_actor: float) -> int:
    """One actor per ``cpus_per_actor`` CPUs Ray sees (and per ``gpus_per_actor`` GPUs, when asked for)."""
    import ray

    res = ray.cluster_resources()
    n = int(res.get("CPU", 1) // cpus_per_actor)
    if gpus_per_actor:
        n = min(n, int(res.get("GPU", 0) // gpus_per_actor))
    return max(1, n)


def run(
    jobs: list[Job],
    manifest: Manifest,
    *,
    weights: str | None,
    size: int | None,
    decoding: Decoding | None,
    line: str,
    address: str | None = None,
    actors: int | None = None,
    batch_size: int = 8,
    cpus_per_actor: float = 1.0,
    gpus_per_actor: float = 0.0,
) -> list[Path]:
    """Colourise the jobs on Ray; returns the inputs that failed (each reported once, as they come)."""
    start(address)
    import ray
    import ray.data

    logging.getLogger("ray.data").setLevel(logging.ERROR)  # our own bar and messages say what happens
    ray.data.DataContext.get_current().enable_progress_bars = False
    n = actors or default_actors(cpus_per_actor, gpus_per_actor)
    if weights is not None and Path(weights).exists():
        weights = str(Path(weights).resolve())  # the workers' working folder is not ours
    rows = [{"src": str(s.resolve()), "dst": str(d.resolve())} for s, d in jobs]
    ds = ray.data.from_items(rows, override_num_blocks=max(1, len(jobs) // batch_size))
    results = ds.map_batches(
        ColorizeActor,
        fn_constructor_kwargs={"weights": weights, "size": size, "decoding": decoding, "line": line,
                               "threads": int(cpus_per_actor), "gpu": gpus_per_actor > 0},
        batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=n),
        num_cpus=cpus_per_actor,
        num_gpus=gpus_per_actor,
        max_restarts=-1,  # an actor that dies is started again
        max_task_retries=-1,  # and its batch retried
    )  # fmt: skip
    failed: list[Path] = []
    given = {str(s.resolve()): s for s, _ in jobs}
    outputs = {str(d.resolve()): d for _, d in jobs}
    with tqdm(total=len(jobs), desc=f"colourising on Ray ({n} actors)", unit="img") as bar:
        for batch in results.iter_batches(batch_size=None, batch_format="numpy"):
            for src, dst, status, why in zip(batch["src"], batch["dst"], batch["status"], batch["reason"]):
                src, dst = given.get(src, Path(src)), outputs.get(dst, Path(dst))
                manifest.record(src, dst, status, why or None)
                if status == "failed":
                    failed.append(src)
                    tqdm.write(f"skipped {src}: {why}", file=sys.stderr)
                bar.update()
    ray.shutdown()
    return failed
