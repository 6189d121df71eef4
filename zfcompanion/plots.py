"""Figures in the paper's layouts."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pandas as pd
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
