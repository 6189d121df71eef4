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
# # Table 6 — PASCAL 2012
#
# > *PASCAL 2012 classification results, comparing our Imagenet-pretrained convnet against the
# > leading two methods ([A]= (Sande et al., 2012) and [B] = (Yan et al., 2012)).*
# > — Zeiler & Fergus (2014), Table 6
#
# PASCAL VOC images hold several objects at once. The paper nevertheless trains a 20-way softmax on its
# fixed ImageNet features ("not ideal, as PASCAL images can contain multiple objects and our model just
# provides a single exclusive prediction for each image") and reports a score per class (its table
# says "Acc %"; PASCAL VOC's own measure is average precision, AP, which this chapter computes),
# against the two best methods of the 2012 challenge, [A] and [B]. This chapter does the same from the shipped ZF-mini on the
# profile's stand-in (mini: scenes of two or three Fashion-MNIST test garments of any of the ten
# classes, the four held out of pre-training included, labelled with every class present,
# `zfcompanion.targets`). Here each class gets its own logistic regression (one-vs-rest,
# which suits several labels per image better than the paper's single softmax) on layer-7 features,
# against two non-deep methods in [A]'s and [B]'s places: [A] HOG features with the same one-vs-rest
# softmax, untuned (a weak baseline), and [B] the leading method's stand-in, the best non-deep
# pipeline this project builds (HOG, LBP or pooled pixels, with linear or RBF SVMs), chosen and tuned
# by cross-validation on the training half alone (`zfcompanion.analysis.nondeep`). Half the images (a
# seeded split) train, half test.

# %% tags=["parameters"]
from typing import Optional

profile: str = "mini"
checkpoint_dir: str = "../../data/checkpoints/mini"
data_dir: Optional[str] = None
device: str = "cpu"
seed: int = 0
network: str = "zf"  # the folder under checkpoint_dir of the network studied (README: torchvision's AlexNet)
transfer_dir: Optional[str] = None  # paper profile: the folder holding caltech101/, caltech256/ and VOCdevkit/
claims_dir: Optional[str] = None  # where the claims go for the scorecard (the book passes it); None: build/claims

# %%
import matplotlib.pyplot as plt

from zfcompanion import plots
from zfcompanion.analysis import transfer
from zfcompanion.chapter import Chapter
from zfcompanion.claims import table6 as table6_claims
from zfcompanion.paper import table as paper_table, number as paper_number

# %%
chapter = Chapter.start("table6", globals())
role = "voc2012"  # the paper's dataset; the profile names its stand-in
target, name = chapter.target(role), chapter.profile.transfer_targets[role]
comparison = transfer.multilabel_comparison(chapter.model(), chapter.sha256(), target, name, chapter.mean_input,
                                            seed, device)
ap, labels = comparison.ap, target.labels.float()
print(f"{name}: {len(comparison.train)} training and {len(comparison.test)} test images, {len(target.classes)} classes, "
      f"{labels.sum(1).mean():.2f} labels per image")

# %% [markdown]
# ## Mean AP and classes won, the paper beside this run
#
# The bottom rows of the paper's Table 6 beside the same rows of this run. The classes themselves
# differ (PASCAL's twenty against the stand-in's), so they are compared in the bars below, each set
# on its own side.

# %%
paper = paper_table("table6").set_index("class")
notes = paper.pop("note").dropna()  # the paper's printed rows that do not add up, as printed
for row, note in notes.items():
    print(f"The paper's {row} row: {note}.")
print("This run's columns: " + "; ".join(f"{label} is {method}" for label, method in zip(transfer.AP_LABELS, ap.columns)))
transfer.ap_beside_paper(paper, ap, "paper (PASCAL VOC 2012)", f"this run ({name}, {chapter.profile.name})")

# %% [markdown]
# **What this run shows.** In the paper the pre-trained network came second in mean AP, a few points
# behind [B], and won a minority of classes. Here [B] is the leading method's stand-in, the best
# non-deep pipeline this project builds, tuned by cross-validation on the training half alone, and [A]
# the untuned HOG softmax, a weak baseline (their names are printed above). On the multi-label garment
# scenes the pre-trained network is far ahead of both in mean AP and best on most classes: the paper's
# shortfall does not appear.

# %%
plots.ap_per_class(paper.drop(["Mean", "# won"]), ap, transfer.AP_LABELS, name)
plt.show()
ap.set_axis(list(transfer.AP_LABELS), axis=1).round(1)

# %% [markdown]
# **What this run shows.** The pre-trained network's bars lead on most garment classes, and its AP
# varies far more from class to class than the non-deep methods' do; the tuned stand-in ([B]) is a few
# points above the untuned HOG softmax ([A]) on every class, and beats the pre-trained network on
# trousers (on shirts by less than the test images' noise, as the claims below measure). The paper's bars show a different pattern: its
# network trails [B] on many PASCAL classes, which the paper puts down to whole scenes with several
# objects against ImageNet's single centred ones. The garment scenes hold several garments too, but
# small and apart, so this run does not reproduce the difficulty the paper names.

# %% [markdown]
# ## The paper's claims, checked on this run
#
# The paper's network beat [A] and trailed [B] in mean AP while winning some classes outright (its
# numbers are in the table above). The paper puts the shortfall down to PASCAL's whole scenes against
# ImageNet's centred objects:
#
# > *This may explain our mean performance being 3.2% lower than the leading (Yan et al., 2012) result,
# > however we do beat them on 5 classes, sometimes by large margins.* — Section 5.2
#
# So the claim is a shortfall: the pre-trained network's mean AP below the leading method's, by a few
# points (here, at most twice the paper's shortfall). A run above the leading method does not reproduce it,
# and says so. Each class's AP is one repeat of the comparison. A class is won only where the network's
# margin over the best other method on it is above zero beyond the noise of the test images (a
# bootstrap over them, Holm-corrected across the classes): a point ahead is not a win
# (`zfcompanion.claims.table6`).

# %%
ours = "ours: pre-trained layer 7"
baselines = {method: ap[method].tolist() for method in ap.columns if method != ours}
claims = [table6_claims.competitive(ap[ours].tolist(), baselines, paper_number("pascal_gap")),
          table6_claims.wins_some_classes(transfer.class_margins(comparison, ours))]
chapter.report(claims, caveat=f"{name} stand in for PASCAL VOC 2012" if name != role else "")
