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
claims_dir: Optional[str] = None  # where the claims go for the scorecard (the book passes it); None: build/claims

# %%
import matplotlib.pyplot as plt
import pandas as pd
import torch

from zfcompanion import checkpoints, models, plots
from zfcompanion.analysis import filters
from zfcompanion.chapter import Chapter
from zfcompanion.claims import fig6 as fig6_claims

# %%
chapter = Chapter.start("fig6", globals())
names = {"ZF, no clipping": "zf-noclip", "AlexNet": "alexnet", "ZF": "zf"}
networks = {label: chapter.model(folder) for label, folder in names.items()}
splits = chapter.splits
sample = chapter.inputs(range(min(2000, len(splits.val))), splits.val)
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
dominance = {label: filters.dominance(model.features[0]) for label, model in networks.items()}  # with an interval
layer1 = pd.DataFrame({
    label: {"largest / median filter RMS": dominance[label].mean,
            f"dead maps (active < {dead_below:.0%})": int((filters.active_fraction(model.features, 1, sample) < dead_below).sum()),
            "filter energy the stride aliases (%)": 100 * float(filters.aliased_energy(model.features[0]).mean())}
    for label, model in networks.items()}).T
layer1.round(2)

# %% [markdown]
# ### The filters' high frequencies, against untrained filters
#
# Random filters spread their energy over every frequency, most of it high, so any untrained filter
# has most of its energy above a stride's Nyquist frequency, and that share moves with the stride.
# Both networks are therefore measured in the same bands, trained and at their initial weights (the
# profile's initialization, drawn with `seed`): above the Nyquist frequency of AlexNet's stride (1/8
# cycle per pixel at stride 4), and in the middle third of the frequencies, which Section 4.1 says
# AlexNet's filters barely cover. What training did to each network is the change from its untrained
# column to its trained one.

# %%
stride, mid = networks["AlexNet"].features[0].stride[0], (1 / 6, 1 / 3)  # mid: the middle third of 0 to 1/2 cycle per pixel
untrained = {label: models.reinitialized(networks[label].features, chapter.profile.init_std, seed).to(chapter.device)
             for label in ("AlexNet", "ZF")}  # the control: the same networks at their initial weights
first_layers = {label: {"": networks[label].features[0], "_untrained": untrained[label][0]} for label in ("AlexNet", "ZF")}
band_energy = {f"{label.lower()}{weights}": (100 * filters.aliased_energy(conv, stride=stride).double()).tolist()
               for label, convs in first_layers.items() for weights, conv in convs.items()}
mid_energy = {f"{label.lower()}{weights}": (100 * filters.band_energy(conv, *mid).double()).tolist()
              for label, convs in first_layers.items() for weights, conv in convs.items()}
pd.DataFrame({f"{label}, {'trained' if not weights else 'untrained'}": {
    f"above 1/{2 * stride} cycle per pixel (%)": sum(band_energy[key]) / len(band_energy[key]),
    "from 1/6 to 1/3 cycle per pixel (%)": sum(mid_energy[key]) / len(mid_energy[key])}
    for label in ("AlexNet", "ZF") for weights in ("", "_untrained") for key in [f"{label.lower()}{weights}"]}).round(1)

# %% [markdown]
# **What this run shows.** (a) and (c) look alike because both networks start from the same initial
# weights (the same seed) and differ only in the clipping; the bars under them show its effect on the
# filters' scale. No filter dominates here, with clipping or without: the largest filter's
# RMS is within a factor of about one and a half of the median in all three networks, far from the
# single dominant filter of the paper's (a). Inputs scaled to the mean-subtracted 0–255 range of grey
# garments do not drive the weights the way the paper's colour images did. Neither network has dead
# first-layer maps. Each network's own stride puts most of AlexNet-mini's filter energy above the
# frequency its output grid can carry and less of ZF-mini's, but that comparison moves with the
# stride: untrained filters would show it too. In one band, above 1/8 cycle per pixel, and against
# the same filters untrained (about 93 % for both), training took more energy out of AlexNet-mini's
# filters than out of ZF-mini's: AlexNet-mini's trained filters hold less in that band, not more.

# %% [markdown]
# ## (d), (e) Layer 2, projected: AlexNet's against ZF's
#
# The top 9 activations of a seeded random subset of layer-2 maps over the validation images,
# projected with the deconvnet and cut to the receptive field. The aliasing the paper saw is a grid at
# the first layer's stride; its measure is the share of a projection's energy at that grid's
# frequency and its harmonics (AlexNet's stride of 4 pixels: 1/4 and 1/2 cycle per pixel), over the
# top activation of every live layer-2 map, leaving out the 1/2 cycle per pixel that ZF's own stride
# of 2 makes, so that the measure is not biased against ZF.

# %%
generator = torch.Generator().manual_seed(seed)
views_of = {label: filters.layer2_views(networks[label].features, splits.val, maps_shown, generator,
                                        chapter.profile.input_size, splits.mean_image, stride,
                                        networks["ZF"].features[0].stride[0], device)
            for label in ("AlexNet", "ZF")}
fig, axes = plt.subplots(1, 2, figsize=(12, 3.6))
for ax, (label, (result, _)), panel in zip(axes, views_of.items(), "de"):
    plots.show(ax, plots.feature_blocks(plots.contrast_normalized(result.projections), 3), f"({panel}) {label}: layer 2")
fig.tight_layout()
plt.show()

# %%
untrained_grid = {label: filters.layer2_views(untrained[label], splits.val, maps_shown, generator, chapter.profile.input_size,
                                             splits.mean_image, stride, networks["ZF"].features[0].stride[0], device)[1]
                  for label in ("AlexNet", "ZF")}
