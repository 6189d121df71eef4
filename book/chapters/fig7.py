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
# # Fig. 7 — Occlusion sensitivity
#
# > *Three test examples where we systematically cover up different portions of the scene with a
# > gray square (1st column) and see how the top (layer 5) feature maps ((b) & (c)) and classifier
# > output ((d) & (e)) changes.*
# > — Zeiler & Fergus (2014), Fig. 7
#
# With the deconvnet we can see what excites a unit; occlusion asks the converse question: is the
# classifier really using the object, or its surroundings? Slide a grey square over the image (on the
# scenes, a flat square of the scene's own background grey, which hides what is under it without
# adding a shape; this is the project's choice, drawn in (a) as used) and, at every position, record
# (b) the total activation of the strongest layer-5 feature map of the unoccluded image, (d) the
# probability of the correct class, and (e) the most probable class. `zfcompanion.analysis.occlusion`
# computes all positions at once and exactly, recomputing each layer only where the square can
# change it.

# %% tags=["parameters"]
from typing import Optional

profile: str = "mini"
checkpoint_dir: str = "../../data/checkpoints/mini"
data_dir: Optional[str] = None
device: str = "cpu"
seed: int = 0
network: str = "zf"  # the folder under checkpoint_dir of the network studied (README: torchvision's AlexNet)
probe_images: Optional[list[int]] = None  # indices into the test set (the validation set where there is none); None: the profile's
context_images: int = 60  # the first test images on which the object is compared with its context

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import torch

from zfcompanion import checkpoints, data, models, parameters, plots, report
from zfcompanion.analysis import occlusion, topk
from zfcompanion.claims import fig7 as fig7_claims
from zfcompanion.analysis.grouping import correlations
from zfcompanion.deconvnet import DeconvNet
from zfcompanion.evaluation import views
from zfcompanion.receptive_field import receptive_fields

run_profile = parameters.check(globals())
model, _ = checkpoints.load_model(Path(checkpoint_dir) / network / "final.pt")
model = model.to(device)
splits = data.pretraining_splits(run_profile, data_dir)
probe_set = splits.test if splits.test is not None else splits.val
chosen = list(probe_images or run_profile.probe_images)
stored = topk.stored_batch(probe_set, chosen)
x = views(stored, run_profile.input_size, 1)[0].to(device)
pixels = views(stored + splits.mean_image, run_profile.input_size, 1)[0]
truth = data.labels(probe_set)[chosen]
size, stride = run_profile.occluder_size, run_profile.occluder_stride
layer5 = models.feature_map_layers(model.features)[-1]
with torch.no_grad():
    maps = model.features[: layer5 + 1](x)
strongest_map = maps.flatten(2).amax(2).argmax(1)  # (b)'s feature map, per image
input_mean = views(splits.mean_image[None], run_profile.input_size, 1)[0][0].to(device)
grey = occlusion.background_colour(pixels)  # (N, C): each image's background grey, the occluder's colour
result = occlusion.sweep(model, x, size, stride, grey.to(device)[:, :, None, None] - input_mean, layer5, strongest_map)
print(f"{len(chosen)} images, a {size}×{size} square at stride {stride}: {result.probabilities.shape[1]}×"
      f"{result.probabilities.shape[2]} positions each; layer-5 maps followed: {strongest_map.tolist()}")

# %% [markdown]
# ## The paper's layout: one row per image
#
# (a) the image with the square drawn at one position; (b) the followed layer-5 map's total activation
# at each position of the square (brighter: more); (c) the same map's projection from this image (framed)
# and from the validation images that excite it most; (d) the probability of the correct class at each
# position (dark: the square hides what the network needs); (e) the most probable class at each position.

# %%
deconvnet = DeconvNet(model.features)
own_projection = deconvnet.project(x, layer5, strongest_map).cpu()
mined = topk.mine(model.features, splits.val, [layer5], 8, run_profile.input_size, device=device)[layer5]
field = receptive_fields(model.features)[layer5]
classes = splits.classes
fig, axes = plt.subplots(len(chosen), 5, figsize=(15, 3.1 * len(chosen)), squeeze=False)
for row, index in enumerate(chosen):
    a, b, c, d, e = axes[row]
    picture = pixels[row] / 255
    plots.show(a, picture.permute(1, 2, 0).squeeze(-1).numpy(), f"(a) {classes[truth[row]]} (image {index})")
    a.add_patch(plt.Rectangle((stride * 2 - 0.5, stride * 2 - 0.5), size, size, color=str(float(grey[row].mean()) / 255)))
    b.imshow(result.map_totals[row].cpu(), cmap="viridis")
    b.set_title(f"(b) layer-5 map {int(strongest_map[row])}, total activation", fontsize=9)
    b.axis("off")
    others = topk.project_top(model.features, splits.val, mined, layer5, [int(strongest_map[row])],
                              run_profile.input_size, splits.mean_image, device).projections[0]
    flat = int(maps[row, strongest_map[row]].argmax())
    box = field.box(flat // maps.shape[-1], flat % maps.shape[-1], run_profile.input_size)
    tiles = torch.cat([topk.cut(own_projection[row], box, others.shape[-1])[None], others])
    plots.show(c, plots.grid(plots.contrast_normalized(tiles), 3, gap=2), "(c) projections: this image, then others")
    c.add_patch(plt.Rectangle((-0.5, -0.5), tiles.shape[-1], tiles.shape[-1], fill=False, edgecolor="black", lw=2))
    shown = d.imshow(result.probabilities[row, :, :, truth[row]].cpu(), cmap="magma", vmin=0, vmax=1)
    d.set_title(f"(d) p({classes[truth[row]]})", fontsize=9)
    d.axis("off")
    fig.colorbar(shown, ax=d, fraction=0.046)
    labels = result.probabilities[row].argmax(-1).cpu()
    e.imshow(labels, cmap="tab10", vmin=-0.5, vmax=9.5, interpolation="nearest")
    e.set_title("(e) most probable class", fontsize=9)
    e.axis("off")
    present = labels.unique().tolist()
    e.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=plt.cm.tab10(k % 10)) for k in present],
             labels=[classes[k] for k in present], fontsize=7, loc="center left", bbox_to_anchor=(1, 0.5))
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Does the network look at the object or at its context?
#
# Each scene records its garment's box, so every position of the square is either on the object
# (at least half the square inside the box) or on the context (the square misses the box). Over the
# first `context_images` test scenes, each image gives the mean drop of p(correct class) with the
# square on the object and with it on the context. If the network uses the object, the first is larger.

