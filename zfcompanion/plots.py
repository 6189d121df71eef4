"""Figures in the paper's layouts."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from matplotlib.patches import Rectangle


def _blocks(table: pd.DataFrame, input_shape: str) -> list[tuple[str, str]]:
    """(label, output shape) of the input and of each layer's block: conv + ReLU (+ pool, norm), or fc."""
    blocks: dict[str, str] = {}
    for name, output in zip(table["layer"], table["output"]):
        number = name.lstrip("abcdefghijklmnopqrstuvwxyz")
        blocks[f"layer {number}" if int(number) <= 5 else f"fc{number}"] = output  # the block's last output
    return [("input", input_shape), *blocks.items()]


def draw_architecture(ax: plt.Axes, table: pd.DataFrame, input_shape: str, title: str) -> None:
    """Fig. 3's drawing: one box per block, its height growing with the spatial size of its output
    and its depth with the number of maps, labelled maps@size as the paper does."""
    x = 0.0
    for label, output in _blocks(table, input_shape):
        dims = [int(value) for value in str(output).split("×")]
        maps, side = dims[0], (dims[-1] if len(dims) == 3 else 1)
        height = 0.5 + 2.5 * math.sqrt(side / max(int(input_shape.split("×")[-1]), 1))
        depth = 0.25 + 0.15 * math.log2(maps)
        color = "#9ecae1" if label == "input" else "#fc9272" if label.startswith("layer") else "#fdd49e"
        ax.add_patch(Rectangle((x, -height / 2), depth, height, facecolor=color, edgecolor="black"))
        ax.text(x + depth / 2, height / 2 + 0.1, label, ha="center", va="bottom", fontsize=8)
        ax.text(x + depth / 2, -height / 2 - 0.1, f"{maps}@{side}×{side}" if side > 1 else str(maps),
                ha="center", va="top", fontsize=7)
        x += depth + 0.55
    ax.set_xlim(-0.2, x)
    ax.set_ylim(-2.0, 2.0)
    ax.set_title(title, fontsize=10)
    ax.axis("off")


def contrast_normalized(projections: torch.Tensor) -> torch.Tensor:
    """Each projection (the last three dims) scaled into [0, 1] with zero at mid-grey, as the paper shows them."""
    peak = projections.abs().flatten(-3).amax(-1).clamp_min(1e-12)[..., None, None, None]
    return projections / peak * 0.5 + 0.5


def mosaic(tiles: torch.Tensor, gap: int = 1, fill: float = 1.0) -> np.ndarray:
    """(rows, cols, C, H, W) tiles in [0, 1] as one picture with `gap` pixels of `fill` between them:
    (H', W') for one channel, (H', W', 3) for colour."""
    rows, cols, channels, height, width = tiles.shape
    canvas = torch.full((channels, rows * (height + gap) - gap, cols * (width + gap) - gap), fill)
    for r in range(rows):
        for c in range(cols):
            top, left = r * (height + gap), c * (width + gap)
            canvas[:, top : top + height, left : left + width] = tiles[r, c]
    picture = canvas.clamp(0, 1).permute(1, 2, 0).numpy()
    return picture[..., 0] if channels == 1 else picture


def grid(tiles: torch.Tensor, columns: int, gap: int = 1) -> np.ndarray:
    """(n, C, H, W) tiles in [0, 1] laid out `columns` to a row, the last row padded with white."""
    rows = -(-len(tiles) // columns)
    padding = torch.ones(rows * columns - len(tiles), *tiles.shape[1:])
    return mosaic(torch.cat([tiles, padding]).view(rows, columns, *tiles.shape[1:]), gap)


def feature_blocks(tiles: torch.Tensor, per_row: int, gap: int = 1) -> np.ndarray:
    """Fig. 2's layout: each feature's k tiles as a √k x √k block, features `per_row` to a row,
    blocks `3 * gap` apart. `tiles` is (features, k, C, H, W) in [0, 1]."""
    side = math.isqrt(tiles.shape[1])
    blocks = torch.stack([torch.from_numpy(np.atleast_3d(mosaic(t.view(side, side, *t.shape[1:]), gap)))
                          .permute(2, 0, 1) for t in tiles])
    return grid(blocks, per_row, 3 * gap)


def show(ax: plt.Axes, picture: np.ndarray, title: str = "") -> None:
    ax.imshow(picture, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def accuracy_by_size(paper: pd.DataFrame, summary: pd.DataFrame, sizes: list[int], methods: tuple[str, ...],
                     name: str) -> plt.Figure:
    """Accuracy against training images per class (the paper's Fig. 9): the paper's rows at `sizes` on
    the left, this run's methods (mean ± std from `analysis.transfer.compare`) at every size it measured
    on the right."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6), sharey=True)
    measured = list(summary["mean"].columns)  # this run's sizes: the paper's, and any more it measured
    for method in methods:
        right.errorbar(measured, summary.loc[method, "mean"], yerr=summary.loc[method, "std"], marker="o", capsize=3,
                       label=method)
    for _, row in paper.iterrows():
        left.plot(sizes, [row[f"acc_{n}"] for n in sizes], "o-", label=row["method"][:40])
    left.legend(fontsize=7)
    left.set(title="paper", xlabel="training images per class", ylabel="accuracy (%)")
    right.set(title=f"this run: {name}", xlabel="training images per class")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


def atlas_page(projections: torch.Tensor, patches: torch.Tensor, channels: list[int], per_row: int = 8) -> plt.Figure:
    """The feature atlas's layout: for every feature map, its top-k projections (left block, contrast
    normalized) beside the image patches they come from (right block, pixels in 0-255), titled with the
    map's number. `projections` and `patches` are (maps, k, C, H, W)."""
    rows = -(-len(channels) // per_row)
    fig, axes = plt.subplots(rows, per_row, figsize=(1.45 * per_row, 0.95 * rows), squeeze=False)
    for ax, channel, projected, patch in zip(axes.flat, channels, contrast_normalized(projections), patches / 255):
        show(ax, feature_blocks(torch.stack([projected, patch.clamp(0, 1)]), 2), f"map {channel}")
    for ax in axes.flat[len(channels):]:
        ax.axis("off")
    fig.tight_layout(pad=0.3)
    return fig
