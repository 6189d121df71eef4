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
# # Fig. 4 — Evolution of features through training
#
# > *Evolution of a randomly chosen subset of model features through training. Each layer's features
# > are displayed in a different block. Within each block, we show a randomly chosen subset of
# > features at epochs [1,2,5,10,20,30,40,64]. The visualization shows the strongest activation
# > (across all training examples) for a given feature map, projected down to pixel space using our
# > deconvnet approach.*
# > — Zeiler & Fergus (2014), Fig. 4
#
# The trainer kept the network's weights at the profile's snapshot epochs. For each snapshot, this
# chapter finds the strongest activation of a few feature maps per layer across the training images
# (`zfcompanion.analysis.topk`, one pass per snapshot), projects it to pixel space with the deconvnet,
# and lays the projections out as the paper does: one block per layer, one row per feature map, one
# column per epoch. Then it measures what the paper saw: per feature map, the first epoch from which its
# projection stays close to the final one (`zfcompanion.analysis.evolution`).

# %% tags=["parameters"]
from typing import Optional

profile: str = "mini"
checkpoint_dir: str = "../../data/checkpoints/mini"
data_dir: Optional[str] = None
device: str = "cpu"
seed: int = 0
maps_per_layer: int = 6  # feature maps followed per layer
training_images: Optional[int] = 10000  # a seeded random subset of the training set, searched at every snapshot; None: all
close: float = 0.5  # correlation with the final projection that counts as "close"

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import torch
from torch.utils.data import Subset

from zfcompanion import checkpoints, data, models, parameters, plots, report
from zfcompanion.analysis import evolution
from zfcompanion.claims import fig4 as fig4_claims

run_profile = parameters.check(globals())
snapshots = checkpoints.snapshots(Path(checkpoint_dir) / "zf")
final_model, _ = checkpoints.load_model(snapshots[-1][1])
layers = models.feature_map_layers(final_model.features)
splits = data.pretraining_splits(run_profile, data_dir)
generator = torch.Generator().manual_seed(seed)
order = torch.randperm(len(splits.train), generator=generator)
searched = Subset(splits.train, order[: training_images or len(order)].sort().values.tolist())
# Follow a seeded random subset of each layer's feature maps.
channels = {layer: sorted(torch.randperm(final_model.features[layer - 1].out_channels, generator=generator)
                          [:maps_per_layer].tolist()) for layer in layers}
print(f"Snapshots at epochs {[epoch for epoch, _ in snapshots]}; searching {len(searched)} training images.")

# %%
history = evolution.follow(snapshots, searched, channels, run_profile.input_size, splits.mean_image, device)

# %% [markdown]
# ## The projections, epoch by epoch
#
# Each block is one layer; each row one feature map; each column one snapshot, from the first epoch
# (left) to the last (right). Each picture is the strongest activation over the searched training
# images at that epoch, projected and cut to the unit's receptive field.

# %%
fig, axes = plt.subplots(1, len(layers), figsize=(2.8 * len(layers), 3.2))
for number, (layer, ax) in enumerate(zip(layers, axes), start=1):
    plots.show(ax, plots.mosaic(plots.contrast_normalized(history.projections[layer])), f"layer {number}")
fig.suptitle(f"epochs {', '.join(map(str, history.epochs))} (left to right) within each block")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## When does a feature settle?
#
# For each followed feature map and each snapshot, the correlation of its projection, cut to the
# receptive field as shown above, with the final one. A feature has settled at the first epoch from
# which this stays at or above `close` until the end.

#
# Each decay of the learning rate slows every weight's change tenfold, so a projection that stops
# changing right after a decay may have been frozen rather than have settled. The settling is
# therefore also measured within the first phase of training, against the last snapshot before the
# first decay; the paper's claim is judged there.

# %%
similarity = {number: evolution.similarity_to_final(history.projections[layer]) for number, layer in enumerate(layers, 1)}
settled = {number: evolution.settle_epochs(values, history.epochs, close) for number, values in similarity.items()}
phase = evolution.before_first_decay(snapshots)
phase_epochs = history.epochs[:phase]
settled_in_phase = {number: evolution.settle_epochs(evolution.similarity_to_final(history.projections[layer][:, :phase]),
                                                    phase_epochs, close)
                    for number, layer in enumerate(layers, 1)}
print(f"The last snapshot trained at the initial learning rate alone is epoch {phase_epochs[-1]}; "
      f"the snapshots up to it: {phase_epochs}")
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4))
for number, values in similarity.items():
    left.plot(history.epochs, values.mean(0), "o-", label=f"layer {number}")
left.set(xlabel="epoch", ylabel="correlation with the final projection", title="mean over the followed maps",
         xscale="log")
left.legend()
right.boxplot([settled[n] for n in settled], tick_labels=[f"layer {n}" for n in settled])
right.set(ylabel="epoch", title=f"epoch from which the projection stays ≥ {close} correlated")
fig.tight_layout()
plt.show()

# %%
settling = pd.concat({reference: pd.DataFrame({f"layer {n}": values for n, values in table.items()},
                                               index=[f"map {i + 1}" for i in range(maps_per_layer)]).T
                      for reference, table in ((f"against the final epoch {history.epochs[-1]}", settled),
                                               (f"against epoch {phase_epochs[-1]}, before the first decay", settled_in_phase))})
settling["median"] = settling.median(axis=1)
settling

# %% [markdown]
# ## The paper's claim, checked on this run
#
# > *The lower layers of the model can be seen to converge within a few epochs. However, the upper
# > layers only develop after a considerable number of epochs (40-50), demonstrating the need to let
# > the models train until fully converged.* — Section 4
#
# Judged within the first phase of training, before the learning rate first decays: "a few epochs"
# is its first quarter, "a considerable number" its second half (`zfcompanion.claims.fig4`).

# %%
last_epoch, top = phase_epochs[-1], max(settled_in_phase)
claims = [fig4_claims.lower_layers_early(settled_in_phase[1], last_epoch),
          fig4_claims.upper_layers_late(settled_in_phase[1], settled_in_phase[top], last_epoch)]
report.report_claims("fig4", claims, run_profile.name,
                     caveats=(run_profile.caveat, f"{phase} snapshots before the first decay of the learning rate, "
                                                  f"{maps_per_layer} maps per layer"))
