"""Deconvnet and top-k mining speed, each against its anchor in the same run (CPU, random weights).

1. Projecting the top 9 of channels of every layer (the feature atlas's work): our batched
   `project_top` against captum's `NeuronDeconvolution`, one neuron at a time. Both run on the network
   with its normalization layers removed, where the two compute the same pictures.
2. The mining pass over a dataset against a plain forward pass over it.

Each figure is the best of `--repeats` interleaved rounds after a warm-up (`timing.best_of`).

    python benchmarks/deconv.py [--images 2000]                         # ZF-mini, every channel
    python benchmarks/deconv.py --paper [--images 64] [--channels 4]    # ZFNet at 224x224
    python benchmarks/deconv.py --paper --device cuda                   # the same on a GPU
"""

from __future__ import annotations

import argparse
import platform
import warnings
from pathlib import Path

import torch
from captum.attr import NeuronDeconvolution
from torch import nn

from zfcompanion import models, profiles
from zfcompanion.topk import mine, project_top
from zfcompanion.data import StoredImages

from timing import best_of

RESULTS = Path(__file__).resolve().parent / "results"
warnings.filterwarnings("ignore", category=UserWarning)  # captum's notes on hooks and requires_grad, per call


def captum_top(features: nn.Sequential, dataset: StoredImages, top, layer: int, channels: list[int],
               input_size: int, device: str) -> None:
    """captum's deconvolution of each mined activation, one neuron (one call) at a time."""
    deconvolution = NeuronDeconvolution(features, features[layer])
    offset = (dataset.images.shape[-1] - input_size) // 2  # the center crop, as the mining saw it
    for channel in channels:
        for image, (row, col) in zip(top.images[channel].tolist(), top.positions[channel].tolist()):
            x = dataset[image][0][None, :, offset:offset + input_size, offset:offset + input_size].to(device)
            deconvolution.attribute(x, neuron_selector=(channel, row, col))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paper", action="store_true", help="ZFNet at the paper profile's 224x224")
    parser.add_argument("--images", type=int, default=None, help="random images mined (default: 2000 mini, 64 paper)")
    parser.add_argument("--channels", type=int, default=None, help="channels projected per layer (default: all mini, 4 paper)")
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds; each figure is the fastest")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    args = parser.parse_args()
    profile = profiles.PAPER if args.paper else profiles.MINI
    count = args.images or (64 if args.paper else 2000)
    stored, size, device = profile.stored_size, profile.input_size, args.device
    torch.manual_seed(0)
    network = models.build(profile.zf, profile.num_classes).eval()
    features = nn.Sequential(*[m for m in network.features if not isinstance(m, nn.LocalResponseNorm)]).eval().to(device)
    dataset = StoredImages(torch.randn(count, profile.zf.in_channels, stored, stored) * 60,
                           torch.zeros(count, dtype=torch.long), list(range(count)))
    layers = models.feature_map_layers(features)
    tops = mine(features, dataset, layers, 9, size, device=device)
    chosen = {layer: list(range(tops[layer].values.shape[0]))[: args.channels or (4 if args.paper else None)]
              for layer in layers}
    offset = (stored - size) // 2
    crops = [batch[..., offset:offset + size, offset:offset + size].to(device) for batch in dataset.images.split(256)]
    zeros = torch.zeros(1, stored, stored)

    @torch.no_grad()
    def forward():
        return [features(batch) for batch in crops]

    seconds = best_of({
        "ours": lambda: [project_top(features, dataset, tops[layer], layer, chosen[layer], size, zeros, device)
                         for layer in layers],
        "captum": lambda: [captum_top(features, dataset, tops[layer], layer, chosen[layer], size, device)
                           for layer in layers],
        "forward": forward,
        "mining": lambda: mine(features, dataset, layers, 9, size, batch_size=256, device=device),
    }, args.repeats, device)
    projections = 9 * sum(len(channels) for channels in chosen.values())
    which = "every channel" if len(chosen[layers[0]]) == tops[layers[0]].values.shape[0] else \
        f"the first {len(chosen[layers[0]])} channels"
    machine = torch.cuda.get_device_name() if device.startswith("cuda") else \
        f"{platform.machine()}, {torch.get_num_threads()} CPU threads"
    lines = [f"{profile.zf.name} without normalization, random weights, {count} random {size}x{size} images; "
             f"{machine}, torch {torch.__version__}; best of {args.repeats} rounds",
             f"top 9 of {which} of layers 1-5 ({projections} projections): ours {seconds['ours']:.2f} s, "
             f"captum NeuronDeconvolution one at a time {seconds['captum']:.2f} s: "
             f"{seconds['captum'] / seconds['ours']:.1f}x faster (target >= 5x)",
             f"mining pass {seconds['mining']:.2f} s against a plain forward pass {seconds['forward']:.2f} s: "
             f"{seconds['mining'] / seconds['forward']:.2f}x its time (target <= 1.3x)"]
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"deconv{'_paper' if args.paper else ''}{'_' + device if device != 'cpu' else ''}.txt").write_text("\n".join(lines) + "\n")

if __name__ == "__main__":
    main()
