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
# # Fig. 2 — Visualization of features in a fully trained model
#
# > *Visualization of features in a fully trained model. For layers 2-5 we show the top 9
# > activations in a random subset of feature maps across the validation data, projected down to
# > pixel space using our deconvolutional network approach. Our reconstructions are *not* samples
# > from the model: they are reconstructed patterns from the validation set that cause high
# > activations in a given feature map. For each feature map we also show the corresponding image
# > patches. Note: (i) the strong grouping within each feature map, (ii) greater invariance at
# > higher layers and (iii) exaggeration of discriminative parts of the image, e.g. eyes and noses
# > of dogs (layer 4, row 1, cols 1).*
# > — Zeiler & Fergus (2014), Fig. 2
#
# The deconvnet (`zfcompanion.deconvnet`) takes one activation of a trained network back to pixel
# space: every other activation of its layer is set to zero, and the signal goes down through the
# same layers, unpooled with the switches that the forward pass recorded, rectified, and filtered with
# the transposed filters. The result shows which structure in the input excited that unit. This
# chapter mines, in one pass over the validation images, the 9 strongest activations of every feature
# map of layers 1–5 (`zfcompanion.analysis.topk`), projects those of a random subset of maps, and cuts
# both the projection and the image patch to the unit's receptive field, in the paper's layout.

# %% tags=["parameters"]
from typing import Optional

profile: str = "mini"
checkpoint_dir: str = "../../data/checkpoints/mini"
data_dir: Optional[str] = None
device: str = "cpu"
seed: int = 0
network: str = "zf"  # the folder under checkpoint_dir of the network studied (README: torchvision's AlexNet)
maps_per_layer: int = 6  # the random subset of feature maps shown per layer
k: int = 9  # activations per feature map, as the paper
measured_maps: int = 32  # live feature maps per layer (a seeded sample) that the grouping measures use
random_groups: int = 100  # groups of 9 random patches per layer, the measures' chance level

# %%
import copy
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import torch

from zfcompanion import data, models, parameters, plots, report
from zfcompanion.analysis import grouping, topk
from zfcompanion.claims import fig2 as fig2_claims
from zfcompanion.receptive_field import receptive_fields

run_profile = parameters.check(globals())
features, splits, layers, top = topk.mine_checkpoint(Path(checkpoint_dir) / network / "final.pt", run_profile, data_dir, k, device)
images, targets = splits.val, data.labels(splits.val)
fields = receptive_fields(features)
print(f"Mined the top {k} activations of every feature map of layers 1-5 over {len(images)} validation images.")

# %% [markdown]
# A feature map that never fires on the validation set is dead: it has nothing to show. The random
# subset is drawn from the live maps, with this chapter's seed.

# %%
generator = torch.Generator().manual_seed(seed)
chosen, dead = {}, {}
for number, layer in enumerate(layers, start=1):
    live = (top[layer].values[:, -1] > 0).nonzero().flatten()
    dead[number] = len(top[layer].values) - len(live)
    chosen[number] = sorted(live[torch.randperm(len(live), generator=generator)[:maps_per_layer]].tolist())
projected = {number: topk.project_top(features, images, top[layer], layer, chosen[number], run_profile.input_size,
                                      splits.mean_image, device)
             for number, layer in enumerate(layers, start=1)}
pd.DataFrame({"feature maps": [len(top[layer].values) for layer in layers], "dead": list(dead.values()),
              "receptive field (pixels)": [fields[layer].size for layer in layers],
              "maps shown": [", ".join(map(str, chosen[n])) for n in chosen]},
             index=[f"layer {n}" for n in chosen])

# %% [markdown]
# ## Layer 1's filters
#
# At layer 1 the projection of a unit is its filter, scaled; the paper shows the filters themselves.

