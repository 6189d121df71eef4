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
pair_scenes: int = 60  # scenes of two garments on which label switching is tested
claims_dir: Optional[str] = None  # where the claims go for the scorecard (the book passes it); None: build/claims

# %%
import matplotlib.pyplot as plt

from zfcompanion import data, models, plots, targets, topk
from zfcompanion.analysis import occlusion
from zfcompanion.chapter import Chapter
from zfcompanion.claims import fig7 as fig7_claims
from zfcompanion.deconvnet import DeconvNet

# %%
chapter = Chapter.start("fig7", globals())
model, chosen, input_size = chapter.model(), chapter.probe_indices, chapter.profile.input_size
x = chapter.inputs(chosen)
truth = data.labels(chapter.probe_set)[chosen]
size, stride = chapter.profile.occluder_size, chapter.profile.occluder_stride
probes = occlusion.occlude_probes(model, x, chapter.pixels(x), chapter.mean_input, size, stride)
rows, cols = probes.sweep.probabilities.shape[1:3]
print(f"{len(chosen)} images, a {size}×{size} square at stride {stride}: {rows}×{cols} positions each; "
      f"layer-5 maps followed: {probes.strongest_map.tolist()}")

# %% [markdown]
# ## The paper's layout: one row per image
#
# (a) the image with the square drawn at one position; (b) the followed layer-5 map's total activation
# at each position of the square (brighter: more); (c) the same map's projection from this image (framed)
# and from the validation images that excite it most; (d) the probability of the correct class at each
# position (dark: the square hides what the network needs); (e) the most probable class at each position.

# %%
layer5, followed = models.feature_map_layers(model.features)[-1], probes.strongest_map.tolist()
own_projection = DeconvNet(model.features).project(x, layer5, probes.strongest_map.to(chapter.device)).cpu()
mined = topk.mine(model.features, chapter.splits.val, [layer5], 8, input_size, device=device)[layer5]
tiles = topk.beside_top(model.features, chapter.splits.val, mined, layer5, x, followed, own_projection,
                        input_size, chapter.splits.mean_image, device)
correct, pixels = probes.sweep.probabilities[range(len(chosen)), :, :, truth].cpu(), chapter.pixels(x)
for row, index in enumerate(chosen):
    plots.occlusion_figure(pixels[row], probes.fill[row], probes.sweep.map_totals[row], followed[row],
                           tiles[row], correct[row], probes.sweep.probabilities[row].argmax(-1).cpu(),
                           int(truth[row]), chapter.splits.classes, size, stride,
                           f"{chapter.splits.classes[truth[row]]} (image {index})")
    plt.show()

# %% [markdown]
# **What this run shows.** (d) darkens only where the square lies on the garment, never on the clutter
# behind it (the rings, bars and outlines of the scene): while the garment is visible, p(correct
# class) stays near one. How much the square hurts depends on how much of the garment it hides: the
# ankle boot's and the sandal's probabilities collapse when it covers their middle, while the
# pullover, larger than the square, is recognised at every position. (b) loses activity where the
# square covers the part of the garment that the map's own projection, framed in (c), draws (the
# boot's sole, the pullover's lower half), as the paper argues; measured over many scenes below, it
# loses about as much wherever the square hides the garment. (e) switches to a neighbouring class where the object is covered: the boot becomes a
# sneaker, a sandal, a pullover or a T-shirt, the sandal a sneaker. Unlike the paper's examples, a
# scene here holds one object, so the test below asks whether the clutter matters at all.

# %% [markdown]
# ## Does the network look at the object or at its context?
#
# Each scene records its garment's box, so every position of the square is either on the object
# (at least half the square inside the box) or on the context (the square misses the box). Over the
# first `context_images` test scenes, each image gives the mean drop of p(correct class) with the
# square on the object and with it on the context. If the network uses the object, the first is larger.

# %%
context_set = list(range(min(context_images, len(chapter.probe_set))))
context_x, boxes = chapter.inputs(context_set), data.input_boxes(chapter.probe_set, chapter.profile)
context_truth = data.labels(chapter.probe_set)[context_set]
context_probes = occlusion.occlude_probes(model, context_x, chapter.pixels(context_x), chapter.mean_input, size, stride)
if boxes is None:  # no object boxes recorded: the comparison cannot be made
    region_drops, object_minus_context = None, None
else:
    region_drops = occlusion.context_drops(context_probes, context_truth, boxes[context_set], size, stride)
    object_minus_context = (region_drops[:, 0] - region_drops[:, 1]).tolist()
    plots.object_against_context(region_drops)
    plt.show()
    print(f"mean drop on the object {float(region_drops[:, 0].mean()):.3f}, on the context {float(region_drops[:, 1].mean()):.3f}")

# %% [markdown]
# **What this run shows.** Every dot sits on the vertical axis: a square on the context never lowers
# p(correct class). A square on the object lowers it in most scenes, by up to one half; the average is
# small because the square hides only part of a garment that the network mostly still recognises, and
# a few dots fall below zero, scenes where hiding part of the object made the network surer. The
# network localizes the object, as the paper found, and this scale shows it in its cleanest form:
# nothing in the clutter carries the class. That is also why the comparison decides nothing here: the
# scenes' clutter is drawn independently of the garment, so a network has only the object to use,
# and no control could make the difference fail. The claim is therefore not testable at this profile.

# %% [markdown]
# ## Does the map lose activity where its projection lies?
#
# (b) beside (c), measured: on the same scenes, each image's strongest layer-5 map is followed as
# the square moves, and its projection from that image is computed. Per image, the correlation over
# the square's positions between the map's loss of activity and how much of the projection the square
# hides. The control is how much the square hides of the image itself (its departure from the
# background grey): a map that lost activity wherever any part of the garment is hidden would follow
# that as well as its projection, and the projection would add nothing.

