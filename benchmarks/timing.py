"""Best-of-repeats timing for the benchmarks: every contender runs once to warm up, then all of them in
turn, `repeats` rounds, each keeping its fastest round, so that a noisy neighbour during one round
decides nothing and no contender always runs on a warmer machine than another."""

from __future__ import annotations

import time
from typing import Callable

import torch


def best_of(contenders: dict[str, Callable[[], object]], repeats: int, device: str = "cpu") -> dict[str, float]:
    """The fastest of `repeats` interleaved rounds of each contender, in seconds."""
    synchronize = torch.cuda.synchronize if str(device).startswith("cuda") else (lambda: None)
    for run in contenders.values():
        run()
    best = {name: float("inf") for name in contenders}
    for _ in range(repeats):
        for name, run in contenders.items():
            synchronize()
            started = time.perf_counter()
            run()
            synchronize()
            best[name] = min(best[name], time.perf_counter() - started)
    return best
