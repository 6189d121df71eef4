"""Figures in the paper's layouts."""

from __future__ import annotations

import contextlib
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import torch
from matplotlib.patches import Rectangle


@contextlib.contextmanager
def same_jitter(seed: int = 0):
    """seaborn's stripplot jitters its dots with NumPy's global random state: seeded here, so that a
    rebuilt chapter draws the same picture, and restored after."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


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


STRETCH = 0.99  # the quantile of a projection's absolute values that reaches black or white


def contrast_normalized(projections: torch.Tensor) -> torch.Tensor:
    """Each projection (the last three dims) scaled into [0, 1] with zero at mid-grey, its contrast
    enhanced as the paper's figures are: the `STRETCH` quantile of its absolute values maps to black or
    white and the few pixels beyond clip, so that a handful of strong pixels do not leave the rest of a
    deep layer's projection a faint grey."""
    magnitudes = projections.abs().flatten(-3).float()
    peak = magnitudes.quantile(STRETCH, dim=-1).clamp_min(1e-12)[..., None, None, None]
    return (projections / peak * 0.5 + 0.5).clamp(0, 1)


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


def epochs_by_layer(projections: dict[int, torch.Tensor], epochs: list[int], shown: int) -> plt.Figure:
    """Fig. 4's layout, one layer per row: the first `shown` followed maps of each layer (rows of a block)
    at each snapshot (its columns, labelled with the epoch). `projections` maps a layer's number to its
    (maps, epochs, C, H, W) projections."""
    fig, axes = plt.subplots(len(projections), 1, figsize=(11, 1.45 * shown * len(projections)), squeeze=False)
    for ax, (number, tiles) in zip(axes[:, 0], projections.items()):
        size = tiles.shape[-1]
        ax.imshow(mosaic(contrast_normalized(tiles[:shown])), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_xticks([(size + 1) * i + (size - 1) / 2 for i in range(len(epochs))], [str(e) for e in epochs], fontsize=9)
        ax.set_yticks([(size + 1) * i + (size - 1) / 2 for i in range(shown)], [f"map {i + 1}" for i in range(shown)],
                      fontsize=9)
        ax.tick_params(length=0)
        ax.set_title(f"layer {number}", fontsize=10, loc="left")
        for spine in ax.spines.values():
            spine.set_visible(False)
    axes[-1, 0].set_xlabel("epoch of the snapshot")
    fig.tight_layout()
    return fig


def signed(ax: plt.Axes, values: torch.Tensor, title: str, marks: torch.Tensor | None = None) -> plt.AxesImage:
    """A map that may be negative, zero at white, blue below and red above, with a colourbar; `marks`
    (K, 2: row, col) are circled."""
    limit = float(values.abs().max()) or 1.0
    shown = ax.imshow(values.cpu().numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    if marks is not None:
        ax.scatter(marks[:, 1], marks[:, 0], s=60, facecolors="none", edgecolors="black", linewidths=1.2)
    ax.set_title(title, fontsize=10)
    ax.tick_params(labelsize=8)
    ax.figure.colorbar(shown, ax=ax, fraction=0.046)
    return shown


def settling(similarity: dict[int, torch.Tensor], epochs: list[int], decays: list[int], settled: dict[int, list[int]],
             close: float) -> plt.Figure:
    """Fig. 4's numbers: left, each layer's correlation with the final projection at each snapshot (mean
    and standard deviation over the followed maps; `similarity` maps a layer's number to (maps, epochs))
    with the learning rate's decays dotted; right, the epoch from which each map stays `close`."""
    curves = pd.DataFrame([{"layer": f"layer {number}", "epoch": epoch, "correlation": float(value)}
                           for number, values in similarity.items() for row in values
                           for epoch, value in zip(epochs, row)])
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    sns.lineplot(curves, x="epoch", y="correlation", hue="layer", errorbar="sd", marker="o", ax=left)
    for decay in decays:
        left.axvline(decay, color="grey", ls=":", lw=1)
    left.set(xscale="log", xlabel="epoch (log scale; dotted: the learning rate's decays)",
             ylabel="correlation with the final projection", title="mean ± sd over the followed maps")
    left.set_xticks(epochs, [str(epoch) for epoch in epochs])
    left.minorticks_off()
    epochs_settled = pd.DataFrame([{"layer": f"layer {number}", "epoch": epoch}
                                   for number, values in settled.items() for epoch in values])
    sns.boxplot(epochs_settled, x="layer", y="epoch", color="white", ax=right)
    with same_jitter():
        sns.stripplot(epochs_settled, x="layer", y="epoch", color="black", size=4, ax=right)
    right.set(xlabel="", ylabel="epoch", title=f"epoch from which each map's projection stays ≥ {close} correlated")
    fig.tight_layout()
    return fig


def training_curves(shipped: pd.DataFrame, study_runs: dict[str, list[pd.DataFrame]], milestones: tuple[int, ...],
                    shipped_name: str) -> plt.Figure:
    """Top-1 error against epoch: the shipped network's validation curve (grey) beside the study's runs
    of each architecture (`study_runs`: name -> one metrics table per seed), validation solid and
    training dotted, the study's rate decays dashed."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.plot(shipped.epoch, shipped.val_top1_err, "-", color="gray", label=f"shipped {shipped_name} ({len(shipped)} epochs): validation")
    for (arch, curves), colour in zip(study_runs.items(), ("tab:blue", "tab:orange", "tab:green")):
        for number, curve in enumerate(curves):
            ax.plot(curve.epoch, curve.val_top1_err, "-", color=colour, alpha=0.7,
                    label=f"{arch}, study: validation" if number == 0 else None)
            ax.plot(curve.epoch, curve.train_top1_err, ":", color=colour, alpha=0.7,
                    label=f"{arch}, study: training (running)" if number == 0 else None)
    for milestone in milestones:
        ax.axvline(milestone + 0.5, color="k", linewidth=0.6, linestyle="--")
    ax.set(xlabel="epoch", ylabel="top-1 error (%)", title="the study's recipe against the shipped network's")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    return fig


def dataset_rows(datasets: dict[str, tuple], mean_input: torch.Tensor, per_row: int = 8) -> plt.Figure:
    """A row of evenly spaced images of each dataset (`datasets`: row label -> (dataset of mean-subtracted
    images and labels, class names)), each titled with its class or, multi-label, its classes."""
    fig, axes = plt.subplots(len(datasets), per_row, figsize=(2 * per_row, 2.3 * len(datasets)), squeeze=False)
    for row, (title, (dataset, classes)) in zip(axes, datasets.items()):
        for ax, index in zip(row, torch.linspace(0, len(dataset) - 1, per_row).round().long().tolist()):
            image, label = dataset[index]
            label = (", ".join(classes[k] for k in label.nonzero().flatten().tolist()) if label.dim()
                     else classes[int(label)])
            show(ax, ((image + mean_input) / 255).permute(1, 2, 0).squeeze(-1).numpy(), label)
        row[0].set_ylabel(title, fontsize=9)
        row[0].axis("on")
        row[0].set(xticks=[], yticks=[])
    fig.tight_layout()
    return fig


def ablation(paper: pd.DataFrame, results: pd.DataFrame, configurations: dict[str, list[str]], profile: str) -> plt.Figure:
    """Table 3 as bars: per architecture (columns), the paper's train and validation top-1 error of each
    change (top) and this run's (bottom: the mean over seeds as a bar, each seed a dot). `paper` is
    indexed by (base, variant); `results` has one row per network (arch, variant, error columns)."""
    fig, axes = plt.subplots(2, len(configurations), figsize=(12, 6.8), sharex="col",
                             gridspec_kw={"width_ratios": [len(v) for v in configurations.values()]})
    colours = {"train": "tab:gray", "validation": "tab:blue"}
    for column, (arch, variants) in enumerate(configurations.items()):
        variants = list(variants)
        published = paper.loc[arch].reindex(variants).reset_index()
        published = published.melt(id_vars="variant", value_vars=["train_top1_err", "val_top1_err"], var_name="set")
        mine = results[results.arch == arch].melt(id_vars="variant", value_vars=["train_top1_err", "val_top1_err"],
                                                 var_name="set")
        for frame in (published, mine):
            frame["set"] = frame["set"].map({"train_top1_err": "train", "val_top1_err": "validation"})
        sns.barplot(published, x="variant", y="value", hue="set", order=variants, palette=colours, errorbar=None,
                    ax=axes[0, column])
        sns.barplot(mine, x="variant", y="value", hue="set", order=variants, palette=colours, errorbar=None,
                    alpha=0.6, ax=axes[1, column])
        with same_jitter():
            sns.stripplot(mine, x="variant", y="value", hue="set", order=variants, palette=colours, dodge=True, size=3,
                          legend=False, ax=axes[1, column])
        axes[0, column].set(title=f"paper: {arch}", ylabel="top-1 error (%)", xlabel="")
        axes[1, column].set(title=f"this run: {arch}-{profile} (bar: mean; dots: seeds)", ylabel="top-1 error (%)",
                            xlabel="")
        axes[1, column].tick_params(axis="x", rotation=45, labelsize=8)
        for ax in axes[:, column]:
            ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def training_images(pictures: torch.Tensor, names: list[str], margin: int, input_size: int,
                    boxes: torch.Tensor | None, columns: int = 8) -> plt.Figure:
    """Stored training images (0-255) titled with their class, the center view dashed and, on the
    scenes, the garment's box (N, 4: top, left, bottom, right) in orange."""
    rows = -(-len(pictures) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2 * columns, 2.2 * rows), squeeze=False)
    for number, (ax, picture, name) in enumerate(zip(axes.flat, pictures, names)):
        show(ax, picture.permute(1, 2, 0).squeeze(-1).numpy() / 255, name)
        ax.add_patch(Rectangle((margin - 0.5, margin - 0.5), input_size, input_size, fill=False, edgecolor="white",
                               lw=1, ls="--"))
        if boxes is not None:
            top, left, bottom, right = boxes[number].tolist()
            ax.add_patch(Rectangle((left - 0.5, top - 0.5), right - left, bottom - top, fill=False, edgecolor="tab:orange",
                                   lw=1.2))
    for ax in axes.flat[len(pictures):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def object_against_context(drops: torch.Tensor) -> plt.Figure:
    """Fig. 7's test of localization: per image (a dot), the mean drop of p(correct class) with the
    square on the context (x) and on the object (y); above the diagonal, the object matters more."""
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    ax.scatter(drops[:, 1], drops[:, 0], s=14)
    limit = float(drops.max()) * 1.05
    ax.plot([0, limit], [0, limit], color="grey", lw=1, ls="--")
    ax.set(xlabel="mean drop of p(correct), square on the context", ylabel="mean drop, square on the object",
           title=f"{len(drops)} test scenes: one dot per image")
    return fig


def garment_pairs(pairs, classes: list[str], shown: int) -> plt.Figure:
    """Fig. 7 (e)'s scenes of two garments (`targets.GarmentPairs`): the first `shown`, each as composed
    and with either garment alone, the garments' boxes outlined with their classes."""
    fig, axes = plt.subplots(2, 3 * ((shown + 1) // 2), figsize=(2.1 * 3 * ((shown + 1) // 2), 4.6), squeeze=False)
    for k in range(shown):
        row, first = divmod(3 * k, axes.shape[1])
        pictures = [("both", pairs.pairs[k, 0], (0, 1)), *((f"{classes[pairs.labels[k, g]]} alone", pairs.alone[k, g, 0], (g,))
                                                            for g in (0, 1))]
        for ax, (title, picture, outlined) in zip(axes[row, first:first + 3], pictures):
            ax.imshow(picture.numpy(), cmap="gray", vmin=0, vmax=255)
            for g in outlined:
                top, left, bottom, right = pairs.boxes[k, g].tolist()
                ax.add_patch(Rectangle((left - 0.5, top - 0.5), right - left, bottom - top, fill=False,
                                       color=("tab:orange", "tab:cyan")[g], lw=1.5))
            ax.set_title(f"scene {k}: {title}" if title == "both" else title, fontsize=9)
            ax.axis("off")
    fig.tight_layout()
    return fig


def methods_grid(rows: list[tuple[str, torch.Tensor]], methods: tuple[str, ...]) -> plt.Figure:
    """One row per activation (label, (1 + methods, C, H, W) tiles in [0, 1]): the input, then each
    method's picture."""
    fig, axes = plt.subplots(len(rows), 1 + len(methods), figsize=(1.6 * (1 + len(methods)), 1.6 * len(rows)),
                             squeeze=False)
    for index, ((label, tiles), ax_row) in enumerate(zip(rows, axes)):
        for ax, tile, title in zip(ax_row, tiles, ("input", *methods)):
            show(ax, tile[0].numpy(), title if index == 0 else "")
        ax_row[0].set_ylabel(label, fontsize=8)
        ax_row[0].axis("on")
        ax_row[0].set(xticks=[], yticks=[])
    fig.tight_layout()
    return fig


def labelled_columns(tiles: torch.Tensor, columns: list[str]) -> plt.Figure:
    """(rows, columns, C, H, W) pictures in [0, 1] as a grid with each column's label above it."""
    rows = len(tiles)
    fig, axes = plt.subplots(rows, len(columns), figsize=(1.6 * len(columns), 1.7 * rows), squeeze=False)
    for r in range(rows):
        for c, label in enumerate(columns):
            show(axes[r, c], tiles[r, c].clamp(0, 1).permute(1, 2, 0).squeeze(-1).numpy(), label if r == 0 else "")
    fig.tight_layout(pad=0.4)
    return fig


def invariance_grid(results: dict, labels: list[str], units: dict[str, str]) -> plt.Figure:
    """Fig. 5's layout: one row per transform (`results`: kind -> `invariance.Curves`), the images at five
    of its steps, then per image (`labels`) the layer-1 and layer-7 distances from the original's features
    and the probability of the true class against the amount; one legend for the images."""
    fig, axes = plt.subplots(len(results), 4, figsize=(14, 3.6 * len(results)), squeeze=False,
                             gridspec_kw={"width_ratios": [1.3, 1, 1, 1]})
    for ax, (row, (kind, result)) in zip(axes, zip("abc", results.items())):
        picks = np.linspace(0, len(result.amounts) - 1, 5).round().astype(int)
        show(ax[0], mosaic(result.pictures[:, picks] / 255), f"({row}) {kind}: " + ", ".join(f"{result.amounts[i]:g}" for i in picks))
        ax[0].title.set_fontsize(10)
        for column, (title, values, ylabel) in enumerate([
                ("layer 1", result.distance["layer 1"], "distance / original's length"),
                ("layer 7", result.distance["layer 7"], "distance / original's length"),
                ("network output", result.true_probability, "p(true class)")], start=1):
            for curve, label in zip(values, labels):
                ax[column].plot(result.amounts, curve, "o-", ms=3, label=label)
            ax[column].set(title=f"({row}) {title}", xlabel=units[kind], ylabel=ylabel)
    fig.legend(*axes[0, 1].get_legend_handles_labels(), loc="lower center", ncol=len(labels), fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def show(ax: plt.Axes, picture: np.ndarray, title: str = "") -> None:
    ax.imshow(picture, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def on_image(ax: plt.Axes, values: torch.Tensor, size: int, stride: int, image_size: int, title: str,
             **imshow) -> plt.AxesImage:
    """An occlusion map (rows, cols) drawn in the image's pixel coordinates: each value at the centre of
    the square it was measured with, the axes spanning the whole image (the border the square's centre
    never reaches stays blank)."""
    rows, cols = values.shape
    left = (size - 1) / 2 - stride / 2  # the first square's centre, less half a step
    shown = ax.imshow(values.cpu().numpy(), extent=(left, left + cols * stride, left + rows * stride, left),
                      interpolation="nearest", **imshow)
    ax.set(xlim=(-0.5, image_size - 0.5), ylim=(image_size - 0.5, -0.5))
    ax.set_title(title, fontsize=10)
    ax.tick_params(labelsize=8)
    return shown


def occlusion_figure(picture: torch.Tensor, fill: torch.Tensor, map_totals: torch.Tensor, followed_map: int,
                     tiles: torch.Tensor, correct: torch.Tensor, top_class: torch.Tensor, truth: int,
                     classes: list[str], size: int, stride: int, title: str) -> plt.Figure:
    """Fig. 7's row for one image, as two rows of panels: (a) the image with the square as used, (b) the
    followed layer-5 map's total activation, (c) its projections (this image's framed, then the
    strongest over other images), (d) p(correct class), (e) the most probable class, each map drawn in
    the image's coordinates. `map_totals`, `correct` (p of class `truth`) and `top_class` are (rows, cols)."""
    image_size = picture.shape[-1]
    fig, axes = plt.subplots(2, 3, figsize=(11, 7.2))
    a, b, c, d, e, legend = axes.flat
    show(a, (picture / 255).permute(1, 2, 0).squeeze(-1).numpy(), f"(a) {title}, the square outlined")
    a.add_patch(Rectangle((stride * 2 - 0.5, stride * 2 - 0.5), size, size, facecolor=str(float(fill.mean()) / 255),
                          edgecolor="red", lw=1.5))
    a.title.set_fontsize(10)
    shown = on_image(b, map_totals, size, stride, image_size, f"(b) layer-5 map {followed_map}: total activation",
                     cmap="viridis")
    fig.colorbar(shown, ax=b, fraction=0.046)
    show(c, grid(contrast_normalized(tiles), 3, gap=2), "(c) projections: this image (framed), others")
    c.title.set_fontsize(10)
    c.add_patch(Rectangle((-0.5, -0.5), tiles.shape[-1], tiles.shape[-1], fill=False, edgecolor="black", lw=2))
    shown = on_image(d, correct, size, stride, image_size, f"(d) p({classes[truth]})",
                     cmap="magma", vmin=0, vmax=1)
    fig.colorbar(shown, ax=d, fraction=0.046)
    on_image(e, top_class, size, stride, image_size, "(e) most probable class", cmap="tab10", vmin=-0.5, vmax=9.5)
    present = top_class.unique().tolist()
    legend.legend(handles=[Rectangle((0, 0), 1, 1, color=plt.cm.tab10(k % 10)) for k in present],
                  labels=[classes[k] for k in present], fontsize=10, loc="center left", title="(e) classes")
    legend.axis("off")
    fig.tight_layout()
    return fig


def accuracy_by_size(paper: pd.DataFrame, results: pd.DataFrame, sizes: list[int], methods: tuple[str, ...],
                     name: str) -> plt.Figure:
    """Accuracy against training images per class (the paper's Fig. 9): the paper's rows at `sizes` on
    the left, this run's methods on the right at every size it measured (`analysis.transfer.compare`'s
    accuracies: the mean over the splits, the band one standard deviation), on one axis."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for _, row in paper.iterrows():
        left.plot(sizes, [row[f"acc_{n}"] for n in sizes], "o-", label=row["method"][:40])
    left.legend(fontsize=8)
    left.set(title="paper", xlabel="training images per class", ylabel="accuracy (%)")
    measured = results[results.method.isin(methods)]
    sns.lineplot(measured, x="per class", y="accuracy", hue="method", hue_order=[m for m in methods if m in set(measured.method)],
                 errorbar="sd", marker="o", ax=right)
    right.set(title=f"this run: {name}", xlabel="training images per class")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


def ap_per_class(paper: pd.DataFrame, ap: pd.DataFrame, labels: tuple[str, ...], name: str) -> plt.Figure:
    """Table 6 as bars: AP per class of the three methods, the paper's classes (left) and this run's
    (right), on one 0-100 axis."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), sharey=True, gridspec_kw={"width_ratios": [len(paper), len(ap) + 2]})
    for ax, table, title, names in zip(axes, (paper, ap), ("paper: PASCAL VOC 2012", f"this run: {name}"),
                                       (labels, list(ap.columns))):
        for offset, column, label in zip((-0.27, 0, 0.27), table.columns, names):
            ax.bar(np.arange(len(table)) + offset, table[column], 0.27, label=label)
        ax.set_xticks(range(len(table)), table.index, rotation=60, ha="right", fontsize=9)
        ax.set(title=title, ylim=(0, 100))
        ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.08), ncol=3, frameon=False)
    axes[0].set_ylabel("average precision (%)")
    fig.tight_layout()
    return fig


def atlas_page(projections: torch.Tensor, patches: torch.Tensor, channels: list[int], per_row: int = 4) -> plt.Figure:
    """The feature atlas's layout: for every feature map, its top-k projections (left block, contrast
    normalized) beside the image patches they come from (right block, pixels in 0-255), titled with the
    map's number. `projections` and `patches` are (maps, k, C, H, W)."""
    rows = -(-len(channels) // per_row)
    fig, axes = plt.subplots(rows, per_row, figsize=(2.8 * per_row, 1.75 * rows + 0.3), squeeze=False)
    for ax, channel, projected, patch in zip(axes.flat, channels, contrast_normalized(projections), patches / 255):
        show(ax, feature_blocks(torch.stack([projected, patch.clamp(0, 1)]), 2),
             f"map {channel}: projections | patches")
        ax.title.set_fontsize(8)
    for ax in axes.flat[len(channels):]:
        ax.axis("off")
    fig.tight_layout(pad=0.3)
    return fig
