"""Local response normalization: our band-convolution form (`models.LocalResponseNorm`) against
torch's `nn.LocalResponseNorm` (a padded avg_pool3d), in the networks that use it.

Both forms run in this one process, interleaved, on the same network with the same weights and
batch: a training step in the trainer's precision on this machine (`train.fast_kernels`: bf16
autocast and channels_last where the CPU has bf16 units, fp32 elsewhere) and an fp32 forward pass
(the chapters' evaluation). The ratio (ours / torch's) is what to read. The result is written to
benchmarks/results/lrn.txt, which the book's performance appendix shows.

    python benchmarks/lrn.py [--steps 10] [--repeats 3]
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import statistics
import time
from pathlib import Path

import torch
from torch import nn

from zfcompanion import profiles
from zfcompanion.models import LocalResponseNorm, build
from zfcompanion.train import fast_kernels, train_step

RESULTS = Path(__file__).resolve().parent / "results"


def with_torchs_norm(model: nn.Module) -> nn.Module:
    """A copy of `model` whose normalization layers are torch's own."""
    copied = copy.deepcopy(model)
    for index, module in enumerate(copied.features):
        if isinstance(module, LocalResponseNorm):
            copied.features[index] = nn.LocalResponseNorm(module.size, module.alpha, module.beta, module.k)
    return copied


def train_speed(model: nn.Module, images: torch.Tensor, targets: torch.Tensor, steps: int, fast: bool) -> float:
    """Images/s of `steps` training steps (after two unmeasured ones) on a copy of `model`."""
    model = copy.deepcopy(model)
    if fast:
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9, weight_decay=5e-4)
    for _ in range(2):
        train_step(model, model, optimizer, images, targets, fast, 0.1)
    started = time.perf_counter()
    for _ in range(steps):
        train_step(model, model, optimizer, images, targets, fast, 0.1)
    return steps * len(images) / (time.perf_counter() - started)


@torch.no_grad()
def forward_speed(model: nn.Module, images: torch.Tensor, steps: int) -> float:
    model.eval()
    model(images)
    started = time.perf_counter()
    for _ in range(steps):
        model(images)
    return steps * len(images) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    profile, fast = profiles.MINI, fast_kernels(torch.device("cpu"))
    generator = torch.Generator().manual_seed(0)
    images = 50 * torch.randn(profile.batch_size, 1, profile.input_size, profile.input_size, generator=generator)
    targets = torch.randint(0, profile.num_classes, (profile.batch_size,), generator=generator)
    lines = [f"Local response normalization: ours (band convolution) against torch's (avg_pool3d), batch "
             f"{profile.batch_size}, {args.steps} steps x {args.repeats} repeats, interleaved; training in "
             f"{'bf16 autocast + channels_last' if fast else 'fp32'}, forward in fp32",
             f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
             f"{torch.get_num_threads()} torch threads, torch {torch.__version__}"]
    for spec in (profile.zf, profile.alexnet):
        torch.manual_seed(0)
        ours = build(spec, profile.num_classes, init_std=profile.init_std)
        torchs = with_torchs_norm(ours)
        speeds = {key: [] for key in ("train ours", "train torch", "forward ours", "forward torch")}
        for _ in range(args.repeats):  # interleaved, so that drifts in machine speed hit both
            speeds["train ours"].append(train_speed(ours, images, targets, args.steps, fast))
            speeds["train torch"].append(train_speed(torchs, images, targets, args.steps, fast))
            speeds["forward ours"].append(forward_speed(ours, images, args.steps))
            speeds["forward torch"].append(forward_speed(torchs, images, args.steps))
        median = {key: statistics.median(values) for key, values in speeds.items()}
        for step in ("train", "forward"):
            lines.append(f"{spec.name:>12} {step:<7}: ours {median[f'{step} ours']:6.0f} images/s, torch's "
                         f"{median[f'{step} torch']:6.0f}; ratio {median[f'{step} ours'] / median[f'{step} torch']:.2f}")
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "lrn.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
