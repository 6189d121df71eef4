"""Data-loading throughput of the paper profile's pipeline, per CPU core: JPEGs of ImageNet's typical
size (500x375) in ImageNet's folder layout, read through `data.pretraining_splits(PAPER)` (decode,
resize the short side to 256, center 256x256 in the workers, which hand over uint8 images; float and
minus the mean image in the main process) by `data.Loader` with 1, 2, ... worker processes, against
the anchor of decoding the same JPEGs alone with PIL on one core. The JPEGs are generated in a
temporary folder (textured noise, so that they compress like photographs). Per core counts the
loading processes only, as a training run would give them cores besides its main process. Both sides
are timed in their steady state, as over a training epoch: the anchor's processes and the loader's
workers are started once, before the timed rounds.

    python benchmarks/paper_data.py [--images 512] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import platform
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from zfcompanion import profiles
from zfcompanion.data import Loader, pretraining_splits

from timing import best_of

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


def decode_alone(paths: list[Path]) -> None:
    for path in paths:
        with Image.open(path) as image:
            image.convert("RGB").load()


def decoding_in_processes(pool, paths: list[Path], processes: int):
    """The anchor on `processes` cores at once, as a callable: each process of `pool` (started once)
    decodes its share of the files (on a machine whose cores share a physical core or its memory
    bandwidth, each goes slower than one alone)."""
    shares = [paths[start::processes] for start in range(processes)]
    return lambda: pool.map(decode_alone, shares)


def through_pipeline(dataset, workers: int, finish: bool):
    """A callable that reads every batch of `dataset`, finished (float, mean subtracted) in this process
    as training on a CPU does, or left uint8 as the workers hand them over (training on a GPU finishes
    them there). The workers start once (the timing's warm-up round): over an epoch of ImageNet their
    start is negligible, over a few hundred images it would decide the figure."""
    loader = Loader(dataset, batch_size=64, num_workers=workers, shuffle=False, persistent_workers=workers > 0)

    def read_all() -> None:
        for _ in loader if finish else loader.loader:
            pass
    return read_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=512)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds; each figure is the fastest")
    args = parser.parse_args()
    torch.set_num_threads(1)  # one core per loading process, the main one included
    with tempfile.TemporaryDirectory() as folder:
        os.environ["ZFCOMPANION_CACHE"] = str(Path(folder) / "cache")
        paths = write_jpegs(Path(folder) / "imagenet", args.images)
        train = pretraining_splits(profiles.PAPER, Path(folder) / "imagenet").train  # the mean image, once
        with contextlib.ExitStack() as pools:
            contenders = {("anchor", workers): decoding_in_processes(
                pools.enter_context(multiprocessing.get_context("fork").Pool(workers)), paths, workers)
                for workers in args.workers}
            contenders |= {(workers, finish): through_pipeline(train, workers, finish)
                           for workers in args.workers for finish in (False, True)}
            seconds = best_of(contenders, args.repeats)
    anchors = {workers: len(paths) / seconds.pop(("anchor", workers)) / workers for workers in args.workers}
    speeds = {key: len(paths) / value for key, value in seconds.items()}
    lines = [f"Paper-profile data loading, {len(paths)} JPEGs of 500x375 to 3x256x256 mean-subtracted tensors; "
             f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}; best of {args.repeats} rounds",
             "anchor: PIL decoding alone, in as many processes as workers, per process: " +
             ", ".join(f"{anchors[workers]:.1f} images/s with {workers}" for workers in args.workers)]
    where = {False: "uint8 batches (finished on the GPU)", True: "finished here (float, minus mean)"}
    lines += [f"{workers} worker process{'es' if workers > 1 else '  '}, {where[finish]:36s} {speed:7.1f} images/s = "
              f"{speed / workers:6.1f} per worker, {speed / workers / anchors[workers]:.2f}x the decoding anchor"
              for (workers, finish), speed in speeds.items()]
    per_worker = max(speed / workers for (workers, finish), speed in speeds.items() if not finish)
    lines.append(f"so a GPU that trains ZFNet at N images/s needs about N / {per_worker:.0f} cores loading its data "
                 f"(and one for its main process)")
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"paper_data_{os.cpu_count()}cores.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
