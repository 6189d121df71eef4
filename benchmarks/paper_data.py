"""Data-loading throughput of the paper profile's pipeline, per CPU core: JPEGs of ImageNet's typical
size (500x375) in ImageNet's folder layout, read through `data.pretraining_splits(PAPER)` (decode,
resize the short side to 256, center 256x256, subtract the mean image) by a DataLoader with 1, 2, ...
worker processes, against the anchor of decoding the same JPEGs alone with PIL on one core. The
JPEGs are generated in a temporary folder (textured noise, so that they compress like photographs).

    python benchmarks/paper_data.py [--images 512] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader

from zfcompanion import profiles
from zfcompanion.data import pretraining_splits

RESULTS = Path(__file__).resolve().parent / "results"


def write_jpegs(root: Path, count: int, classes: int = 8) -> list[Path]:
    rng = np.random.default_rng(0)
    paths = []
    for index in range(count):
        for split in ("train", "val"):
            folder = root / split / f"n{index % classes:08d}"
            folder.mkdir(parents=True, exist_ok=True)
            if split == "val" and index >= classes:  # the validation folder needs one image per class
                continue
            coarse = rng.integers(0, 256, size=(24, 32, 3), dtype=np.uint8)
            picture = Image.fromarray(coarse).resize((500, 375), Image.BICUBIC)
            path = folder / f"{index:06d}.JPEG"
            picture.save(path, quality=90)
            paths.append(path)
    return [path for path in paths if path.parts[-3] == "train"]


def decode_alone(paths: list[Path]) -> float:
    started = time.perf_counter()
    for path in paths:
        with Image.open(path) as image:
            image.convert("RGB").load()
    return len(paths) / (time.perf_counter() - started)


def through_pipeline(dataset, workers: int) -> float:
    loader = DataLoader(dataset, batch_size=64, num_workers=workers, shuffle=False)
    started = time.perf_counter()
    seen = sum(len(targets) for _, targets in loader)
    return seen / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=512)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    torch.set_num_threads(1)  # one core per loading process, the main one included
    with tempfile.TemporaryDirectory() as folder:
        os.environ["ZFCOMPANION_CACHE"] = str(Path(folder) / "cache")
        paths = write_jpegs(Path(folder) / "imagenet", args.images)
        train = pretraining_splits(profiles.PAPER, Path(folder) / "imagenet").train  # the mean image, once
        anchor = decode_alone(paths)
        speeds = {workers: through_pipeline(train, workers) for workers in args.workers}
    lines = [f"Paper-profile data loading, {len(paths)} JPEGs of 500x375 to 3x256x256 mean-subtracted tensors; "
             f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}",
             f"anchor: PIL decoding alone, one core       {anchor:7.1f} images/s"]
    lines += [f"pipeline, {workers} worker process{'es' if workers > 1 else '  '}            {speed:7.1f} images/s = "
              f"{speed / workers:6.1f} per core, {speed / workers / anchor:.2f}x the decoding anchor per core"
              for workers, speed in speeds.items()]
    per_core = max(speed / workers for workers, speed in speeds.items())
    lines.append(f"so a GPU that trains ZFNet at N images/s needs about N / {per_core:.0f} cores loading its data")
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "paper_data.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
