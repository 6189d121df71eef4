"""Deconvnet and top-k mining speed, each against its anchor in the same run, on ZF-mini (CPU).

1. Projecting the top 9 of every channel of every layer (the feature atlas's work): our batched
   `project_top` against captum's `NeuronDeconvolution`, one neuron at a time. Both run on ZF-mini with
   its normalization layers removed, where the two compute the same pictures.
2. The mining pass over a dataset against a plain forward pass over it.

    python benchmarks/deconv.py [--images 2000]
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from pathlib import Path

import torch
from captum.attr import NeuronDeconvolution
from torch import nn

from zfcompanion import models
from zfcompanion.analysis.topk import mine, project_top
from zfcompanion.data import StoredImages

RESULTS = Path(__file__).resolve().parent / "results"
warnings.filterwarnings("ignore", category=UserWarning)  # captum's notes on hooks and requires_grad, per call


def seconds(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def captum_top(features: nn.Sequential, dataset: StoredImages, top, layer: int) -> None:
    """captum's deconvolution of each mined activation, one neuron (one call) at a time."""
    deconvolution = NeuronDeconvolution(features, features[layer])
    for channel in range(top.values.shape[0]):
        for image, (row, col) in zip(top.images[channel].tolist(), top.positions[channel].tolist()):
            x = dataset[image][0][None, :, 2:30, 2:30]
            deconvolution.attribute(x, neuron_selector=(channel, row, col))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000, help="images mined (random, stored at 32x32)")
    args = parser.parse_args()
    torch.manual_seed(0)
    features = nn.Sequential(*[nn.ReLU() if isinstance(m, nn.ReLU) else m for m in models.zf_mini().eval().features
                               if not isinstance(m, nn.LocalResponseNorm)]).eval()
    dataset = StoredImages(torch.randn(args.images, 1, 32, 32) * 60, torch.zeros(args.images, dtype=torch.long),
                           list(range(args.images)))
    layers = models.feature_map_layers(features)
    tops = mine(features, dataset, layers, 9, 28)
    ours = seconds(lambda: [project_top(features, dataset, tops[layer], layer, list(range(tops[layer].values.shape[0])),
                                        28, torch.zeros(1, 32, 32)) for layer in layers])
    theirs = seconds(lambda: [captum_top(features, dataset, tops[layer], layer) for layer in layers])
    projections = sum(top.values.numel() for top in tops.values())

    with torch.no_grad():
        forward = seconds(lambda: [features(batch[:, :, 2:30, 2:30]) for batch in dataset.images.split(256)])
    mining = seconds(lambda: mine(features, dataset, layers, 9, 28, batch_size=256))
    lines = [f"ZF-mini without normalization, {args.images} random 28x28 images; {platform.machine()}, "
             f"{torch.get_num_threads()} CPU threads, torch {torch.__version__}",
             f"top 9 of every channel of layers 1-5 ({projections} projections): ours {ours:.1f} s, "
             f"captum NeuronDeconvolution one at a time {theirs:.1f} s: {theirs / ours:.1f}x faster (target >= 5x)",
             f"mining pass {mining:.2f} s against a plain forward pass {forward:.2f} s: {mining / forward:.2f}x its time "
             f"(target <= 1.3x)"]
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "deconv.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
