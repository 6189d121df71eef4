"""Fig. 6's measures of first-layer filters and of what they do to layer 2: dominance without
feature-scale clipping, dead feature maps, energy that the layer's stride aliases, and the stride's
grid in the projections."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from .. import topk
from ..models import feature_map_layers
from ..verdicts import Difference, resampled


def filter_rms(conv: nn.Conv2d) -> torch.Tensor:
    """The root-mean-square of each filter's weights (what feature-scale clipping bounds)."""
    return conv.weight.detach().pow(2).mean(dim=(1, 2, 3)).sqrt()


def dominance(conv: nn.Conv2d, resamples: int = 10_000, seed: int = 0) -> Difference:
    """The largest filter's RMS over the median filter's (about 1 when no filter dominates), with a
    bootstrap interval over the filters: how much the ratio rests on the particular filters the layer
    has (a resample that leaves out one outsize filter falls to the next largest)."""
    rms = np.sort(filter_rms(conv).double().cpu().numpy())
    middle = [(len(rms) - 1) // 2, len(rms) // 2]  # the order statistics whose mean is the median

    def ratios(counts: np.ndarray) -> np.ndarray:  # counts: how often each (sorted) filter is drawn
        drawn = counts.cumsum(1)
        median = sum(rms[(drawn > k).argmax(1)] for k in middle) / 2
        return rms[len(rms) - 1 - (counts[:, ::-1] > 0).argmax(1)] / median
    return resampled(ratios, len(rms), resamples, seed)


@torch.no_grad()
def active_fraction(features: nn.Sequential, layer: int, inputs: torch.Tensor) -> torch.Tensor:
    """Per feature map of `features[layer]`, the fraction of (image, position) where it is positive."""
    return (features[: layer + 1](inputs) > 0).float().mean(dim=(0, 2, 3))


def spectrum(images: torch.Tensor, size: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(power, frequency): the 2-D power spectrum of each (…, C, H, W) picture, zero-padded to `size`,
    summed over its C channels, and each bin's frequency in cycles per pixel, the larger of its two axes."""
    size = size or images.shape[-1]
    power = torch.fft.fft2(images.double(), s=(size, size)).abs().pow(2).sum(dim=-3)
    frequency = torch.fft.fftfreq(size, dtype=torch.float64).abs()
    return power, torch.maximum(frequency[:, None], frequency[None, :])


def energy_share(images: torch.Tensor, keep, size: int | None = None) -> torch.Tensor:
    """Per picture, the share of its spectral energy (DC excluded) in the bins where `keep(frequency)`."""
    power, frequency = spectrum(images, size)
    power[..., 0, 0] = 0
    return (power * keep(frequency)).sum(dim=(-2, -1)) / power.sum(dim=(-2, -1)).clamp_min(1e-30)


def aliased_energy(conv: nn.Conv2d, size: int = 64, stride: int | None = None) -> torch.Tensor:
    """Per filter, the share of its energy above the Nyquist frequency of a `stride` grid (default the
    layer's own), 1 / (2 stride) cycles per input pixel: what sampling at that stride folds onto lower
    frequencies. One `stride` for two networks compares their filters over the same band."""
    stride = stride or conv.stride[0]
    return energy_share(conv.weight.detach(), lambda f: f > 1 / (2 * stride) + 1e-9, size)


def band_energy(conv: nn.Conv2d, low: float, high: float, size: int = 64) -> torch.Tensor:
    """Per filter, the share of its energy at frequencies from `low` up to (not including) `high` cycles
    per input pixel (the larger of the two axes' frequencies)."""
    return energy_share(conv.weight.detach(), lambda f: (f >= low - 1e-9) & (f < high - 1e-9), size)


def stride_grid_energy(projections: torch.Tensor, stride: int, size: int | None = None, besides: int = 1) -> torch.Tensor:
    """Per projection, the share of its energy at the frequency of a `stride`-pixel grid and its
    harmonics (k / stride cycles per pixel, k ≥ 1): the checkerboard that aliasing leaves; leaving out
    the frequencies of a `besides`-pixel grid, which a network of that stride makes itself (ZF's 1/2
    cycle per pixel at stride 2), so that the measure is not biased against it. Pad to a `size` that
    `stride` divides, so that those frequencies fall on bins."""
    grid = [k / stride for k in range(1, stride // 2 + 1) if (k * besides) % stride]
    return energy_share(projections, lambda f: torch.stack([(f - g).abs() < 1e-9 for g in grid]).any(0), size)


def layer2_views(features: nn.Sequential, dataset: Dataset, maps_shown: int, generator: torch.Generator,
                 input_size: int, mean_image: torch.Tensor, stride: int, besides: int,
                 device: str | torch.device = "cpu") -> tuple[topk.Projections, list[float]]:
    """Fig. 6 (d), (e): the top-9 projections of `maps_shown` live layer-2 maps drawn with `generator`,
    and, for every live map, the share (%) of its strongest projection's energy at the frequencies of a
    `stride`-pixel grid other than a `besides`-pixel grid's (`stride_grid_energy`): the aliasing a large
    first stride leaves."""
    layer = feature_map_layers(features)[1]
    top = topk.mine(features, dataset, [layer], 9, input_size, device=device)[layer]
    live = top.live().tolist()
    shown = sorted(torch.tensor(live)[torch.randperm(len(live), generator=generator)[:maps_shown]].tolist())
    shown_projections = topk.project_top(features, dataset, top, layer, shown, input_size, mean_image, device)
    strongest = topk.project_top(features, dataset, top.strongest(1), layer, live, input_size, mean_image, device)
    return shown_projections, (100 * stride_grid_energy(strongest.projections[:, 0], stride, size=32, besides=besides)).tolist()
