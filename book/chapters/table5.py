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
# # Table 5 — Caltech-256
#
# > *Caltech 256 classification accuracies.*
# > — Zeiler & Fergus (2014), Table 5
#
# Caltech-256 has 256 classes and few images of each. The paper trains a new softmax on its fixed
# ImageNet features with 15, 30, 45 or 60 images per class, and shows (Fig. 9) that with just 6 per
# class it already beats the best earlier method with 60. This chapter does the same from the shipped
# ZF-mini on the profile's stand-in, over `repeats` seeded splits, with 25 test images per class. At
# the mini profile the stand-in is scenes of two garments of the four classes held out of
# pre-training, one class per unordered pair ("coat & shirt", "bag & bag": ten classes;
# `zfcompanion.targets`): new classes of the same kind of images, as Caltech-256's are to ImageNet's,
# and more of them and finer than Table 4's four, as Caltech-256 is the harder of the two. The scale
# cannot offer 256 classes, so what this chapter shares with the paper's is the question of how
# accuracy grows with the training images per class. A far transfer (26 capital letters rendered from matplotlib's fonts)
# follows in a table of its own. The non-deep
# baseline is HOG features with a softmax (logistic regression). As in Table 4, the from-scratch
# networks' accuracies are recorded in `transfer/scratch.json` beside the checkpoints the first time
# they are trained.
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
scratch_per_class: list[int] = [15, 30, 45, 60]  # sizes at which the network is also trained from scratch (as the paper's row)
claims_dir: Optional[str] = None  # where the claims go for the scorecard (the book passes it); None: build/claims

# %%
import matplotlib.pyplot as plt
from IPython.display import display

from zfcompanion import plots
from zfcompanion.analysis import transfer
from zfcompanion.chapter import Chapter
from zfcompanion.claims import transfer as transfer_claims
from zfcompanion.paper import table as paper_table, number as paper_number

# %%
chapter = Chapter.start("table5", globals())
role = "caltech256"  # the paper's dataset; the profile names its stand-in
target, name = chapter.target(role), chapter.profile.transfer_targets[role]
sizes = list(transfer.SIZES[role])  # training images per class, as the paper's table
few = int(paper_number("fig9_images_per_class"))  # Fig. 9: so few beat the best earlier method at 60
print(transfer.describe(target, role, name, chapter.profile))
model, sha256, mean_image = chapter.model(), chapter.sha256(), chapter.splits.mean_image
results = transfer.compare(model, sha256, target, name, chapter.profile, mean_image, [few, *sizes], repeats, scratch_epochs,
                           scratch_per_class, chapter.checkpoint_dir / "transfer" / "scratch.json", 25, device)
summary = transfer.summarize(results)
by_method = {method: transfer.by_size(results, method) for method in transfer.METHODS}  # size -> accuracies

# %% [markdown]
# ## This run beside the paper
#
# Accuracy (%) as mean ± std over the splits, and accuracy against training images per class (the
# paper's Fig. 9).

# %%
paper = paper_table("table5")
transfer.beside_paper(paper, summary, sizes, f"paper ({role})", f"this run ({name}, {chapter.profile.name})")

# %%
plots.accuracy_by_size(paper, results, sizes, transfer.METHODS, name)
plt.show()

# %% [markdown]
# **What this run shows.** The garment pairs are a hard set for every method here: with ten classes
# chance is 10 %, and none gets a third of the test scenes right. As in the paper, the pre-trained
# features with a new softmax are ahead of the leading method's stand-in at every size, most at 15
# images per class, and gain little from more images, while the stand-in, tuned by cross-validation,
# gains steadily and closes more than half of the gap by 60: the first handful of images per class
# gives the pre-trained network most of its accuracy, the message of the paper's Fig. 9. Yet with 6
# images per class it is not clearly above the stand-in with 60 (the second claim below). Trained
# from scratch on the small set alone, the same network is far worse up to 45 images per class, and
# level with the stand-in at 60. Unlike the paper's, the margin over the leading method is smaller here
# than on Table 4's held-out garments: a pair is told only by recognising two garments at once, and
# layer 7 was shaped to name one garment per scene.

# %% [markdown]
# ## A far transfer, for contrast
#
# The garment pairs are the paper's setting: new classes of the same kind of images. The same
# network carried to another domain (mini: capital letters rendered from matplotlib's fonts) shows
# what the pre-trained features are worth where nothing of their domain carries over; only the
# pre-trained softmax and the HOG baseline are measured there, on the same kind of splits. It is no
# row of the paper's table and decides no claim.

# %%
far = transfer.far_transfer(model, sha256, chapter.profile, role, mean_image, sizes, repeats, 25, data_dir, device)
if far is None:
    print("This profile has no far-transfer target.")
else:
    display(far)

# %% [markdown]
# **What this run shows.** Carried to the letters, the pre-trained features lose to HOG at every size:
# they were learned on garments, and letters share little with them beyond edges. The garment stand-in
# is the paper's setting; this table marks where that setting ends.

# %% [markdown]
# ## The paper's claims, checked on this run
#
# The same seeded splits serve every method, so each comparison at one size is paired over the
# splits. Fig. 9's claim sets the pre-trained network with the paper's handful of images per class
# against the leading method's stand-in with ten times as many (`zfcompanion.claims.transfer`). The
# leading method is played by the tuned non-deep stand-in, never by the untuned HOG row. Where a
# profile lets one stand-in play both Caltech roles, the claims Table 4 also makes are judged here
# only at the sizes Table 4 does not test, so that one dataset's numbers count once
# (`transfer.judged_sizes`).

# %%
pretrained, leading, scratch = by_method[transfer.PRETRAINED], by_method[transfer.LEADING], by_method[transfer.SCRATCH]
easier, judged = chapter.profile.transfer_targets["caltech101"], transfer.judged_sizes(chapter.profile, role)
margins = {"caltech101": None, "caltech256": None}  # where one dataset plays both roles, there is no harder set
if easier != name:  # Table 4's setting at 30 images per class, beside this table's
    margins = {"caltech101": transfer.margin(transfer.compare(model, sha256, chapter.target("caltech101"), easier,
                                                              chapter.profile, mean_image, [30], repeats, 0, [], None, 50,
                                                              device), 30),
               "caltech256": transfer.margin(results, 30)}
claims = [
    transfer_claims.beats_baseline({n: pretrained[n] for n in judged}, {n: leading[n] for n in judged}),
    transfer_claims.few_beat_many(pretrained[few], leading[max(sizes)], few, max(sizes)),
    transfer_claims.scratch_far_worse(pretrained, {n: scratch[n] for n in judged if n in scratch}),
    transfer_claims.harder_set_larger_margin(margins["caltech101"], margins["caltech256"]),
]
chapter.report(claims, caveat=f"{name} stand in for Caltech-256" if name != role else "")