# %%
context_projection = DeconvNet(model.features).project(context_x, layer5, context_probes.strongest_map.to(chapter.device)).cpu()
follows = occlusion.map_drop_correlations(context_probes, context_projection, chapter.pixels(context_x), size, stride)
for shown, values in follows.items():
    print(f"the map's drop against the {shown} hidden: mean correlation {sum(values) / len(values):.2f}, "
          f"positive in {sum(v > 0 for v in values)} of {len(values)} images")

# %% [markdown]
# **What this run shows.** The map does lose activity where the square hides its projection: the
# correlation is positive in almost every scene. But it loses about as much wherever the square hides
# the garment, whether or not the projection lies there: the control correlates as well. A layer-5
# unit here sees most of the crop and a garment fills a small part of it, so a map's projection and
# the garment largely coincide, and this scale cannot tell "what the projection shows" from "the
# object". The claim stays undecided.

# %% [markdown]
# ## Does hiding one object switch the label to another?
#
# The paper's row of (e) with the pomeranian and the tennis ball: hide the dog's face and the network
# says "tennis ball", another object of the scene. Its test needs scenes of two objects, so this
# chapter composes `pair_scenes` of them: two test garments of different pre-training classes, placed
# apart on one background. In each scene whose most probable class is one of its garments', the square
# is slid over that garment: does the other garment's class become the most probable somewhere? The
# control is the same scene with the named garment alone, on the same background at the same place:
# if the square switched the label to that class just as often without the other garment there, the
# switch would be the network's confusion between the two classes, not the other object being seen.

# %%
pairs = targets.garment_pairs(chapter.profile, data_dir, pair_scenes)
if pairs is None:  # a profile whose images are not composed: no such scenes
    switches = {"with the other": None, "alone": None}
else:
    switches = occlusion.switches_to_the_other(model, pairs.pairs, pairs.alone, pairs.labels, pairs.boxes,
                                               chapter.mean_input, size, stride)
    plots.garment_pairs(pairs, chapter.splits.classes, shown=4)
    plt.show()
    print(f"{len(switches['alone'])} of {pair_scenes} scenes name one of their garments; a square on it switches the label "
          f"to the other garment's class in {sum(switches['with the other'])} of them, and in the same scenes with the "
          f"named garment alone in {sum(switches['alone'])}.")

# %% [markdown]
# **What this run shows.** With a second garment in the scene, hiding the named one hands the label to
# the other garment in most scenes; with the same garment alone, the same squares give that class far
# less often, only where the two classes are easily confused. The switch follows the other object.

# %% [markdown]
# ## The strongest map, or many?
#
# The paper's third example: "The strongest feature in layer 5 picks out the faces, but the
# classifier is sensitive to the dog (blue region in (d)), since it uses multiple feature maps." On the
# same scenes as above, the square is let through to the classifier one way at a time: through the
# image's strongest layer-5 map alone (every other map as without the square), then through every
# other map alone (the strongest as without it). Each image gives the mean drop of log p(correct
# class) over the square's positions both ways (`occlusion.drops_through_maps`; the log, because a
# confident network's p hardly moves near 1, whichever map carries the change).

# %%
through_maps = occlusion.drops_through_maps(model, context_x, chapter.pixels(context_x), context_truth,
                                            chapter.mean_input, size, stride)
print(f"mean drop of log p(correct) through the strongest map alone {float(through_maps[:, 0].mean()):.3f}, "
      f"through the other maps alone {float(through_maps[:, 1].mean()):.3f} ({len(context_set)} images)")

# %% [markdown]
# **What this run shows.** Let through the strongest layer-5 map alone, the square leaves the
# network's confidence in the correct class where it was (on average it even rises a little); let
# through every other map, it lowers it. Hiding part of a garment reaches the classifier through maps
# other than the one that responds most, as the paper says of its third example. Scenes here hold one
# garment, so this shows many maps at work, not the paper's case of a strongest map on one object (the
# faces) and a classifier that follows another (the dog).

# %% [markdown]
# ## The paper's claims, checked on this run
#
# > *The examples clearly show the model is localizing the objects within the scene, as the
# > probability of the correct class drops significantly when the object is occluded.* [...] *When the
# > occluder covers the image region that appears in the visualization, we see a strong drop in
# > activity in the feature map.* — Section 4.2 of the paper
#
# > *E.g. in the 1st row, for most locations it is "pomeranian", but if the dog's face is obscured
# > but not the ball, then it predicts "tennis ball".* — Fig. 7's caption
#
# The object against its context is measured on the scenes above, each image one repeat, with a
# bootstrap interval over the images, and judged not testable here: nothing in the context could carry
# the class. The map's drop under its projection (b, c) is tested on the same scenes, each image one
# repeat, against the image hidden; the label switching (e) on the scenes of two garments, each scene
# one repeat, paired with the same scene without the other garment; the strongest map against the
# others on the scenes of the context test, each image one repeat (`zfcompanion.claims.fig7`).

# %%
claims = [
    fig7_claims.localizes_object(object_minus_context, chapter.profile.context_carries_class),
    fig7_claims.map_follows_projection(**follows),
    fig7_claims.label_switches(switches["with the other"], switches["alone"]),
    fig7_claims.several_maps(through_maps.tolist()),
]
chapter.report(claims, caveat=f"{len(context_set)} images for the object and its context, (b) and (c) and the "
               f"strongest map, {pair_scenes} scenes of two garments for (e)")
