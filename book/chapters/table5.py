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
# ZF-mini on the profile's stand-in (mini: 26 capital letters rendered from matplotlib's fonts,
# `zfcompanion.targets`), over `repeats` seeded splits, with 25 test images per class. The non-deep
# baseline is HOG features with a softmax (logistic regression).
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
scratch_per_class: list[int] = [45]  # sizes at which the network is also trained from scratch: the paper's row has 45 only

# %%
from pathlib import Path

import matplotlib.pyplot as plt

from zfcompanion import checkpoints, data, parameters, plots, report, targets
from zfcompanion.analysis import transfer

run_profile = parameters.check(globals())
role = "caltech256"  # the paper's dataset; the profile names its stand-in
checkpoint = Path(checkpoint_dir) / network / "final.pt"
model, _ = checkpoints.load_model(checkpoint)
sha256 = checkpoints.entry(checkpoint)["sha256"]
splits = data.pretraining_splits(run_profile, data_dir)
target = targets.transfer_target(run_profile, role, splits.mean_image, data_dir, transfer_dir)
name = run_profile.transfer_targets[role]
sizes = [15, 30, 45, 60]  # training images per class, as the paper
print(f"{role} at the {run_profile.name} profile: {name}, {len(target.dataset)} images, {len(target.classes)} classes")
results = transfer.compare(model, sha256, target, name, run_profile, splits.mean_image, sizes, repeats,
                           scratch_epochs, scratch_per_class, 25, device)
summary = results.groupby(["method", "per class"])["accuracy"].agg(["mean", "std"]).unstack("per class")
summary = summary.reindex(transfer.METHODS)

# %% [markdown]
# ## This run beside the paper
#
# Accuracy (%) as mean ± std over the splits, and accuracy against training images per class (the
# paper's Fig. 9).

# %%
paper = report.paper_table("table5")
transfer.beside_paper(paper, summary, sizes, f"paper ({role})", f"this run ({name}, {run_profile.name})")

# %%
plots.accuracy_by_size(paper, summary, sizes, transfer.METHODS, name)
plt.show()

# %% [markdown]
# ## The paper's claims, checked on this run

# %%
mean = summary["mean"]
pretrained, scratch, baseline = (mean.loc[m] for m in transfer.METHODS)
claims = [
    report.claim("The pre-trained network beats the best non-deep method at every training size",
                 ", ".join(f"{n}/class: {pretrained[n]:.1f} vs {baseline[n]:.1f}" for n in sizes),
                 "pre-trained above the baseline at every size", bool((pretrained > baseline).all())),
    report.claim("With few images per class, pre-training beats the baseline trained on many (Fig. 9)",
                 f"pre-trained at 15/class {pretrained[15]:.1f} %, baseline at 60/class {baseline[60]:.1f} %",
                 "pre-trained at the smallest size above the baseline at the largest", pretrained[15] > baseline[60]),
    report.claim("Trained from scratch, the network does far worse",
                 f"at {scratch_per_class[0]}/class: {scratch[scratch_per_class[0]]:.1f} % from scratch, "
                 f"{pretrained[scratch_per_class[0]]:.1f} % pre-trained",
                 "at least 5 points below pre-trained", pretrained[scratch_per_class[0]] - scratch[scratch_per_class[0]] >= 5),
]
report.report_claims("table5", claims, run_profile.name)
