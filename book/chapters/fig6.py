# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Fig. 6 — Architecture selection
#
# > *(a): 1st layer features without feature scale clipping. Note that one feature dominates. (b):
# > 1st layer features from (Krizhevsky et al., 2012). (c): Our 1st layer features. The smaller
# > stride (2 vs 4) and filter size (7x7 vs 11x11) results in more distinctive features and fewer
# > "dead" features. (d): Visualizations of 2nd layer features from (Krizhevsky et al., 2012). (e):
# > Visualizations of our 2nd layer features. These are cleaner, with no aliasing artifacts that are
# > visible in (d).*
# > — Zeiler & Fergus (2014), Fig. 6
#
# Zeiler and Fergus chose their architecture by looking at Krizhevsky et al.'s. Its first layer, 11×11
# filters at stride 4, is "a mix of extremely high and low frequency information, with little coverage
# of the mid frequencies", with dead features, and its layer 2 shows "aliasing artifacts caused by the
# large stride 4 used in the 1st layer convolutions" (Section 4.1). Panel (a) is about their own
# network: trained without feature-scale clipping, "a few of them dominate" (Section 3). Fig. 3's network uses 7×7 filters at
# stride 2 instead. The mini networks keep the paper's first layers (AlexNet-mini 11×11 at stride 4,
# ZF-mini 7×7 at stride 2, on 64×64 crops), and this chapter puts their filters and layer-2
# projections side by side, with a number for each thing the caption points at
# (`zfcompanion.analysis.filters`).

# %% tags=["parameters"]
from typing import Optional

profile: str = "mini"
checkpoint_dir: str = "../../data/checkpoints/mini"
data_dir: Optional[str] = None
device: str = "cpu"
seed: int = 0
maps_shown: int = 6  # layer-2 feature maps shown per network in (d) and (e)
dead_below: float = 0.01  # a layer-1 map positive at fewer than this fraction of positions is dead

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import torch

from zfcompanion import checkpoints, data, models, parameters, plots, report
from zfcompanion.analysis import filters, topk
from zfcompanion.claims import fig6 as fig6_claims
from zfcompanion.evaluation import views

run_profile = parameters.check(globals())
names = {"ZF, no clipping": "zf-noclip", "AlexNet": "alexnet", "ZF": "zf"}
networks = {label: checkpoints.load_model(Path(checkpoint_dir) / folder / "final.pt")[0].to(device)
            for label, folder in names.items()}
splits = data.pretraining_splits(run_profile, data_dir)
sample = views(topk.stored_batch(splits.val, range(min(2000, len(splits.val)))), run_profile.input_size, 1)[0].to(device)
for label, model in networks.items():
    conv = model.features[0]
    print(f"{label}: layer 1 has {conv.out_channels} filters of {conv.kernel_size[0]}×{conv.kernel_size[1]} at stride {conv.stride[0]}")

# %% [markdown]
# ## (a) Does a filter dominate without feature-scale clipping? (b), (c) AlexNet's and ZF's layer 1
#
# Each filter is shown at its own contrast, so the bars under the pictures give the scale: the RMS of
# each filter's weights, sorted. Clipping holds every filter at or under the profile's limit; without
# it, in the paper, one grew far past the rest: the left-hand bars show whether one does here.

# %%
fig, axes = plt.subplots(2, 3, figsize=(12, 5.5), gridspec_kw={"height_ratios": [2, 1]})
for column, (label, model) in enumerate(networks.items()):
    conv = model.features[0]
    weights = conv.weight.detach().cpu()
    plots.show(axes[0, column], plots.grid(plots.contrast_normalized(weights), 8),
               f"({'abc'[column]}) {label}: layer-1 filters")
    axes[1, column].bar(range(len(weights)), filters.filter_rms(conv).sort(descending=True).values.cpu())
    axes[1, column].set(xlabel="filter, by RMS", ylabel="RMS", ylim=(0, None))
fig.tight_layout()
plt.show()

