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
# # Deconvnet, gradient and guided backpropagation: how far can the pictures be trusted?
#
# The paper's pictures come from the deconvnet. Two close relatives picture the same activation:
# the plain gradient of the activation with respect to the input (Simonyan et al., 2014) and guided
# backpropagation (Springenberg et al., 2015). All three send a signal down through the same
# max-pool switches and transposed filters; they differ only at each ReLU (the gradient keeps the
# signal where the forward input was positive, the deconvnet where the signal is positive, guided
# backpropagation where both are; `analysis.attribution`).
#
# Then a sanity check after Adebayo et al. (2018): re-initialize the conv layers of the network, from
# the visualized layer down to layer 1, one more at each stage, and picture the *same* activations
# (image, map, position) again. A method whose pictures barely change when the weights they are
# meant to explain are random is showing the input image more than what the network learned.

# %% tags=["parameters"]
from typing import Optional

profile: str = "mini"
checkpoint_dir: str = "../../data/checkpoints/mini"
data_dir: Optional[str] = None
device: str = "cpu"
seed: int = 0
network: str = "zf"  # the folder under checkpoint_dir of the network studied (README: torchvision's AlexNet)
maps_shown: int = 4  # feature maps per layer in the side-by-side figure (a seeded sample of the live ones)
check_maps: Optional[int] = None  # None: every live map in the randomization check; N: the first N (quick runs at paper scale)

# %%
import matplotlib.pyplot as plt
import pandas as pd
import torch
from IPython.display import display

from zfcompanion import plots, topk, verdicts
from zfcompanion.analysis import attribution
from zfcompanion.chapter import Chapter

# %%
chapter = Chapter.start("attribution", globals())
features, splits, layers, top = topk.mine_checkpoint(chapter.checkpoint(), chapter.profile, data_dir, 1, device)


