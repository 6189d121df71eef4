"""Occlusion maps: our incremental sweep against the same sweep run as whole-network passes (batched,
the anchor) and against captum's `Occlusion` (at its best `perturbations_per_eval` of a few tried), in
one run on one machine. Prints images/s, ratios, and the limit of exact incremental inference for the
setting (conv multiply-adds of the whole image over those an occluder can change) with how close the
measured speed-up comes to it.

    python benchmarks/occlusion.py            # ZF-mini, 28x28, 7x7 square at stride 1 (the mini profile)
    python benchmarks/occlusion.py --paper    # ZFNet at 224x224, 32x32 square at stride 8
    python benchmarks/occlusion.py --paper --device cuda

Each figure is the best of `--repeats` interleaved rounds after a warm-up (`timing.best_of`), so that
a noisy neighbour during one round decides nothing.
"""

from __future__ import annotations

import argparse
import platform
from pathlib import Path

import torch
from captum.attr import Occlusion

from zfcompanion import models, profiles
from zfcompanion.analysis.occlusion import incremental_limit, positions, sweep

from timing import best_of

RESULTS = Path(__file__).resolve().parent / "results"


@torch.no_grad()
def whole_network(model, x, size, stride, batch_size):
    """The anchor: every occluded copy through the whole network, `batch_size` copies at a time."""
    rows, cols = positions(x.shape[-2], x.shape[-1], size, stride)
    corners = [(i * stride, j * stride) for i in range(rows) for j in range(cols)]
    out = []
    for image in x:
        for start in range(0, len(corners), batch_size):
            batch = image.repeat(len(corners[start : start + batch_size]), 1, 1, 1)
            for copy, (top, left) in zip(batch, corners[start : start + batch_size]):
                copy[:, top : top + size, left : left + size] = 0
            out.append(model(batch).softmax(1))
    return torch.cat(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paper", action="store_true", help="ZFNet at the paper profile's size")
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds; each figure is the fastest")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    args = parser.parse_args()
    profile = profiles.PAPER if args.paper else profiles.MINI
    torch.manual_seed(0)
    model = models.build(profile.zf, profile.num_classes).eval().to(args.device)
    x = torch.randn(args.images, profile.zf.in_channels, profile.input_size, profile.input_size, device=args.device) * 60
    size, stride = profile.occluder_size, profile.occluder_stride
    captum = Occlusion(lambda inputs: model(inputs).softmax(1))
    batch = 64 if args.paper else 256
    anchor_name, ours_name = "whole network, batched (anchor)", "incremental (zfcompanion)"
    contenders = {anchor_name: lambda: whole_network(model, x, size, stride, batch),
                  ours_name: lambda: sweep(model, x, size, stride, batch_size=batch)}
    for per_eval in (16, 64, 256):
        contenders[per_eval] = lambda per_eval=per_eval: captum.attribute(
            x, sliding_window_shapes=(x.shape[1], size, size), strides=(x.shape[1], stride, stride), target=0,
            perturbations_per_eval=per_eval)
    with torch.no_grad():
        seconds = best_of(contenders, args.repeats, args.device)
    captum_seconds = {per_eval: seconds.pop(per_eval) for per_eval in (16, 64, 256)}
    best = min(captum_seconds, key=captum_seconds.get)
    seconds[f"captum Occlusion (best: {best} per eval)"] = captum_seconds[best]
    anchor, ours = seconds[anchor_name], seconds[ours_name]
    machine = torch.cuda.get_device_name() if args.device.startswith("cuda") else \
        f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} CPU threads"
    limit = incremental_limit(model.features, profile.input_size, profile.zf.in_channels, size, stride)
    lines = [f"{profile.zf.name}, {args.images} images of {profile.input_size}x{profile.input_size}, "
             f"{size}x{size} square at stride {stride}; {machine}, torch {torch.__version__}; "
             f"best of {args.repeats} rounds"]
    lines += [f"{name:40s} {args.images / value:8.3f} images/s   speed-up over the anchor {anchor / value:5.2f}x"
              for name, value in seconds.items()]
    lines += [f"ours against captum: {captum_seconds[best] / ours:.2f}x faster",
              f"limit of exact incremental inference (conv multiply-adds): {limit:.2f}x; "
              f"measured {anchor / ours:.2f}x over the anchor, {anchor / ours / limit:.0%} of the limit"]
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"occlusion_{profile.name}{'_' + args.device if args.device != 'cpu' else ''}.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
