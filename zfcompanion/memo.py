"""Results the chapters compute from checkpoints, kept on disk, so that a rebuild that changes nothing
recomputes nothing.

A result is found again by its key: what it was computed from (the checkpoints' sha256, the profile,
sizes, seeds: whatever the caller names) and the code version, a digest of the library's own source
files. Any change to the library therefore recomputes every result: coarse, but never stale. They
live in the cache's `results/` folder, or in `$ZFCOMPANION_MEMO` (`make test` points it at an empty
folder, so that nbval recomputes every result the chapters print). Results are stored as tensors,
numbers, strings, lists and dicts only (pandas tables as their columns), so that reading one back is
`torch.load(..., weights_only=True)`, which never runs code.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
from pathlib import Path
from typing import Callable, TypeVar

import pandas as pd
import torch
from torch.utils.data import Dataset, Subset

from .data import dataset_key
from .files import atomic_write_bytes, cache_dir, torch_bytes

T = TypeVar("T")
SOURCE = Path(__file__).resolve().parent  # the zfcompanion package
MEMO_ENV = "ZFCOMPANION_MEMO"


@functools.cache
def code_version() -> str:
    """A digest of every source file of the library."""
    digest = hashlib.sha256()
    for path in sorted(SOURCE.rglob("*.py")):
        digest.update(str(path.relative_to(SOURCE)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def digest(value: torch.Tensor | Dataset) -> str:
    """A short fingerprint of a tensor (its bytes) or of a dataset: one held in memory by its images
    and labels; a folder dataset by its files' names (`data.dataset_key`), not their contents."""
    hasher = hashlib.sha256()
    if isinstance(value, torch.Tensor):
        hasher.update(f"{value.dtype}{tuple(value.shape)}".encode())
        hasher.update(value.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    elif isinstance(value, Subset):
        hasher.update((digest(value.dataset) + digest(torch.as_tensor(value.indices))).encode())
    elif isinstance(getattr(value, "images", None), torch.Tensor):
        hasher.update((digest(value.images) + digest(torch.as_tensor(value.targets))).encode())
    else:
        hasher.update(dataset_key(value).encode())
    return hasher.hexdigest()[:16]


def path_for(name: str, key: object) -> Path:
    """Where the result `name` computed from `key` (anything with a faithful repr) is kept."""
    digest = hashlib.sha256(f"{key!r}|{code_version()}".encode()).hexdigest()[:24]
    return Path(os.environ.get(MEMO_ENV) or cache_dir() / "results") / f"{name}-{digest}.pt"


def _plain(value: object) -> object:
    if isinstance(value, pd.DataFrame):
        return {"dataframe": {column: value[column].tolist() for column in value.columns}}
    return {"value": value}


def _restore(stored: dict) -> object:
    if "dataframe" in stored:
        return pd.DataFrame(stored["dataframe"])
    return stored["value"]


def remembered(name: str, key: object, compute: Callable[[], T]) -> T:
    """`compute()`'s result, read back when this code has computed it for `key` before, else computed
    and kept (written atomically: an interrupted rebuild leaves no partial result behind)."""
    path = path_for(name, key)
    if path.exists():
        try:
            return _restore(torch.load(path, weights_only=True))
        except (OSError, RuntimeError, EOFError, KeyError, pickle.UnpicklingError):  # unreadable: compute it again
            pass
    result = compute()
    atomic_write_bytes(path, torch_bytes(_plain(result)))
    return result
