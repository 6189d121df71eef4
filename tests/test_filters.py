"""Fig. 6's measures on filters and pictures whose answers are known."""

import numpy as np
import pytest
import torch
from torch import nn

from zfcompanion.analysis.filters import aliased_energy, dominance, stride_grid_energy
from zfcompanion.verdicts import unit_counts


def conv_with(weight: torch.Tensor, stride: int) -> nn.Conv2d:
    conv = nn.Conv2d(1, len(weight), weight.shape[-1], stride)
    conv.weight.data = weight
    return conv


def test_dominance_is_one_for_equal_filters_and_grows_with_one_big_filter():
    weight = torch.randn(8, 1, 3, 3)
    weight = weight / weight.pow(2).mean((1, 2, 3), keepdim=True).sqrt()
    assert abs(dominance(conv_with(weight, 1)).mean - 1) < 1e-6
    weight[3] *= 5
    assert abs(dominance(conv_with(weight, 1)).mean - 5) < 1e-5


def test_dominances_interval_matches_a_loop_over_resampled_filters():
    """The bootstrap resamples the filters: a loop draws them as `unit_counts` does and takes numpy's
    max over median of each resample's RMS values."""
    torch.manual_seed(0)
    weight = torch.randn(9, 1, 3, 3) * torch.linspace(0.5, 3.0, 9)[:, None, None, None]
    found = dominance(conv_with(weight, 1), resamples=500, seed=3)
    rms = np.sort(weight.double().pow(2).mean((1, 2, 3)).sqrt().numpy())
    ratios = [np.max(np.repeat(rms, row.astype(int))) / np.median(np.repeat(rms, row.astype(int)))
              for row in unit_counts(len(rms), 500, 3)]
    assert found.mean == pytest.approx(rms.max() / np.median(rms))
    assert (found.low, found.high) == pytest.approx(tuple(np.quantile(ratios, [0.025, 0.975])))


def test_checkerboard_filter_aliases_at_stride_2_not_at_stride_1():
    checkerboard = torch.tensor([[(-1.0) ** (i + j) for j in range(4)] for i in range(4)])[None, None]
    bump = torch.exp(-((torch.arange(7.0) - 3) ** 2) / (2 * 1.5**2))
    smooth = (bump[:, None] * bump[None, :])[None, None]
    assert aliased_energy(conv_with(checkerboard, 2))[0] > 0.9
    assert aliased_energy(conv_with(checkerboard, 1))[0] == 0
    assert aliased_energy(conv_with(smooth, 2))[0] < 0.1


def test_stride_grid_energy_finds_a_two_pixel_grid():
    grid = torch.zeros(1, 1, 16, 16)
    grid[..., ::2, ::2] = 1.0  # energy at DC and at 1/2 cycle per pixel
    smooth = torch.linspace(0, 1, 16).expand(1, 1, 16, 16).clone()
    assert stride_grid_energy(grid, 2)[0] == 1.0
    assert stride_grid_energy(smooth, 2)[0] < 0.05
    # at a 4-pixel grid, leaving out a stride-2 network's own 1/2 cycle per pixel: the 2-pixel grid is not counted
    assert stride_grid_energy(grid, 4, besides=2)[0] < 1e-12
    assert stride_grid_energy(grid, 4)[0] == pytest.approx(1.0)