pd.DataFrame({"trained": {label: sum(energy) / len(energy) for label, (_, energy) in views_of.items()},
              "untrained": {label: sum(energy) / len(energy) for label, energy in untrained_grid.items()}}
             ).round(2).rename_axis(f"energy at the {stride}-pixel grid (%), mean over maps")

# %% [markdown]
# **What this run shows.** AlexNet-mini's layer-2 projections are busier than ZF-mini's, with parallel
# stripes and clutter around the strokes, much as the paper's (d) against (e). The measure of the
# aliasing, the energy of each map's strongest projection at 1/4 cycle per pixel, does not confirm it:
# it is small for both and slightly higher for ZF. Against the same networks untrained, whose
# projections hold about the same share, training lowered AlexNet-mini's and raised ZF-mini's. So the
# claim on (d) and (e) is not reproduced by the number, though the pictures lean the paper's way; the
# aliasing of the first layer's filters (above) is clear.

# %% [markdown]
# ## (a) through training
#
# The paper saw the dominance "during training". Both ZF-mini runs keep their weights at the epochs
# Fig. 4 shows, so the largest over the median filter RMS can be followed through training, each
# with a bootstrap interval over the filters (wide where the ratio rests on one outsize filter).

# %%
dominance_by_epoch = {label: {epoch: filters.dominance(model.features[0]) for epoch, model in chapter.snapshots(names[label]).items()}
                      for label in ("ZF, no clipping", "ZF")}
fig, ax = plt.subplots(figsize=(7, 3.5))
for label, found in dominance_by_epoch.items():
    epochs = sorted(found)
    ax.errorbar(epochs, [found[e].mean for e in epochs], capsize=3, fmt="o-", label=label,
                yerr=[[found[e].mean - found[e].low for e in epochs], [found[e].high - found[e].mean for e in epochs]])
ax.axhline(fig6_claims.DOMINANT, color="grey", linestyle=":", label="the rule's threshold")
ax.set(xlabel="epoch", ylabel="largest / median filter RMS", ylim=(0, None))
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# **What this run shows.** After the first epoch both runs have a largest filter about one and a half
# times the median. With clipping the ratio then falls towards 1 as the filters reach the clipping
# radius and are held there; without it, it stays near one and a half for the whole of training,
# its interval never reaching 2. Clipping keeps the filters' scales together, as the paper intends,
# but the unclipped run's filters do not run away: no filter dominates at any snapshot.

# %% [markdown]
# ## The paper's claims, checked on this run
#
# > *Visualization of the first layer filters during training reveals that a few of them dominate [...]
# > To combat this, we renormalize each filter in the convolutional layers whose RMS value exceeds a
# > fixed radius of 10⁻¹ to this fixed radius. This is crucial, especially in the first layer of the
# > model* — Section 3. *The first layer filters are a mix of extremely high and low frequency
# > information, with little coverage of the mid frequencies.* — Section 4.1
#
# Each claim names what it is measured on. Dominance, at the end and through training, is judged by
# its interval over the filters, against the clipped run as the control; whether clipping is crucial
# compares the validation error of networks trained without and with it, and one network of each
# kind gives no estimate of the noise between networks.

# %%
dead = layer1[f"dead maps (active < {dead_below:.0%})"]
dead_untrained = int((filters.active_fraction(untrained["AlexNet"], 1, sample) < dead_below).sum())
first_stride = {label: model.features[0].stride[0] for label, model in networks.items()}
val_error = {folder: [error] if (error := checkpoints.entry(chapter.checkpoint(folder))["metrics"].get("val_top1_err")) is not None
             else [] for folder in ("zf-noclip", "zf")}  # a run that records no validation error gives none

# %%
claims = [
    fig6_claims.one_feature_dominates(dominance["ZF, no clipping"], dominance["ZF"]),
    fig6_claims.fewer_dead_features(int(dead["AlexNet"]), int(dead["ZF"]), dead_untrained, first_stride["AlexNet"]),
    fig6_claims.less_aliasing(**band_energy, alexnet_stride=stride),
    fig6_claims.alexnet_misses_mid_frequencies(**mid_energy, band=mid),
    fig6_claims.dominates_during_training(dominance_by_epoch["ZF, no clipping"], dominance_by_epoch["ZF"]),
    fig6_claims.clipping_crucial(val_error["zf-noclip"], val_error["zf"]),
    fig6_claims.cleaner_layer2(views_of["AlexNet"][1], views_of["ZF"][1], untrained_grid["AlexNet"], untrained_grid["ZF"], stride,
                               first_stride["ZF"]),
]
chapter.report(claims, caveat="one trained network of each kind")

# %% [markdown]
# At the mini scale both networks have the paper's first layers (AlexNet-mini 11×11 at stride 4,
# ZF-mini 7×7 at stride 2) on 64×64 crops, so every claim of the caption can be tested. The filters'
# spectra are this project's reading of Section 4.1, not a sentence of the paper (which sees the
# aliasing in layer 2): measured in one band for both networks and against untrained filters, and
# kept apart from the paper's claims on the scorecard. Whether that leaves dead maps or a visible grid in layer 2
# is read off the tables above: on these grey 64-pixel scenes, trained for 24 epochs, a first-layer
# map that never fires and layer-2 projections dominated by the stride's grid need not appear, and
# where they do not, the claim is not reproduced rather than excused. The unclipped network trained
# for the same 24 epochs as the others. Where a claim is not reproduced, that is the finding of this
# run, not a flaw hidden by a softer test.