# %%
conv1 = features[0].weight.detach().cpu()
columns = 16
fig, ax = plt.subplots(figsize=(8, 0.6 * -(-len(conv1) // columns) + 0.4))
plots.show(ax, plots.grid(plots.contrast_normalized(conv1), columns), f"all {len(conv1)} layer-1 filters")
plt.show()

# %% [markdown]
# ## The top 9 of a random subset of feature maps, layers 1–5
#
# Left: each map's 9 strongest activations projected to pixel space (grey is zero). Right: the image
# patches under the same receptive fields. Each block of 3 × 3 is one feature map.

# %%
fig, axes = plt.subplots(len(layers), 2, figsize=(11, 2.6 * len(layers)))
for (number, result), (left, right) in zip(projected.items(), axes):
    plots.show(left, plots.feature_blocks(plots.contrast_normalized(result.projections), 3),
               f"layer {number}: projections")
    plots.show(right, plots.feature_blocks(result.patches / 255, 3), f"layer {number}: image patches")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Grouping and invariance, measured
#
# Two numbers per layer, over up to `measured_maps` live feature maps per layer (a seeded sample, not
# only the ones shown), each against 9 patches drawn from random images at random positions of the
# same layer:
#
# - **class agreement**: the fraction of a map's top 9 images that belong to their most common class;
# - **appearance similarity**: the mean correlation between the pixels of every pair of its 9 patches.
#
# Mining alone groups patches: any filter, even a random one, picks the 9 patches that match it best,
# and those resemble each other. So the same numbers are also measured on the same network untrained
# (the paper's initialization, this chapter's seed): what training adds is the gap above that baseline.

# %%
torch.manual_seed(seed)
untrained = copy.deepcopy(features).cpu()
models.init_weights(untrained, run_profile.init_std)
untrained = untrained.to(device)
untrained_top = topk.mine(untrained, images, layers, k, run_profile.input_size, device=device)
per_map = {}  # measure -> layer -> one value per measured map (or per random group)
for number, layer in enumerate(layers, start=1):
    measured = {}
    for name, network, mined in (("top 9", features, top), ("untrained top 9", untrained, untrained_top)):
        live = (mined[layer].values[:, -1] > 0).nonzero().flatten()
        live = live[torch.randperm(len(live), generator=generator)[:measured_maps]].sort().values
        patches = topk.patches(network, images, mined[layer], layer, live.tolist(), run_profile.input_size,
                               splits.mean_image)
        measured[f"class agreement, {name}"] = grouping.class_agreement(targets[mined[layer].images[live]])
        measured[f"appearance similarity, {name}"] = grouping.pairwise_correlation(patches)
    random_labels, random_patches = grouping.random_groups(images, targets, random_groups, k, fields[layer], top[layer].map_size,
                                                           run_profile.input_size, splits.mean_image, seed)
    measured["class agreement, random 9"] = grouping.class_agreement(random_labels)
    measured["appearance similarity, random 9"] = grouping.pairwise_correlation(random_patches)
    for measure, values in measured.items():
        per_map.setdefault(measure, {})[number] = values.tolist()
rows = [{"layer": number, **{measure: sum(values[number]) / len(values[number]) for measure, values in per_map.items()}}
        for number in per_map["class agreement, top 9"]]
measures = pd.DataFrame(rows).set_index("layer")
measures.round(2) + 0.0  # + 0.0 turns -0.0 into 0.0

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
for ax, measure in ((left, "class agreement"), (right, "appearance similarity")):
    ax.plot(measures.index, measures[f"{measure}, top 9"], "o-", label="top 9 of a feature map")
    ax.plot(measures.index, measures[f"{measure}, untrained top 9"], "^:", color="tab:orange", label="top 9, untrained network")
    ax.plot(measures.index, measures[f"{measure}, random 9"], "s--", color="grey", label="9 random patches")
    ax.set_xlabel("layer")
    ax.set_title(measure)
    ax.set_xticks(measures.index)
left.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Parts or whole objects?
#
# The scenes record each garment's box, so for each map's top 9 one can ask how much of the garment a
# patch holds: near 1 the patches are whole garments, well below 1 they are parts. (Datasets without
# object boxes skip this.)

# %%
boxes = data.input_boxes(images, run_profile)
if boxes is None:
    print("This dataset records no object boxes.")
else:
    shares = {f"layer {number}": grouping.object_share(top[layer], fields[layer], boxes, run_profile.input_size)
              for number, layer in enumerate(layers, start=1)}
    parts = pd.DataFrame({"receptive field (px)": [fields[layer].size for layer in layers],
                          "share of the garment in a top-9 patch, median over maps": [float(v.median()) for v in shares.values()],
                          "maps whose patches hold under half the garment": [f"{float((v < 0.5).double().mean()):.0%}" for v in shares.values()]},
                         index=list(shares))
    print(parts.round(2).to_string())

# %% [markdown]
# ## The paper's claims, checked on this run
#
# The paper's figure is a picture whose message is in its caption: (i) strong grouping within each
# feature map, (ii) greater invariance at higher layers; Section 4 adds that layer 4 "is more
# class-specific", and Section 6 speaks of "class discrimination as we ascend the layers". Grouping means a map's top 9 resemble each other more than 9 random patches do, and
# more than an untrained network's top 9 do, at every layer whose receptive field lies inside the
# image (each measured map and each random group is one repeat). Class-specificity means class
# agreement rises with the layer; invariance means the top 9 of a higher layer look less alike in their
# pixels, a trend measured only over layers whose receptive field lies inside the image (a field that
# covers the image cuts whole images, not parts). Claim (iii), the exaggeration of discriminative
# parts, is a judgement about pictures that this chapter leaves to the reader. The rules are
# `zfcompanion.claims.fig2`.

# %%
field_sizes = {number: fields[layer].size for number, layer in enumerate(layers, start=1)}
claims = [
    fig2_claims.grouping(per_map["appearance similarity, top 9"], per_map["appearance similarity, random 9"],
                         per_map["appearance similarity, untrained top 9"], field_sizes, run_profile.input_size),
    fig2_claims.class_specific(per_map["class agreement, top 9"]),
    fig2_claims.invariance(per_map["appearance similarity, top 9"], field_sizes, run_profile.input_size),
]
report.report_claims("fig2", claims, run_profile.name, caveats=(run_profile.caveat, f"up to {measured_maps} maps per layer"))
