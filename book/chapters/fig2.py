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
# map of layers 1–5 (`zfcompanion.topk`), projects those of a random subset of maps, and cuts
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
claims_dir: Optional[str] = None  # where the claims go for the scorecard (the book passes it); None: build/claims

# %%

import matplotlib.pyplot as plt
import pandas as pd
import torch
from IPython.display import display

from zfcompanion import data, models, plots, topk
from zfcompanion.analysis import attribution, grouping
from zfcompanion.chapter import Chapter
from zfcompanion.claims import fig2 as fig2_claims
from zfcompanion.receptive_field import receptive_fields

# %%
chapter = Chapter.start("fig2", globals())
features, splits, layers, top = topk.mine_checkpoint(chapter.checkpoint(), chapter.profile, data_dir, k, device)
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
    live = top[layer].live_in_all_k()
    dead[number] = len(top[layer].values) - len(live)
    chosen[number] = sorted(live[torch.randperm(len(live), generator=generator)[:maps_per_layer]].tolist())
projected = {number: topk.project_top(features, images, top[layer], layer, chosen[number], chapter.profile.input_size,
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
# **What this run shows.** The filters are small grey patterns, most of them an oriented edge or bar,
# light against dark, some a blob or a corner: the kind of first layer the paper shows, in grey rather
# than colour because the garments are grey, and coarse because each is 7 pixels across.

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
# **What this run shows.** At layer 1 the nine projections of a map are one picture, its filter (a
# layer-1 projection is the filter times the activation), and the patches all hold the same edge. At
# layer 2 the projections are short edges and corners taken from garment outlines, and the patches are
# those corners against the background. From layer 3 up the receptive fields span most of the 64-pixel
# crop, so the patches are whole garments, and a map's nine are mostly of one or two classes: a map of
# boots, one of shirts, one of sandals. Their projections trace the garment's outline and a few of its
# inner edges, and leave out the clutter around it; that is the paper's point (iii) in this world:
# what the network keeps is what tells the classes apart. The paper's parts of objects (dog faces at
# layer 4) have no counterpart here: a garment fills a layer-3 field already, as the table under
# "Parts or whole objects?" measures.

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
untrained = models.reinitialized(features, chapter.profile.init_std, seed).to(device)
untrained_top = topk.mine(untrained, images, layers, k, chapter.profile.input_size, device=device)
per_map = grouping.measures({"top 9": (features, top), "untrained top 9": (untrained, untrained_top)}, images, targets,
                            fields, measured_maps, random_groups, generator, chapter.profile.input_size,
                            splits.mean_image, seed)
measures = grouping.layer_means(per_map)
measures.round(2) + 0.0  # + 0.0 turns -0.0 into 0.0

# %% [markdown]
# **What this run shows.** Training raises class agreement at every layer, from a little above the
# untrained network's level at layer 1 to nearly one class per map at layer 5, well above nine random
# patches. Appearance similarity tells another story. The trained top 9 resemble each other far more
# than random patches at layers 1 to 3, hardly more at layer 4, and no more at layer 5, whose field
# covers the whole crop. Against an untrained network's top 9 they are a little more alike at layers 1
# and 2, and alike or less alike from layer 3 up. Mining alone makes the nine look alike (any filter
# picks the patches that match it best), so most of the grouping the pictures show is the method's,
# not the training's, and the grouping claim below is inconclusive. The fall of similarity with the layer,
# read as invariance, has the same caveat: the untrained network's similarity falls with the layer
# too, if less steeply. So the invariance claim below is judged on the difference: from layer 1 to
# layer 4 the trained network's similarity falls more steeply than the untrained network's (the claim
# below gives both falls), and only that excess is credited to training.

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
for ax, measure in ((left, "class agreement"), (right, "appearance similarity")):
    ax.plot(measures.index, measures[(measure, "top 9")], "o-", label="top 9 of a feature map")
    ax.plot(measures.index, measures[(measure, "untrained top 9")], "^:", color="tab:orange", label="top 9, untrained network")
    ax.plot(measures.index, measures[(measure, "random 9")], "s--", color="grey", label="9 random patches")
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
boxes = data.input_boxes(images, chapter.profile)
if boxes is None:
    print("This dataset records no object boxes.")
else:
    shares = {f"layer {number}": grouping.object_share(top[layer], fields[layer], boxes, chapter.profile.input_size)
              for number, layer in enumerate(layers, start=1)}
    parts = pd.DataFrame({"receptive field (px)": [fields[layer].size for layer in layers],
                          "share of the garment in a top-9 patch, median over maps": [float(v.median()) for v in shares.values()],
                          "maps whose patches hold under half the garment": [f"{float((v < 0.5).double().mean()):.0%}" for v in shares.values()]},
                         index=list(shares))
    display(parts.round(2))

# %% [markdown]
# **What this run shows.** Layer 1's and layer 2's patches hold small parts of a garment (an edge, a
# corner); from layer 3 on, a patch holds nearly the whole garment. The jump comes with the receptive
# field, which grows from under a third of the crop to most of it between layers 2 and 3.

# %% [markdown]
# ## The projections against what the switches alone draw
#
# The deconvnet takes each picture down through the image's own max-pool switches, and Mahendran &
# Vedaldi (2016) and Nie et al. (2018) showed that the switches alone recover much of the image,
# whatever the filters above them. So the control for "a map's projections look alike" projects the
# same nine activations again with the image's switches but random filters on the way down (`DeconvNet(features, down=...)`): what is left of the likeness is the switches'. Each map
# is paired with itself. A layer-1 projection is its filter whatever the image, so layer 1's nine are
# alike by construction and are not judged. The same maps' patches are measured alike, and, where the
# scenes record each garment's box, so is the share of each picture's energy that falls on the garment
# (the part of the scene that tells the class; the clutter around it carries none) against the share
# of the field the garment covers.

# %%
switches_only = attribution.randomized(features, 1, seed).to(device)
boxes = data.input_boxes(images, chapter.profile)


def projection_alike(network, control, mined) -> dict[str, dict[int, list[float]]]:
    return grouping.projection_measures(network, control, images, mined, measured_maps, torch.Generator().manual_seed(seed),
                                        chapter.profile.input_size, splits.mean_image, boxes, device)


alike = {"trained": projection_alike(features, switches_only, top), "untrained": projection_alike(untrained, None, untrained_top)}
judged = {name: {measure: {n: v for n, v in by_layer.items() if n > 1} for measure, by_layer in by_measure.items()}
          for name, by_measure in alike.items()}  # layer 1 is not judged
field_sizes = {number: fields[layer].size for number, layer in enumerate(layers, start=1)}
grouping.layer_means({**alike["trained"], **{f"{m}, untrained": v for m, v in alike["untrained"].items() if "object" in m}}).round(2) + 0.0

# %% [markdown]
# **What this run shows.** At layer 2 a map's nine projections are more alike than the switches alone
# make them: the learned filters add a shape the nine share. From layer 3 up the nine projections
# hardly correlate pixel by pixel, nor do the switches-only pictures: the garments sit at different
# places in fields that cover most of the crop, and this measure is at its floor, so it cannot say
# whether the projections look alike there. Where it can, at layer 2, the projections vary more than
# their patches, not less as the paper saw; patches of the same garment edge share their brightness,
# which sparse signed pictures do not. Where the pictures put their energy is clearer: from layer 2 up,
# most of a projection's energy lies on the garment, well beyond the share of the field the garment
# covers, beyond the switches-only pictures of the same activations, and beyond what an untrained
# network's own top 9 projections put there. The learned filters pick the garment out of its clutter:
# the paper's exaggeration of discriminative parts, at the scale of a whole garment.

# %% [markdown]
# ## The paper's claims, checked on this run
#
# The paper's figure is a picture whose message is in its caption: (i) strong grouping within each
# feature map, (ii) greater invariance at higher layers; Section 4 adds that layer 4 "is more
# class-specific", and Section 6 speaks of "class discrimination as we ascend the layers". Grouping
# means a map's top 9 patches resemble each other more than 9 random patches do and more than an
# untrained network's top 9 do, and its top 9 projections more than the switches alone draw them, at
# every layer whose receptive field lies inside the image (each measured map and each random group is
# one repeat; the projections are paired map by map, from layer 2 up). Class-specificity means class
# agreement rises with the layer; invariance means the top 9 of a higher layer look less alike in their
# pixels, a trend measured only over layers whose receptive field lies inside the image (a field that
# covers the image cuts whole images, not parts), and one that must be steeper than the untrained
# network's: its top 9 also look less alike as the field grows, without anything learned. Section 4's
# projections that vary less than their patches means, map by map, that the nine projections are
# more alike than the nine patches and than what the switches alone draw. Claim (iii), the
# exaggeration of discriminative parts, is read here as the projections' energy gathering on the
# garment (the only part of a scene that tells its class), beyond the share of the field the garment
# covers, beyond the switches-only pictures and beyond an untrained network's own top 9 (mining alone
# picks activations whose filters match the garment). The rules are `zfcompanion.claims.fig2`.

# %%
claims = [
    fig2_claims.grouping(per_map["appearance similarity, top 9"], per_map["appearance similarity, random 9"],
                         per_map["appearance similarity, untrained top 9"], judged["trained"]["projection similarity, top 9"],
                         judged["trained"]["projection similarity, switches only"], field_sizes, chapter.profile.input_size),
    fig2_claims.class_specific(per_map["class agreement, top 9"], per_map["class agreement, untrained top 9"]),
    fig2_claims.invariance(per_map["appearance similarity, top 9"], per_map["appearance similarity, untrained top 9"],
                           field_sizes, chapter.profile.input_size),
    fig2_claims.projections_vary_less(judged["trained"]["projection similarity, top 9"], judged["trained"]["patch similarity, top 9"],
                                      judged["trained"]["projection similarity, switches only"]),
    fig2_claims.discriminative_parts(
        energy=judged["trained"].get("object energy, top 9"), area=judged["trained"].get("object area, top 9"),
        switches_energy=judged["trained"].get("object energy, switches only"),
        untrained_energy=judged["untrained"].get("object energy, top 9"), untrained_area=judged["untrained"].get("object area, top 9")),
]
chapter.report(claims, caveat=f"up to {measured_maps} maps per layer")