# %%
layer1 = pd.DataFrame({
    label: {"largest / median filter RMS": filters.dominance(model.features[0]),
            f"dead maps (active < {dead_below:.0%})": int((filters.active_fraction(model.features, 1, sample) < dead_below).sum()),
            "filter energy the stride aliases (%)": 100 * float(filters.aliased_energy(model.features[0]).mean())}
    for label, model in networks.items()}).T
layer1.round(2)

# %% [markdown]
# ## (d), (e) Layer 2, projected: AlexNet's against ZF's
#
# The top 9 activations of a seeded random subset of layer-2 maps over the validation images,
# projected with the deconvnet and cut to the receptive field. The aliasing the paper saw is a grid at
# the first layer's stride; its measure is the share of a projection's energy at that grid's
# frequency and its harmonics (AlexNet's stride of 4 pixels: 1/4 and 1/2 cycle per pixel), over the
# top activation of every live layer-2 map.

# %%
stride = networks["AlexNet"].features[0].stride[0]
fig, axes = plt.subplots(1, 2, figsize=(12, 3.6))
grid_energy = {}
generator = torch.Generator().manual_seed(seed)
for ax, label, panel in zip(axes, ["AlexNet", "ZF"], "de"):
    features = networks[label].features
    layer = models.feature_map_layers(features)[1]
    top = topk.mine(features, splits.val, [layer], 9, run_profile.input_size, device=device)[layer]
    live = (top.values[:, 0] > 0).nonzero().flatten().tolist()
    shown = sorted(torch.tensor(live)[torch.randperm(len(live), generator=generator)[:maps_shown]].tolist())
    result = topk.project_top(features, splits.val, top, layer, shown, run_profile.input_size, splits.mean_image, device)
    plots.show(ax, plots.feature_blocks(plots.contrast_normalized(result.projections), 3), f"({panel}) {label}: layer 2")
    strongest = topk.project_top(features, splits.val, top.strongest(1), layer, live, run_profile.input_size,
                                 splits.mean_image, device)
    grid_energy[label] = (100 * filters.stride_grid_energy(strongest.projections[:, 0], stride, size=32)).tolist()
fig.tight_layout()
plt.show()
layer2 = pd.Series({label: sum(v) / len(v) for label, v in grid_energy.items()}, name=f"energy at the {stride}-pixel grid (%), mean over maps")
layer2.round(2).to_frame()

# %% [markdown]
# ## The paper's claims, checked on this run

# %%
dead = layer1[f"dead maps (active < {dead_below:.0%})"]
first_stride = {label: model.features[0].stride[0] for label, model in networks.items()}
claims = [
    fig6_claims.one_feature_dominates(layer1.loc["ZF, no clipping", "largest / median filter RMS"],
                                      layer1.loc["ZF", "largest / median filter RMS"]),
    fig6_claims.fewer_dead_features(int(dead["AlexNet"]), int(dead["ZF"]), first_stride["AlexNet"]),
    fig6_claims.less_aliasing(*(100 * filters.aliased_energy(networks[label].features[0]).double() for label in ("AlexNet", "ZF")),
                              first_stride["ZF"]),
    fig6_claims.cleaner_layer2(grid_energy["AlexNet"], grid_energy["ZF"], stride),
]
report.report_claims("fig6", claims, run_profile.name, caveats=(run_profile.caveat, "one trained network of each kind"))

# %% [markdown]
# At the mini scale both networks have the paper's first layers (AlexNet-mini 11×11 at stride 4,
# ZF-mini 7×7 at stride 2) on 64×64 crops, so every claim of the caption can be tested. The filters'
# spectra measure what the paper describes: how much of each network's first-layer filter energy lies
# above its output grid's Nyquist frequency. Whether that leaves dead maps or a visible grid in layer 2
# is read off the tables above: on these grey 64-pixel scenes, trained for 24 epochs, a first-layer
# map that never fires and layer-2 projections dominated by the stride's grid need not appear, and
# where they do not, the claim is not reproduced rather than excused. The unclipped network trained
# for the same 24 epochs as the others. Where a claim is not reproduced, that is the finding of this
# run, not a flaw hidden by a softer test.
