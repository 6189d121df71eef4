"""ZFNet (Fig. 3) training throughput at the paper profile's size, on synthetic ImageNet-shaped
batches (3x224x224, 1000 classes): plain fp32 steps (the anchor) against the settings the trainer
uses on CUDA: bf16 autocast + channels_last, the same + torch.compile, and the same inside
DistributedDataParallel with one process (what torchrun adds). Each step is the trainer's own
`train_step`: forward, cross-entropy, backward, SGD with momentum and weight decay, feature-scale
clipping.

On a GPU it measures what the paper profile will see. Without one it runs the same steps on CPU at
a reduced batch, says so in its result, and the ratios then tell only what these settings cost or
save on this CPU, not on a GPU.

    python benchmarks/paper_train.py                       # cuda when there is one, else cpu
    python benchmarks/paper_train.py --device cpu --batch 8 --steps 3
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import time
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn

from zfcompanion import models, profiles
from zfcompanion.train import train_step

RESULTS = Path(__file__).resolve().parent / "results"
PROFILE = profiles.PAPER


IMAGENET_TRAIN_IMAGES = 1_281_167  # ILSVRC 2012's training set, for the time of one epoch


def images_per_second(device: torch.device, batch: int, steps: int, fast: bool, compiled: bool, ddp: bool) -> float:
    torch.manual_seed(0)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    model = models.build(PROFILE.zf, PROFILE.num_classes, init_std=PROFILE.init_std).to(device)
    images = torch.randn(batch, 3, PROFILE.input_size, PROFILE.input_size, device=device) * 60
    targets = torch.randint(0, PROFILE.num_classes, (batch,), device=device)
    if fast:
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=PROFILE.lr, momentum=PROFILE.momentum,
                                weight_decay=PROFILE.weight_decay)
    net = nn.parallel.DistributedDataParallel(model) if ddp else model
    net = torch.compile(net) if compiled else net

    def step() -> None:
        train_step(net, model, optimizer, images, targets, fast, PROFILE.filter_rms_clip)

    def synchronize() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(2):  # warm-up: cuDNN's algorithm search, compilation
        step()
    synchronize()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    synchronize()
    return batch * steps / (time.perf_counter() - started)


@contextlib.contextmanager
def one_process_group(device: torch.device):
    """A process group of one, as torchrun would start with --nproc-per-node 1."""
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29533")
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo", rank=0, world_size=1)
    try:
        yield
    finally:
        dist.destroy_process_group()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--batch", type=int, default=None, help="default: the profile's 128 on CUDA, 8 on CPU")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per setting (default: 20 on CUDA, 3 on CPU)")
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile setting")
    args = parser.parse_args()
    device = torch.device(args.device)
    on_cuda = device.type == "cuda"
    batch = args.batch or (PROFILE.batch_size if on_cuda else 8)
    steps = args.steps or (20 if on_cuda else 3)
    settings = {"fp32 (anchor)": dict(fast=False, compiled=False, ddp=False),
                "bf16 autocast + channels_last": dict(fast=True, compiled=False, ddp=False)}
    if not args.no_compile:
        settings["bf16 + channels_last + torch.compile"] = dict(fast=True, compiled=True, ddp=False)
    settings["bf16 + channels_last in DDP, 1 process"] = dict(fast=True, compiled=False, ddp=True)
    speeds, memory = {}, {}
    for name, options in settings.items():
        with one_process_group(device) if options["ddp"] else contextlib.nullcontext():
            speeds[name] = images_per_second(device, batch, steps, **options)
        memory[name] = torch.cuda.max_memory_allocated(device) if on_cuda else 0
        print(f"{name:42s} {speeds[name]:9.1f} images/s", flush=True)
    anchor = speeds["fp32 (anchor)"]
    where = (torch.cuda.get_device_name(device) if on_cuda else
             f"CPU ({platform.machine()}, {torch.get_num_threads()} threads): NO GPU, a reduced batch; "
             f"the ratios say what these settings do on this CPU, not on a GPU")
    lines = [f"ZFNet (Fig. 3) training steps at 224x224, 1000 classes, batch {batch}, {steps} timed steps per setting; "
             f"{where}; torch {torch.__version__}"]
    lines += [f"{name:42s} {value:9.1f} images/s   {value / anchor:5.2f}x the fp32 anchor   "
              f"one ImageNet epoch {IMAGENET_TRAIN_IMAGES / value / 60:6.1f} min" + (
                  f"   peak GPU memory {memory[name] / 2**30:5.1f} GiB" if on_cuda else "")
              for name, value in speeds.items()]
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"paper_train{'_cuda' if on_cuda else ''}.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
