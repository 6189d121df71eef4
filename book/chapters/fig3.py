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
# # Fig. 3 — The architecture
#
# > *Architecture of our 8 layer convnet model. A 224 by 224 crop of an image (with 3 color planes)
# > is presented as the input. This is convolved with 96 different 1st layer filters (red), each of
# > size 7 by 7, using a stride of 2 in both x and y. The resulting feature maps are then: (i) passed
# > through a rectified linear function (not shown), (ii) pooled (max within 3x3 regions, using
# > stride 2) and (iii) contrast normalized across feature maps to give 96 different 55 by 55 element
# > feature maps. Similar operations are repeated in layers 2,3,4,5. The last two layers are fully
# > connected, taking features from the top convolutional layer as input in vector form
# > (6 · 6 · 256 = 9216 dimensions). The final layer is a C-way softmax function, C being the number
# > of classes.* — Zeiler & Fergus (2014), Fig. 3
#
# Zeiler and Fergus arrived at this network by looking at Krizhevsky et al.'s: its first layer
# (11×11 filters at stride 4) left dead filters and aliasing, so they shrank the first filters to
# 7×7 at stride 2 and also used stride 2 in layer 2 ("stride 2 convolutions in layers 1 & 2"; Fig. 6
# shows why the first layer changed).
# This chapter builds both networks with `zfcompanion.models`, runs a tensor through them, and reads
# off every layer's output shape, its parameters and the receptive field of its units. It shows the
# paper-scale networks (224×224 colour input) and the mini ones this book trains on Fashion-MNIST
# scenes (64×64 grey crops), which keep the same sequence of operations, the paper's first layers
# (ZF-mini 7×7 at stride 2, AlexNet-mini 11×11 at stride 4) and its normalization and pooling. At 64
# pixels the paper's four stride-2 stages would leave layers 3–5 with 4×4 maps, so each mini network
# drops one (ZF-mini layer 2's stride, AlexNet-mini the second pooling's) and reaches them at 8×8; its
# layer 2 has 3×3 filters, so that ZF-mini's layer 3 sees under half of the crop's area and its layer 5
# all of it (AlexNet-mini's larger first filters give every layer from 3 up a field wider than the crop).

# %% tags=["parameters"]
from typing import Optional

profile: str = "mini"
checkpoint_dir: str = "../../data/checkpoints/mini"
data_dir: Optional[str] = None
device: str = "cpu"
seed: int = 0
claims_dir: Optional[str] = None  # where the claims go for the scorecard (the book passes it); None: build/claims

# %%
import matplotlib.pyplot as plt
import pandas as pd

from zfcompanion import models, profiles
from zfcompanion.analysis import architecture
from zfcompanion.analysis.architecture import layer_table
from zfcompanion.chapter import Chapter
from zfcompanion.plots import draw_architecture
from zfcompanion.paper import NOT_REPORTED, table as paper_table

# %%
pd.set_option("display.max_rows", 40)
chapter = Chapter.start("fig3", globals())
networks = {
    "ZFNet (Fig. 3)": (models.ZFNET, 1000),
    "AlexNet, one dense tower": (models.ALEXNET, 1000),
    "ZF-mini": (models.ZF_MINI, profiles.MINI.num_classes),
    "AlexNet-mini": (models.ALEXNET_MINI, profiles.MINI.num_classes),
}
tables = {name: layer_table(spec, classes) for name, (spec, classes) in networks.items()}
print(f"Built with the {chapter.profile.name} profile, whose networks are {chapter.profile.zf.name} and {chapter.profile.alexnet.name}.")

# %% [markdown]
# ## The networks, drawn as in the paper
#
# Each box is one layer's output after its pooling and normalization: its height grows with the
# spatial size, its depth with the number of feature maps. ZF and AlexNet reach layer 2 by different
# routes and agree from there on, at both scales.

# %%
fig, axes = plt.subplots(4, 1, figsize=(11, 9))
for ax, (name, (spec, _)) in zip(axes, networks.items()):
    shape = f"{spec.in_channels}×{spec.input_size}×{spec.input_size}"
    draw_architecture(ax, tables[name], shape, name)
fig.suptitle("Fig. 3, rebuilt from the code: paper scale (top two) and mini scale (bottom two)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Layer by layer
#
# Output shapes and parameters come from running a zero tensor through each network; the receptive
# field (pixels on a side that one unit sees) and its stride come from `zfcompanion.receptive_field`,
# tested against the support of each unit's gradient.

# %%
side_by_side = pd.concat({name: tables[name].set_index("layer") for name in list(networks)[:2]}, axis=1)
side_by_side

# %%
pd.concat({name: tables[name].set_index("layer") for name in list(networks)[2:]}, axis=1)

# %%
totals = pd.DataFrame({"parameters": {name: int(table["parameters"].sum()) for name, table in tables.items()}})
totals

# %% [markdown]
# ## The paper's shapes beside this build's

# %%
paper = paper_table("fig3_architecture")
zf = tables["ZFNet (Fig. 3)"].set_index("layer")
built = {"input": "3×224×224", **{layer: zf.loc[layer, "output"] for layer in zf.index}}
paper["this build"] = [built.get(layer, "") for layer in paper["layer"]]
paper["paper"] = [f"{maps}×{side}×{side}" if side > 1 else str(maps)
                  for maps, side in zip(paper["channels"], paper["output_size"])]
for column in ("kernel", "stride"):  # the paper gives none for the input and the fully connected layers
    paper[column] = [NOT_REPORTED if pd.isna(value) else f"{value:g}" for value in paper[column]]
paper[["layer", "operation", "kernel", "stride", "paper", "this build"]]

# %% [markdown]
# ## Checks of the implementation
#
# The shapes the paper gives are properties of the code, true by construction once it is right: they
# are checked here (and in `tests/test_models.py`), but they are not claims of the paper about what a
# network learns, so the scorecard keeps them apart from the claims.

# %%
checks = architecture.implementation_checks(paper, built, tables, networks["ZF-mini"][0], networks["AlexNet-mini"][0])
chapter.report([], checks)
