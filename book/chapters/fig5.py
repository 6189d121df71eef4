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
# # Fig. 5 — Invariance to translation, scale and rotation
#
# > *Analysis of vertical translation, scale, and rotation invariance within the model (rows a-c
# > respectively). Col 1: 5 example images undergoing the transformations. Col 2 & 3: Euclidean
# > distance between feature vectors from the original and transformed images in layers 1 and 7
# > respectively. Col 4: the probability of the true label for each image, as the image is
# > transformed.*
# > — Zeiler & Fergus (2014), Fig. 5
#
# Five test images, one of each of five classes, each moved step by step: shifted vertically, scaled
# about its centre, rotated. On the scenes it is the garment that moves, over its own background, which
# stays in place (`zfcompanion.scenes`); an image that records no object is transformed whole. At
# every step the chapter records how far the image's layer-1 and layer-7 feature vectors have moved
# from the original's (Euclidean distance over the original's length, so that the two layers read on
# one scale) and the probability the network gives the true class (`zfcompanion.analysis.invariance`).
# Amounts are fractions of the image and degrees, so the same chapter runs at both profiles' sizes.

# %% tags=["parameters"]
from typing import Optional

profile: str = "mini"
checkpoint_dir: str = "../../data/checkpoints/mini"
data_dir: Optional[str] = None
device: str = "cpu"
seed: int = 0
network: str = "zf"  # the folder under checkpoint_dir of the network studied (README: torchvision's AlexNet)
images: int = 5  # images drawn in the figure, one per class
measured_images: int = 60  # images the claims are measured on, the classes taking turns
claims_dir: Optional[str] = None  # where the claims go for the scorecard (the book passes it); None: build/claims

# %%
import matplotlib.pyplot as plt

from zfcompanion import data, plots
from zfcompanion.analysis import invariance
from zfcompanion.chapter import Chapter
from zfcompanion.claims import fig5 as fig5_claims
from zfcompanion.images import stored_batch

# %%
chapter = Chapter.start("fig5", globals())
model, splits, probe_set = chapter.model(), chapter.splits, chapter.probe_set
labels = data.labels(probe_set)


def curves_of(indices: list[int], moved: dict, network, shown: list[int] | None = None) -> dict:
    """Per transform, the curves of the images `indices` through `network`. `shown`: per image, the
    position of the image whose pictures are shown instead (the shuffled control); its own by default."""
    shown = list(range(len(indices))) if shown is None else shown
    stored = stored_batch(probe_set, [indices[s] for s in shown])
    return {kind: invariance.curves(network, stored, moved[kind][shown], labels[indices], splits.mean_image,
                                    chapter.profile.input_size, steps, device) for kind, steps in invariance.AMOUNTS.items()}


def moved_pictures(indices: list[int]) -> dict:
    return invariance.moved_probes(probe_set, indices, splits.mean_image, chapter.profile, data_dir)


chosen = data.one_per_class(labels, images, seed)  # one image from each of `images` classes
targets, results = labels[chosen], curves_of(chosen, moved_pictures(chosen), model)

# %% [markdown]
# The claims' images go through the network three ways: as they are; through the same network
# untrained, the control of layer 1 against layer 7; and with each image's class asked of another
# class's image (its partner), the control of stability: a network that keeps a class whatever it is
# shown is blind to the image, not invariant to the transform.

# %%
claimed = data.per_class(labels, measured_images, seed)
moved = moved_pictures(claimed)
measured, untrained = curves_of(claimed, moved, model), curves_of(claimed, moved, chapter.untrained()[0])
elsewhere = curves_of(claimed, moved, model, invariance.other_class_partners(labels[claimed]))
print("images:", ", ".join(f"{index} ({splits.classes[t]})" for index, t in zip(chosen, targets.tolist())))

# %% [markdown]
# ## The paper's layout: rows (a) translation, (b) scale, (c) rotation
#
# Column 1: the five images at five of the steps. Columns 2 and 3: the distance of layer 1's and
# layer 7's feature vectors from the original's. Column 4: the probability of the true class.

# %%
plots.invariance_grid(results, [splits.classes[target] for target in targets], invariance.UNITS)
plt.show()

