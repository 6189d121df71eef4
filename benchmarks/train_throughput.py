"""Training throughput of our trainer against a bare PyTorch loop over the same model and data.

Both run in this one process, one after the other, on the same training images with the same
DataLoader settings; the ratio (ours / bare) is what to read, not the absolute images/s.
The bare loop does the random crops, forward, loss, backward and the SGD step only (in bf16 autocast
where the trainer uses it, `train.fast_kernels`); ours adds
feature-scale clipping after every step, running top-k metrics and the progress bar. The result is
written to benchmarks/results/train_throughput.txt, which the book's performance appendix shows.

    python benchmarks/train_throughput.py [--images 12800] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Subset

from zfcompanion import checkpoints, profiles
from zfcompanion.data import pretraining_splits, random_crops
from zfcompanion.models import build
from zfcompanion.train import TrainConfig, fast_kernels, train


RESULTS = Path(__file__).resolve().parent / "results"


def bare_loop(profile, dataset, seed: int) -> float:
    """Images/s of the plainest loop that trains the same network on the same data."""
    torch.manual_seed(seed)
    model = build(profile.zf, profile.num_classes, init_std=profile.init_std)
    fast = fast_kernels(torch.device("cpu"))  # the same precision and layout as the trainer on this CPU
    if fast:
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=profile.lr, momentum=profile.momentum,
                                weight_decay=profile.weight_decay)
    loader = DataLoader(dataset, batch_size=profile.batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    model.train()
    started = time.perf_counter()
    for images, targets in loader:
        images = random_crops(images, profile.input_size)
        if fast:
            images = images.contiguous(memory_format=torch.channels_last)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=fast):
            loss = torch.nn.functional.cross_entropy(model(images), targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return len(dataset) / (time.perf_counter() - started)


def our_trainer(profile, images: int, seed: int) -> float:
    """Images/s of `zfcompanion.train` over its training steps (its own timer, which stops before the
    epoch's validation: the bare loop has none)."""
    with tempfile.TemporaryDirectory() as out:
        final = train(TrainConfig(profile=profile, out_dir=Path(out), epochs=1, seed=seed, limit=images))
        return images / checkpoints.entry(final)["metrics"]["train_seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=12_800)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    profile = replace(profiles.MINI, snapshot_epochs=())
    dataset = Subset(pretraining_splits(profile).train, range(args.images))
    ours, bare = [], []
    for repeat in range(args.repeats):  # interleaved, so that drifts in machine speed hit both
        bare.append(bare_loop(profile, dataset, repeat))
        ours.append(our_trainer(profile, args.images, repeat))
    lines = [
        f"Training throughput, ZF-mini on the Fashion-MNIST scenes, batch {profile.batch_size} "
        f"({args.images} images x {args.repeats} repeats, interleaved)",
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{torch.get_num_threads()} torch threads, torch {torch.__version__}",
        f"bare PyTorch loop : {statistics.median(bare):8.0f} images/s (median)",
        f"zfcompanion.train : {statistics.median(ours):8.0f} images/s (median)",
        f"ratio ours / bare : {statistics.median(ours) / statistics.median(bare):.3f}   (target >= 0.95)",
    ]
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "train_throughput.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
