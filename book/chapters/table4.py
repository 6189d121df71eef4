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
# # Table 4 — Caltech-101
#
# > *Caltech-101 classification accuracy for our convnet models, against two leading alternate
# > approaches.*
# > — Zeiler & Fergus (2014), Table 4
#
# The paper keeps layers 1–7 of its ImageNet network fixed and trains only a new softmax on top, with
# 15 or 30 training images per class, against the same network trained on Caltech-101 alone and
# against the leading earlier methods of the time, built on hand-crafted features. This chapter does the same from the shipped ZF-mini
# (`zfcompanion.analysis.transfer`), on the profile's stand-in for Caltech-101, over `repeats` seeded
# splits, with up to 50 test images per class as the paper. At the mini profile the stand-in is the
# four Fashion-MNIST classes held out of pre-training (trouser, coat, shirt, bag), as scenes like the
# pre-training ones (`zfcompanion.targets`): Caltech's classes are new to an ImageNet network but its
# photographs are of the same kind, and so are these garments to ZF-mini. A far transfer to another
# domain (handwritten digits) follows in a table of its own, for contrast. The leading earlier method
# is played by the best non-deep pipeline this project can build at this scale
# (`zfcompanion.analysis.nondeep`): HOG, local binary patterns or pooled pixels with a linear or RBF
# SVM, the descriptor, classifier and its settings chosen by 3-fold cross-validation on the training
# split alone. HOG with an untuned softmax stays as a labelled weak baseline and decides no claim.
# The networks trained from scratch land on different weights on different CPUs (rounding differences
# grow over hundreds of SGD steps), so their accuracies are recorded the first time they are trained,
# in `transfer/scratch.json` beside the checkpoints, and read back on later runs: delete the file to
# train them again.
# %% tags=["parameters"]
from typing import Optional

profile: str = "mini"
checkpoint_dir: str = "../../data/checkpoints/mini"
data_dir: Optional[str] = None
device: str = "cpu"
seed: int = 0
network: str = "zf"  # the folder under checkpoint_dir of the network studied (README: torchvision's AlexNet)
transfer_dir: Optional[str] = None  # paper profile: the folder holding caltech101/, caltech256/ and VOCdevkit/
repeats: int = 5  # random training splits per setting
scratch_epochs: int = 15  # epochs of the from-scratch network on the small set
scratch_per_class: list[int] = [15, 30]  # sizes at which the network is also trained from scratch (as the paper)
claims_dir: Optional[str] = None  # where the claims go for the scorecard (the book passes it); None: build/claims

# %%
import matplotlib.pyplot as plt
from IPython.display import display

from zfcompanion import plots
from zfcompanion.analysis import transfer
from zfcompanion.chapter import Chapter
from zfcompanion.claims import transfer as transfer_claims
from zfcompanion.paper import table as paper_table

# %%
chapter = Chapter.start("table4", globals())
role = "caltech101"  # the paper's dataset; the profile names its stand-in
target, name = chapter.target(role), chapter.profile.transfer_targets[role]
sizes = list(transfer.SIZES[role])  # training images per class, as the paper
print(transfer.describe(target, role, name, chapter.profile))
model, sha256, mean_image = chapter.model(), chapter.sha256(), chapter.splits.mean_image
results = transfer.compare(model, sha256, target, name, chapter.profile, mean_image, sizes, repeats, scratch_epochs,
                           scratch_per_class, chapter.checkpoint_dir / "transfer" / "scratch.json", 50, device)
summary = transfer.summarize(results)

# %% [markdown]
# ## This run beside the paper
#
# Accuracy (%) as mean ± std over the splits. The paper's "competitors" row stands beside this run's
# HOG + softmax baseline; their numbers are not comparable across datasets, the ordering is.

# %%
paper = paper_table("table4")
transfer.beside_paper(paper, summary, sizes, f"paper ({role})", f"this run ({name}, {chapter.profile.name})")

# %%
plots.accuracy_by_size(paper, results, sizes, transfer.METHODS, name)
plt.show()

# %% [markdown]
# **What this run shows.** The pre-trained features with a new softmax lead at both sizes, by a wide
# margin over the leading method's stand-in and over the same network trained from scratch on the
# small set, as in the paper. Tuning the non-deep pipeline by cross-validation (it mostly picks HOG
# with an RBF SVM) gains a few points over the untuned HOG softmax, nowhere near enough to close a gap
# of twenty points and more: the paper's margin was 2.2 points. Below the pre-trained network the order
# differs from the paper's, where the network from scratch came last: here it is below the non-deep
# methods at 15 images per class and around them at 30, with a spread over the splits several times
# the others' (a network trained on a few hundred images depends on which ones). The
# pre-trained network's accuracy hardly grows from 15 to 30 images per class: on four garment classes
# (chance is 25 %) its features already separate what they can. Absolute numbers do not compare across
# the two datasets; the ordering and the gaps do.

# %% [markdown]
# ## A far transfer, for contrast
#
# The held-out garments are the paper's setting: new classes of the same kind of images. The same
# network carried to another domain (mini: scikit-learn's handwritten digits) shows what the
# pre-trained features are worth where nothing of their domain carries over; only the pre-trained
# softmax and the HOG baseline are measured there, on the same kind of splits. It is no row of the
# paper's table and decides no claim.

# %%
far = transfer.far_transfer(model, sha256, chapter.profile, role, mean_image, sizes, repeats, 50, data_dir, device)
if far is None:
    print("This profile has no far-transfer target.")
else:
    display(far)

# %% [markdown]
# **What this run shows.** On the digits the order turns round: HOG with a softmax beats the
# pre-trained features by tens of points. Features learned on garments in clutter describe garments; for
# thin strokes on a plain ground, gradient orientations are the better description. The paper's
# transfer worked because Caltech's objects are the same kind of images as ImageNet's, which is what
# the held-out garments are to the training garments.

# %% [markdown]
# ## The paper's claims, checked on this run
#
# The same seeded splits serve every method, so each comparison is paired over the splits: a
# difference counts only when it is significant (`zfcompanion.claims.transfer`).

# %%
pretrained = transfer.by_size(results, transfer.PRETRAINED)
claims = [transfer_claims.beats_baseline(pretrained, transfer.by_size(results, transfer.LEADING)),
          transfer_claims.scratch_far_worse(pretrained, transfer.by_size(results, transfer.SCRATCH))]
chapter.report(claims, caveat=f"{name} stand in for Caltech-101" if name != role else "")