# %% [markdown]
# **What this run shows.** The smallest step already moves layer 1's features by most of their own
# length, while for a translation or a scaling layer 7's move by a small fraction and then grow with
# the step: the paper's "dramatic effect in the first layer". That growth is only roughly linear, and
# less so than the same network's untrained layer 7, so the "quasilinear" top layer is not reproduced
# (the claims below). For these five images the
# probability of the true class stays above one half over nearly all of the translation range and all of
# the scale range; it dips for some images when the garment is enlarged and its edges leave the crop.
# Rotation is different:
# past a small turn most garments are no longer recognised. The curves are sampled every 10 degrees.

# %% [markdown]
# ## The numbers behind the curves
#
# Averaged over the `measured_images` images the claims are measured on: the distances at the smallest
# step away from the original, and how often the network still names the true class over the middle
# half of each range and over all of it.

# %%
summary = invariance.summary(measured)
summary.round(3)

# %% [markdown]
# **What this run shows.** Over the 60 images, at the smallest step, layer 1's distance is a median of
# about five and a half times layer 7's for translation and about four times for scale, and about twice
# for rotation, where both move a lot. The same network untrained calms its layer 7 too (its
# architecture does, with random weights), but less: its layer 1 leads by a factor of two to three.
# The true class survives most of the middle half of the translation and scale ranges, and about a
# quarter of the rotations; a few images the network names wrongly even untransformed pull these
# shares down, and the claims leave them out. Asked of another class's image, the same classes almost
# never get past one half: the network keeps a class because it sees that garment. Layer 7's curve is
# closer to a straight line than layer 1's for translation, but not for scale, where layer 1's
# distance also grows steadily; and the untrained network's layer 7 is straighter than the trained
# one's for both, so a straight top layer comes with the architecture, not with training. The eleven
# images the test counts as symmetric keep their class over the same share of the turn as the others,
# within an interval too wide to decide: the paper's exception is inconclusive here.

# %% [markdown]
# ## The paper's claims, checked on this run
#
# > *Small transformations have a dramatic effect in the first layer of the model, but a lesser
# > impact at the top feature layer, being quasilinear for translation & scaling. The network output
# > is stable to translations and scalings. In general, the output is not invariant to rotation,
# > except for object with rotational symmetry (e.g. entertainment center).* — Section 4
#
# Each of the `measured_images` images is one repeat. Layer 1 against layer 7 is tested on the images'
# own ratios, against the same ratios in the network untrained (its architecture alone makes any network's
# top layer calmer). "Quasilinear" is judged on how close each image's layer-7 curve lies to a straight
# line in the size of the step, against its layer-1 curve (any distance grows with the step) and
# against the untrained network's layer 7. Stability, and its absence under rotation, are judged on
# each image's share of the range that keeps its class, over the images the network names correctly
# untransformed (one named wrongly keeps nothing, which would make any poor network look "not
# invariant"), with a bootstrap interval over the images; and against the shuffled control: a network
# that keeps a class when shown another class's image is blind, not invariant. The exception for symmetric objects compares the images that look like their own rotations
# with the others, or is not tested where too few do (`zfcompanion.claims.fig5`).

# %%
rotated, moving = measured["rotation"], ("vertical translation", "scale")
claims = [
    *(fig5_claims.first_layer_moves_more(kind, invariance.smallest_step_distances(measured[kind], kind),
                                         invariance.smallest_step_distances(untrained[kind], kind)) for kind in moving),
    *(fig5_claims.top_layer_quasilinear(kind, invariance.linearities(measured[kind], untrained[kind], kind))
      for kind in moving),
    *(fig5_claims.output_stable(kind, invariance.kept_in_middle(measured[kind], kind), invariance.named_untransformed(
        measured[kind], kind), invariance.kept_in_middle(elsewhere[kind], kind)) for kind in moving),
    fig5_claims.rotation_not_invariant(invariance.kept_class(rotated), invariance.named_untransformed(rotated, "rotation"),
                                       invariance.named_untransformed(elsewhere["rotation"], "rotation")),
    fig5_claims.symmetric_objects_excepted(invariance.rotational_symmetry(rotated).tolist(), invariance.kept_class(rotated)),
]
chapter.report(claims, caveat=f"{measured_images} probe images")