# %%
context_set = list(range(min(context_images, len(probe_set))))
context_stored = topk.stored_batch(probe_set, context_set)
context_x = views(context_stored, run_profile.input_size, 1)[0].to(device)
context_pixels = views(context_stored + splits.mean_image, run_profile.input_size, 1)[0]
context_truth = data.labels(probe_set)[context_set]
boxes = data.input_boxes(probe_set, run_profile)
if boxes is None:  # no object boxes recorded: the comparison cannot be made
    region_drops, object_minus_context = None, None
else:
    context_grey = occlusion.background_colour(context_pixels).to(device)
    swept = occlusion.sweep(model, context_x, size, stride, context_grey[:, :, None, None] - input_mean).probabilities.cpu()
    with torch.no_grad():
        before = model(context_x).softmax(1).cpu()
    picked = torch.arange(len(context_set))
    drops = before[picked, context_truth][:, None, None] - swept[picked, :, :, context_truth]
    overlap = occlusion.box_overlap(boxes[context_set], run_profile.input_size, run_profile.input_size, size, stride)
    region_drops = occlusion.object_and_context_drops(drops, overlap)
    object_minus_context = (region_drops[:, 0] - region_drops[:, 1]).tolist()
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    ax.scatter(region_drops[:, 1], region_drops[:, 0], s=14)
    limit = float(region_drops.max()) * 1.05
    ax.plot([0, limit], [0, limit], color="grey", lw=1, ls="--")
    ax.set(xlabel="mean drop of p(correct), square on the context", ylabel="mean drop, square on the object",
           title=f"{len(context_set)} test scenes: one dot per image")
    plt.show()
    print(f"mean drop on the object {float(region_drops[:, 0].mean()):.3f}, on the context {float(region_drops[:, 1].mean()):.3f}")

# %% [markdown]
# ## The paper's claims, checked on this run
#
# > *The examples clearly show the model is localizing the objects within the scene, as the
# > probability of the correct class drops significantly when the object is occluded.* [...] *When the
# > occluder covers the image region that appears in the visualization, we see a strong drop in
# > activity in the feature map.* — Section 4.2 of the paper
#
# The object against its context is tested on the scenes above, each image one repeat, with a
# bootstrap interval over the images. The map's drop under its projection (b, c) and the label
# switching (e, with the square at least half on the object) are tested on the probe images, each
# image one repeat (`zfcompanion.claims.fig7`).

# %%
top_label = result.probabilities.argmax(-1).cpu()
with torch.no_grad():
    unoccluded_label = model(x).argmax(1).cpu()
on_object = (occlusion.box_overlap(boxes[chosen], run_profile.input_size, run_profile.input_size, size, stride) >= 0.5
             if boxes is not None else torch.ones_like(top_label, dtype=torch.bool))
switched = [bool((top_label[i][on_object[i]] != unoccluded_label[i]).any()) for i in range(len(chosen))]
# (b) against (c): does the map lose activity where the square hides what its projection shows?
energy_under = occlusion.coverage(own_projection.abs().sum(1), size, stride)
map_total = maps[torch.arange(len(chosen)), strongest_map].sum((1, 2)).cpu()
map_drop = map_total[:, None, None] - result.map_totals.cpu()
map_vs_projection = [float(correlations(map_drop[i][None], energy_under[i][None])[0]) for i in range(len(chosen))]
claims = [
    fig7_claims.localizes_object(object_minus_context),
    fig7_claims.map_follows_projection(map_vs_projection),
    fig7_claims.label_switches(switched),
]
report.report_claims("fig7", claims, run_profile.name,
                     caveats=(run_profile.caveat, f"{len(context_set)} images for the object and its context, "
                                                  f"{len(chosen)} probe images for (b), (c) and (e)"))
