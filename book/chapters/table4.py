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
# domain (handwritten digits) follows in a table of its own, for contrast. The non-deep baseline is HOG features with a softmax (logistic regression).
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

# %%
from pathlib import Path

import matplotlib.pyplot as plt

from zfcompanion import checkpoints, data, parameters, plots, report, targets
from zfcompanion.analysis import transfer
from zfcompanion.claims import transfer as transfer_claims

run_profile = parameters.check(globals())
role = "caltech101"  # the paper's dataset; the profile names its stand-in
checkpoint = Path(checkpoint_dir) / network / "final.pt"
model, _ = checkpoints.load_model(checkpoint)
sha256 = checkpoints.entry(checkpoint)["sha256"]
splits = data.pretraining_splits(run_profile, data_dir)
target = targets.transfer_target(run_profile, role, splits.mean_image, data_dir, transfer_dir)
name = run_profile.transfer_targets[role]
sizes = [15, 30]  # training images per class, as the paper
print(f"{role} at the {run_profile.name} profile: {name}, {len(target.dataset)} images, {len(target.classes)} classes")
results = transfer.compare(model, sha256, target, name, run_profile, splits.mean_image, sizes, repeats,
                           scratch_epochs, scratch_per_class, Path(checkpoint_dir) / "transfer" / "scratch.json",
                           50, device)
summary = transfer.summarize(results)

# %% [markdown]
# ## This run beside the paper
#
# Accuracy (%) as mean ± std over the splits. The paper's "competitors" row stands beside this run's
# HOG + softmax baseline; their numbers are not comparable across datasets, the ordering is.

# %%
paper = report.paper_table("table4")
transfer.beside_paper(paper, summary, sizes, f"paper ({role})", f"this run ({name}, {run_profile.name})")

# %%
plots.accuracy_by_size(paper, summary, sizes, transfer.METHODS, name)
plt.show()

# %% [markdown]
# ## A far transfer, for contrast
#
# The held-out garments are the paper's setting: new classes of the same kind of images. The same
# network carried to another domain (mini: scikit-learn's handwritten digits) shows what the
# pre-trained features are worth where nothing of their domain carries over; only the pre-trained
# softmax and the HOG baseline are measured there, on the same kind of splits. It is no row of the
# paper's table and decides no claim.

# %%
far = transfer.far_transfer(model, sha256, run_profile, role, splits.mean_image, sizes, repeats, 50, data_dir, device)
print("This profile has no far-transfer target." if far is None else far.to_string())

# %% [markdown]
# ## The paper's claims, checked on this run
#
# The same seeded splits serve every method, so each comparison is paired over the splits: a
# difference counts only when it is significant (`zfcompanion.claims.transfer`).

# %%
pretrained = transfer.by_size(results, transfer.PRETRAINED)
scratch = transfer.by_size(results, transfer.SCRATCH)
baseline = transfer.by_size(results, transfer.BASELINE)
claims = [transfer_claims.beats_baseline(pretrained, baseline), transfer_claims.scratch_far_worse(pretrained, scratch)]
report.report_claims("table4", claims, run_profile.name,
                     caveats=(run_profile.caveat, f"{name} stand in for Caltech-101" if name != role else ""))
