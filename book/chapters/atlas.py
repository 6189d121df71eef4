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
# The mining and the projections are those of Fig. 2's chapter (`analysis.topk`), run on every map.

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
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib_inline.backend_inline import set_matplotlib_formats

from zfcompanion import data, parameters, plots
from zfcompanion.analysis import grouping, topk
from zfcompanion.receptive_field import receptive_fields

set_matplotlib_formats("jpeg", pil_kwargs={"quality": 90})  # 448 maps of fine detail: as PNG the notebook passes 6 MB

run_profile = parameters.check(globals())
features, splits, layers, top = topk.mine_checkpoint(Path(checkpoint_dir) / network / "final.pt", run_profile, data_dir, k, device)
images, targets = splits.val, data.labels(splits.val)
fields = receptive_fields(features)
live = {number: (top[layer].values[:, 0] > 0).nonzero().flatten().tolist()[:atlas_maps]
        for number, layer in enumerate(layers, start=1)}
projected = {number: topk.project_top(features, images, top[layer], layer, live[number], run_profile.input_size,
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
