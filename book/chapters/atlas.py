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
# # A feature atlas: every feature map of every layer
#
# Fig. 2 shows a random subset of feature maps per layer. This atlas shows all of
# them: for every feature map of layers 1–5 of the shipped ZF network, its 9 strongest activations
# over the validation set, projected to pixel space by the deconvnet (left block of each pair), beside
# the image patches under the same receptive fields (right block). One section per layer; the maps
# keep their numbers, so a map met in another chapter can be looked up here. Maps that never fire on
# the validation set are dead and are listed instead of shown.
#
# The mining and the projections are those of Fig. 2's chapter (`zfcompanion.topk`), run on every map.

# %% tags=["parameters"]
from typing import Optional

profile: str = "mini"
checkpoint_dir: str = "../../data/checkpoints/mini"
data_dir: Optional[str] = None
device: str = "cpu"
seed: int = 0
network: str = "zf"  # the folder under checkpoint_dir of the network studied (README: torchvision's AlexNet)
k: int = 9  # activations per feature map, as the paper
atlas_maps: Optional[int] = None  # None: every live map; N: the first N live maps of each layer (quick runs at paper scale)

# %%
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib_inline.backend_inline import set_matplotlib_formats

from zfcompanion import data, plots, topk
from zfcompanion.analysis import grouping
from zfcompanion.chapter import Chapter
from zfcompanion.receptive_field import receptive_fields


set_matplotlib_formats("jpeg", pil_kwargs={"quality": 80})  # hundreds of maps of fine detail: as PNG the notebook passes 6 MB

# %%
chapter = Chapter.start("atlas", globals())
features, splits, layers, top = topk.mine_checkpoint(chapter.checkpoint(), chapter.profile, data_dir, k, device)
images, targets = splits.val, data.labels(splits.val)
fields = receptive_fields(features)
live = {number: top[layer].live().tolist()[:atlas_maps]
        for number, layer in enumerate(layers, start=1)}
projected = {number: topk.project_top(features, images, top[layer], layer, live[number], chapter.profile.input_size,
                                      splits.mean_image, device)
             for number, layer in enumerate(layers, start=1)}
pd.DataFrame({"feature maps": [len(top[layer].values) for layer in layers],
              "shown (live)": [len(live[number]) for number in live],
              "receptive field (pixels)": [fields[layer].size for layer in layers],
              "class agreement of the top 9": [round(float(grouping.class_agreement(targets[top[layer].images[live[number]]]).mean()), 3)
                                               for number, layer in enumerate(layers, start=1)]},
             index=[f"layer {number}" for number in live])


# %%
def section(number: int) -> None:
    """One layer of the atlas: its dead maps by number, then every live map's projections and patches."""
    layer = layers[number - 1]
    dead = (top[layer].values[:, 0] <= 0).nonzero().flatten().tolist()
    print(f"layer {number}: {len(live[number])} live maps; dead (never active on the validation set): "
          f"{', '.join(map(str, dead)) or 'none'}")
    result = projected[number]
    plots.atlas_page(result.projections, result.patches, result.channels)
    plt.show()


# %% [markdown]
# ## Layer 1

# %%
section(1)

# %% [markdown]
# ## Layer 2

# %%
section(2)

# %% [markdown]
# ## Layer 3

# %%
section(3)

# %% [markdown]
# ## Layer 4

# %%
section(4)

# %% [markdown]
# ## Layer 5

# %%
section(5)

# %% [markdown]
# **What the atlas shows.** No map is dead at any layer: every filter of the shipped network fires on
# some validation image (so do those of the networks without clipping and with AlexNet's stride, Fig. 6).
# Layer 1's maps are edges and bars at every orientation and a few blobs; layer 2's are corners and short
# curves of garment outlines. From layer 3 up the patches are whole garments and a map's nine are
# increasingly of one class (the table at the top, over every live map; Fig. 2's figures come from a
# seeded sample of maps and differ a little), while its projections keep to the garment's outline and
# seams: these maps detect garments, their shapes and their parts' arrangement, not the textures of the
# clutter. Many maps of one layer look alike: several boot maps and several shirt maps at layer 5.
