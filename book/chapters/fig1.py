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
# # Fig. 1 — The deconvnet, step by step
#
# > *Top: A deconvnet layer (left) attached to a convnet layer (right). The deconvnet will reconstruct
# > an approximate version of the convnet features from the layer beneath. Bottom: An illustration of
# > the unpooling operation in the deconvnet, using switches which record the location of the local
# > max in each pooling region (colored zones) during pooling in the convnet.* — Zeiler & Fergus
# > (2014), Fig. 1
#
# Every picture of a feature in this book (Figs. 2, 4, 6 and 7, the atlas) is a *projection*: one
# activation of one feature map taken back down to the pixels. Section 2.1 of the paper builds the
# way down from three operations, one for each operation of the way up:
#
# > *To examine a given convnet activation, we set all other activations in the layer to zero and pass
# > the feature maps as input to the attached deconvnet layer. Then we successively (i) unpool, (ii)
# > rectify and (iii) filter to reconstruct the activity in the layer beneath that gave rise to the
# > chosen activation. This is then repeated until input pixel space is reached.* — Section 2.1
#
# This chapter does that by hand on one test image, for the strongest activation of layer 2 of the
# trained ZF-mini network, with the three functions that `zfcompanion.deconvnet.DeconvNet` itself
# uses (`unpool`, `rectify`, `transposed_filter`), and shows the signal after each of them. The last
# cell checks that the result is exactly `DeconvNet.project`'s.

# %% tags=["parameters"]
from typing import Optional

profile: str = "mini"
checkpoint_dir: str = "../../data/checkpoints/mini"
data_dir: Optional[str] = None
device: str = "cpu"
seed: int = 0
network: str = "zf"  # the folder under checkpoint_dir of the network studied (README: torchvision's AlexNet)
image: int = 0  # index into the test set (the validation set where there is none)
claims_dir: Optional[str] = None  # where the claims go for the scorecard (the book passes it); None: build/claims

# %%
import matplotlib.pyplot as plt
import torch

from zfcompanion import models, plots, verdicts
from zfcompanion.chapter import Chapter
from zfcompanion.deconvnet import DeconvNet, only, rectify, transposed_filter, unpool

# %%
chapter = Chapter.start("fig1", globals())
features = chapter.model().features
x = chapter.inputs([image])
pool1, pool2 = models.pooling_layers(features)[:2]  # the ends of layers 1 and 2
before_pooling, _ = DeconvNet(features).forward(x, pool2 - 1)  # layer 2's rectified maps
pooled, steps = DeconvNet(features).forward(x, pool2)  # layer 2's output, and each layer's input shape and switches
channel = int(pooled[0].flatten(1).amax(1).argmax())  # the map with the strongest activation
flat = int(pooled[0, channel].argmax())
row, col = divmod(flat, pooled.shape[-1])
print(f"Image {image} ({chapter.splits.classes[chapter.probe_set[image][1]]}); layer 2's output is "
      f"{tuple(pooled.shape[1:])}; its strongest activation is map {channel} at ({row}, {col}), value {pooled[0, channel, row, col]:.2f}.")

# %% [markdown]
# ## 1. Keep one activation
#
# The layer-2 pooled map that holds the strongest activation (left) and the input it came from
# (right). Every activation of every map is set to zero except the circled one: what goes down is a
# single number.

# %%
chosen = only(pooled, torch.tensor([channel]), torch.tensor([flat]))
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.8))
plots.signed(left, pooled[0, channel], f"layer 2, map {channel}, pooled ({pooled.shape[-1]}×{pooled.shape[-1]})",
             marks=torch.tensor([[row, col]]))
