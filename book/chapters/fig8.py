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
# # Fig. 8 — Images used for correspondence experiments
#
# > *Images used for correspondence experiments. Col 1: Original image. Col 2,3,4: Occlusion of the
# > right eye, left eye, and nose respectively. Other columns show examples of random occlusions.*
# > — Zeiler & Fergus (2014), Fig. 8
#
# The paper asks whether the network, never told where a dog's eyes are, still treats the eyes of
# different dogs alike. It occludes the same part in several images and compares how the features change
# (Table 1). This page shows the images and occlusions this run uses. For the mini profile these are
# the first sixty ankle boots of the Fashion-MNIST test set, none skipped, each in its scene, with its
# toe, heel and collar located automatically from the garment's silhouette on the 28 × 28 source image
# (`zfcompanion/analysis/parts.py`: the toe at the frontmost ink, the heel at the rearmost, the collar
# at the top opening) and carried onto the scene through its recorded placement; and, for reference,
# occlusions of random parts of the object (squares of the same size at random places inside the
# garment's box). Fifteen boots annotated by hand (`data/annotations/fashion_mnist_boots.json`) check
# the locator.

# %% tags=["parameters"]
from typing import Optional

profile: str = "mini"
checkpoint_dir: str = "../../data/checkpoints/mini"
data_dir: Optional[str] = None
device: str = "cpu"
seed: int = 0
annotations: Optional[str] = None  # a JSON file of images of one class and their parts; None: the profile's, located
part_images: int = 60  # without `annotations`: how many images of the profile's class, their parts located automatically
part_images_shown: int = 8  # how many of them the figure shows

# %%
import matplotlib.pyplot as plt
import pandas as pd
import torch

from zfcompanion import plots
from zfcompanion.analysis import correspondence
from zfcompanion.chapter import Chapter
from zfcompanion.evaluation import views
from zfcompanion.files import ROOT

# %%
chapter = Chapter.start("fig8", globals())
parts = correspondence.annotations_for(chapter.profile, annotations, data_dir, part_images)
splits, probe_set = chapter.splits, chapter.probe_set
stored = correspondence.annotated_images(parts, probe_set, chapter.profile, splits.mean_image)
where = correspondence.squares(parts, probe_set, chapter.profile)
pixels = views(stored, chapter.profile.input_size, 1)[0] + chapter.mean_input
print(parts.how)
print(f"Parts given as the {parts.coordinates}; the first of {len(parts.images)} images in the network input (row, col), "
      f"and their square sides:")
pd.DataFrame({**{name: [f"({r:.1f}, {c:.1f})" for r, c in centres.tolist()] for name, centres in where.centres.items()},
              "square": where.sizes.tolist()},
             index=[str(image.get("index", image.get("file"))) for image in parts.images]).head(part_images_shown)

# %% [markdown]
# ## The locator against the hand annotations
#
# Each located part is compared with the hand-annotated one on the boots both hold, in source pixels
# (the larger of the row and column offsets; the square's side is 7).

# %%
if annotations is None and chapter.profile.correspondence_check:
    errors = correspondence.locator_errors(parts, correspondence.load_annotations(ROOT / chapter.profile.correspondence_check))
    print(pd.DataFrame({name: {"boots": len(e), "mean offset (px)": e.mean(), "largest offset (px)": e.max()}
                        for name, e in errors.items()}).round(2).to_string())

# %% [markdown]
# ## The paper's layout
#
# Column 1: the original image. Next, one column per part, occluded with a grey square (this project
# takes the dataset's mean image, zero after the mean is subtracted; Fig. 7's square is instead each
# scene's background grey). Last columns: random parts of the object.

# %%
generator = torch.Generator().manual_seed(seed)
columns = {"original": None,
           **{name: correspondence.trial_corners(where, name, chapter.profile.input_size, generator, 0) for name in where.centres},
           **{f"random {r + 1}": correspondence.trial_corners(where, correspondence.RANDOM, chapter.profile.input_size,
                                                              generator, 0) for r in range(2)}}
input_mean = chapter.mean_input
tiles = torch.stack([pixels if corners is None else
                     correspondence.occlude(pixels - input_mean, corners, where.sizes) + input_mean
                     for corners in columns.values()], dim=1)[:part_images_shown]
plots.labelled_columns(tiles / 255, list(columns))
plt.show()

# %% [markdown]
# **What this run shows.** Each row is one garment of the class this profile uses (the first few of
# the sixty); each part is hidden in every image by a square of the same side in source pixels (7,
# scaled with the garment in its scene), at the located place, and the random columns hide a square of
# that size at a random place in the garment's box. The located parts lie within
# a pixel or two of where a person put them on the fifteen hand-annotated boots, well inside the
# square's side, so the squares hide the same part of each boot. The paper did this with dogs' eyes
# and noses, parts that sit in the same arrangement in every frontal dog face; Table 1 measures
# whether the network treats the same part of different images alike.