def strongest(layer: int, channels: list[int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The input crops, channels and positions of the strongest activation of each of `channels`."""
    return (chapter.inputs(top[layer].images[channels, 0].tolist(), splits.val), torch.tensor(channels),
            top[layer].positions[channels, 0])


generator = torch.Generator().manual_seed(seed)
live = {number: top[layer].live() for number, layer in enumerate(layers, start=1)}
shown = {number: sorted(maps[torch.randperm(len(maps), generator=generator)[:maps_shown]].tolist())
         for number, maps in live.items() if number in (2, 3, 5)}
print("maps shown:", shown)

# %% [markdown]
# ## The same activations, three pictures
#
# Each row is one feature map's strongest activation on the validation set: the input, then the
# deconvnet's, the gradient's and guided backpropagation's picture of it (each contrast-normalized
# with zero at mid-grey, over the whole input).

# %%
rows = []
for number, channels in shown.items():
    x, channel, position = strongest(layers[number - 1], channels)
    pictures = [attribution.picture(features, x, layers[number - 1], channel, position, method)
                for method in attribution.METHODS]
    pixels = chapter.pixels(x) / 255
    rows += [(f"layer {number}, map {c}", torch.stack([pixels[i].clamp(0, 1)] + [plots.contrast_normalized(p[i].cpu()) for p in pictures]))
             for i, c in enumerate(channels)]
plots.methods_grid(rows, attribution.METHODS)
plt.show()

# %% [markdown]
# **What this run shows.** At layer 2 the three pictures are nearly the same: below the first pooling
# they differ only in how the ReLUs are passed. From layer 3 up they part. The gradient's picture is a
# speckled patch over the whole receptive field, clutter included; the deconvnet's and guided
# backpropagation's draw the garment's outline and seams, cleanly and much alike, the deconvnet's with
# a little more of the surroundings. Cleaner is not the same as more faithful: the check below asks
# how much of each picture depends on what the network learned.

# %% [markdown]
# ## The randomization check
#
# For the strongest activation of every live map of layer 5 (and, for comparison, of layer 2): the
# rank similarity (Spearman correlation of the absolute pixel values, over the pixels that are not
# blank in both pictures; a blank picture, a unit that no longer fires, counts as 0) between the
# picture from the trained network and the picture from a network whose conv layers from layer k up to
# the visualized one are re-initialized (weights normal with each layer's own trained standard
# deviation). 1 means the same picture; 0, unrelated.

# %%
checks = {}
for number in (5, 2):
    layer = layers[number - 1]
    x, channel, position = strongest(layer, live[number].tolist()[:check_maps])
    checks[number] = attribution.randomization_check(features, x, layer, channel, position, seed)
    table = checks[number].pivot(index="random from conv", columns="method", values="rank similarity")
    print(f"layer {number}, {len(channel)} activations: mean rank similarity to the trained network's pictures")
    display(table.sort_index(ascending=False).round(3))

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), sharey=True)
for ax, (number, check) in zip(axes, checks.items()):
    for method, rows_of_method in check.groupby("method", sort=False):
        stages = rows_of_method.sort_values("random from conv", ascending=False)
        ax.errorbar([f"conv{s}–{number}" if s < number else f"conv{s}" for s in stages["random from conv"]],
                    stages["rank similarity"], yerr=stages["std"], marker="o", capsize=3, label=method)
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.set(title=f"layer {number}: pictures of the same activations", xlabel="conv layers re-initialized",
           ylabel="rank similarity to trained")
    ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## One activation through the stages
#
# The first layer-5 activation of the check, pictured by each method (rows) on the trained network
# and after each stage of re-initialization (columns). One activation can behave unlike the mean over
# every map above; a blank picture means that the unit no longer fires on this image once those layers
# are random, so that there is nothing to project.

# %%
layer = layers[4]
x, channel, position = strongest(layer, live[5][:1].tolist())
convs = [number for number in range(5, 0, -1)]
fig, axes = plt.subplots(3, 1 + len(convs), figsize=(1.6 * (1 + len(convs)), 5))
for row, method in zip(axes, attribution.METHODS):
    nets = [features] + [attribution.randomized(features, lowest, seed) for lowest in convs]
    for ax, net, title in zip(row, nets, ["trained"] + [f"random conv{s}–5" for s in convs]):
        picture = attribution.picture(net, x, layer, channel, position, method)
        plots.show(ax, plots.contrast_normalized(picture.cpu())[0, 0].numpy(), title if method == attribution.METHODS[0] else "")
    row[0].axis("on")
    row[0].set(xticks=[], yticks=[], ylabel=method)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## What the switches alone draw
#
# Mahendran & Vedaldi (2016) and Nie et al. (2018) argue that a deconvnet picture owes much to the
# max-pool switches, which the image sets, and less to the filters the unit learned
# ("image recovery"). The control keeps the image's switches from the trained network's forward pass
# and takes the same activation down through random filters (every conv layer
# re-initialized as above; `DeconvNet(features, down=...)`). The table gives, layer by layer, the rank
# similarity between each map's strongest activation pictured by the deconvnet and by this control,
# with a bootstrap interval over the maps (pixels blank in both pictures are left out): near 1, the
# switches alone set the picture; near 0, the learned filters do. Layer 1 has no switches below it and
# is left out.

# %%
switch_share = {}
for number in (2, 3, 4, 5):
    x, channel, position = strongest(layers[number - 1], live[number].tolist()[:check_maps])
    similarity = attribution.switches_only_similarity(features, x, layers[number - 1], channel, position, seed)
    switch_share[number] = verdicts.bootstrap(similarity.tolist(), seed=seed)
pd.DataFrame({f"layer {n}": {"maps": d.repeats, "rank similarity to the switches-only picture": f"{d.mean:.3f}",
                             "95% interval": f"[{d.low:.3f}, {d.high:.3f}]"} for n, d in switch_share.items()}).T

# %% [markdown]
# **What this run shows.** With the image's own switches kept and every filter random, the pictures
# keep a clear rank similarity to the real ones, lowest at layer 2 and higher at layers 3 to 5: a
# good part of how a deconvnet picture ranks its pixels is set by where the image's maxima were, before
# any learned filter acts, and more so from layer 3, once the signal passes the second pooling on its
# way down. Fig. 2 judges its projections against this control.

# %% [markdown]
# ## What this means for the deconvnet's pictures
#
# The verdict below is computed from this run's numbers: how much of each method's layer-5 picture
# survives when every conv layer is random (the rightmost stage), against how much survives the
# re-initialization of the visualized layer alone, and how much the switches alone redraw.

# %%
final_stage = checks[5][checks[5]["random from conv"] == 1].set_index("method")["rank similarity"]
first_stage = checks[5][checks[5]["random from conv"] == 5].set_index("method")["rank similarity"]
for method in attribution.METHODS:
    print(f"{method}: rank similarity {first_stage[method]:.2f} with conv5 random, {final_stage[method]:.2f} with all conv layers random")
order = final_stage.sort_values(ascending=False)
print("From most to least insensitive to the weights: " + ", ".join(f"{m} ({v:.2f})" for m, v in order.items()) + ".")
print(attribution.deconvnet_reading(final_stage, switch_share[5].mean))