plots.show(right, (chapter.pixels(x)[0] / 255).permute(1, 2, 0).squeeze(-1).numpy(), f"the input ({x.shape[-1]}×{x.shape[-1]})")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 2. Unpool with the switches
#
# On the way up, max pooling kept the largest value of each 3×3 window (stride 2) of the rectified map
# (left) and recorded where it lay: the *switches*, circled. Unpooling puts the kept activation back at
# its window's switch, and zero everywhere else (right). Without the switches the position inside
# the window would be lost; with them the projection is tied to this image.

# %%
switches = steps[pool2].switches[0, channel].flatten().unique()
unpooled = unpool(chosen, steps[pool2].switches, steps[pool2].input_shape)
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.8))
plots.signed(left, before_pooling[0, channel], "before pooling, with every window's switch",
             marks=torch.stack([switches // before_pooling.shape[-1], switches % before_pooling.shape[-1]], 1))
plots.signed(right, unpooled[0, channel], "unpooled: the activation at its switch")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 3. Rectify, 4. filter with the transposed filters
#
# The way up rectified the map, so its reconstruction is rectified too; one positive activation passes
# unchanged. Filtering with layer 2's filters transposed (each flipped vertically and horizontally,
# no bias) spreads it over all of layer 1's maps: below, the eight that receive the most. They are
# signed: the filters have negative weights.

# %%
rectified = rectify(unpooled)
conv2 = pool2 - 2  # conv, ReLU, pool
filtered = transposed_filter(rectified, features[conv2], steps[conv2].input_shape)
strongest = filtered[0].abs().flatten(1).sum(1).argsort(descending=True)[:8]
fig, axes = plt.subplots(2, 4, figsize=(13, 6.4))
for ax, map_index in zip(axes.flat, strongest.tolist()):
    plots.signed(ax, filtered[0, map_index], f"layer 1, map {map_index}")
fig.suptitle(f"layer 2's activation, filtered down to layer 1's output ({tuple(filtered.shape[1:])})")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 5. The same three steps through layer 1, down to the pixels
#
# Layer 1 ends in a contrast normalization, which the deconvnet passes over (the paper does not
# invert it). Then layer 1's pooling switches place the signal, the rectification now removes the
# negative part that the transposed filters of layer 2 put there, and layer 1's filters transposed
# carry it to the pixels. Its picture is the projection this book shows everywhere, here beside the
# input it came from: it lies on the garment's edges, inside the unit's receptive field.

# %%
unpooled_1 = unpool(filtered, steps[pool1].switches, steps[pool1].input_shape)
rectified_1 = rectify(unpooled_1)
projection = transposed_filter(rectified_1, features[0], steps[0].input_shape)
fig, axes = plt.subplots(2, 2, figsize=(10, 8.4))
plots.signed(axes[0, 0], unpooled_1[0].sum(0), "unpooled by layer 1's switches (sum of maps)")
plots.signed(axes[0, 1], rectified_1[0].sum(0), "rectified (sum of maps)")
plots.signed(axes[1, 0], projection[0].sum(0), "filtered with conv1 transposed: the pixels")
plots.show(axes[1, 1], (chapter.pixels(x)[0] / 255).permute(1, 2, 0).squeeze(-1).numpy(), "the input")
fig.tight_layout()
plt.show()
print(f"Unpooling through layer 1 leaves {int((unpooled_1 != 0).sum())} of {unpooled_1.numel()} values non-zero; "
      f"rectifying keeps {int((rectified_1 != 0).sum())} of them.")

# %% [markdown]
# ## The walk equals the library's projection
#
# `DeconvNet.project` runs the same steps in a loop over the layers. Done by hand they give the same
# picture, to the last bit.

# %%
library = DeconvNet(features).project(x, pool2, channel)
checks = [verdicts.check("the step-by-step projection equals DeconvNet.project", "largest difference "
                       f"{float((library - projection).abs().max()):.1e}", torch.equal(library, projection)),
          verdicts.check("the unpooled map is zero but at one switch", f"{int((unpooled != 0).sum())} non-zero value",
                       int((unpooled != 0).sum()) == 1)]
chapter.report([], checks)
