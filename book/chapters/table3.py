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
# # Table 3 — Architectural changes
#
# > *ImageNet 2012 classification error rates with various architectural changes to the model of
# > (Krizhevsky et al., 2012) and our model (see Fig. 3).*
# > — Zeiler & Fergus (2014), Table 3
#
# The paper's ablation study: remove layers or change their width, retrain, and compare train and
# validation errors. Its conclusions: removing the fully connected layers 6 and 7 gives only a slight
# increase in error, and removing the middle convolutional layers 3 and 4 a relatively small one, but
# removing both leaves a network dramatically worse, so overall **depth matters**. Changing the size of
# the fully connected layers makes little difference; wider middle convolutional layers give a useful
# gain; but widening them while also enlarging the fully connected layers over-fits (the training
# error falls far below the validation error).
#
# This chapter trains the paper's twelve configurations, seven of AlexNet-mini and five of ZF-mini
# (`zfcompanion study`, run by `make study`), all with one recipe: the paper's, compressed to 10
# epochs with the learning rate dropped tenfold after epochs 7 and 9 (the Table 2 chapter shows that
# it reaches a plateau, and how close it comes to the fully trained ZF-mini). Each configuration has
# several seeds (mini: 3, and 5 of the unchanged ZF-mini, the ensemble of Table 2), because at this
# scale a difference can sit within the noise. Each row shows the mean ± std over seeds and Welch's
# t-test of its validation top-1 error against the unchanged network of its family. The training
# error is measured on 5,000 training images with the finished network (1 view, no dropout), the
# validation error on the 5,000 held-out scenes (1 view). The mini networks' widths are scaled: fc6/fc7
# at 128 and 512 units instead of 2048 and 8192, layers 3–5 at 168, 336, 192 maps instead of 512,
# 1024, 512.

# %% tags=["parameters"]
from typing import Optional

profile: str = "mini"
checkpoint_dir: str = "../../data/checkpoints/mini"
data_dir: Optional[str] = None
device: str = "cpu"
seed: int = 0
claims_dir: Optional[str] = None  # where the claims go for the scorecard (the book passes it); None: build/claims

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from zfcompanion import plots, study
from zfcompanion.analysis import ablation
from zfcompanion.chapter import Chapter
from zfcompanion.claims import table3 as table3_claims
from zfcompanion.paper import table as paper_table

# %%
chapter = Chapter.start("table3", globals())
k = chapter.profile.top_k[1]
results = study.results(chapter.checkpoint_dir / "study", study.table3_runs(chapter.profile))
summary = ablation.summarize(results, ("val_top1_err", "train_top1_err", f"val_top{k}_err"))
print(f"{len(results)} networks, {chapter.profile.ablation_seeds} seeds per row ({chapter.profile.ensemble_size} of the unchanged ZF), "
      f"{chapter.profile.study_epochs} epochs each; {chapter.profile.topk_note}.")

# %% [markdown]
# ## The paper's numbers beside this run's

# %%
paper = paper_table("table3")
paper["variant"] = paper.change.map({text: variant for variant, text in ablation.PAPER_CHANGES.items()})
paper = paper.set_index(["base", "variant"])
published, measured = ablation.beside_paper(summary, paper, k)
print("The paper (ImageNet, top-1 and top-5 error %):")
display(published)
print(f"This run ({chapter.profile.dataset}, error %, mean ± std over seeds):")
measured

# %% [markdown]
# The paper trained each network for 70 epochs, "from scratch". Here each trained for 10, on a fixed
# schedule, so a network that learns more slowly is judged a little early; the Table 2 chapter's
# curves show how the study's networks level off by their last epochs, and how much more the shipped
# network gained from a longer schedule.
#
# ## Which differences are significant
#
# With three seeds per row, a change counts as significant when Welch's t-test against the unchanged
# network gives p < 0.05 (no correction for the 10 comparisons: at that level the chance that at
# least one of them passes by chance alone is about 40 %).

# %%
for (arch, variant), row in summary.drop(index="base", level="variant").iterrows():
    verdict = ("one run per row: no test" if np.isnan(row.p) else
               "significant" if row.p < ablation.SIGNIFICANCE else "within the noise")
    print(f"{arch:>8} {variant:<24} val top-1 {row['val_top1_err change']:+6.2f} points (p = {row.p:.3f}): {verdict}")

# %% [markdown]
# **What this run shows.** Taking layers out of AlexNet-mini one group at a time (layer 7, layers 6
# and 7, or layers 3 and 4) moves its validation error by less than the spread of its seeds; the
# paper's changes, which it called slight and relatively small, were a few points. Taking out layers
# 3, 4, 6 and 7 together is a different matter. Two of the three seeds never learned at all: they
# stayed at chance, 84 % error on six classes, from the first epoch to the last. The third seed ended
# at 23 %. Every seed is worse than every seed of the unchanged network, so depth matters here as in
# the paper. Still, three seeds with such a split outcome are too few for Welch's test to call the
# increase significant, so the verdict below stays inconclusive. Changing the width of layers 6 and 7
# moves the error by at most 0.6 points either way. Wider layers 3–5 change nothing measurable on six
# garment classes. Finally, **nothing over-fits**: every network's training error sits almost two
# points below its validation error, the widest as the unchanged one. Ten epochs over 31,000 scenes
# are too few for these small networks to memorize their training set, whereas the paper's widest
# network reached a training error far below its validation error (the table above).
#
# ## Error per change, the paper's layout as bars
#
# Top, the paper's train and validation top-1 error; bottom, this run's mean with the spread of its
# seeds (each seed a dot).

# %%
plots.ablation(paper, results, study.CONFIGURATIONS, chapter.profile.name)
plt.show()

# %% [markdown]
# ## The paper's claims, checked on this run

# %%
val = {arch: ablation.per_seed(results, arch, "val_top1_err") for arch in ("alexnet", "zf")}
chance = 100 * (1 - 1 / chapter.profile.num_classes)  # a guesser's error: a network that never trained
claims = [
    # The paper removed layers from Krizhevsky et al.'s network only; it widened its own.
    table3_claims.depth_matters(val["alexnet"], chance),
    table3_claims.fc_removal_slight(val["alexnet"], chance),
    table3_claims.conv_removal_small(val["alexnet"], chance),
    table3_claims.fc7_removal_harmless(val["alexnet"], chance),
    table3_claims.fc_size_little(val, chance),
    table3_claims.wider_conv_helps(val["zf"]),
    table3_claims.wide_everything_overfits(ablation.per_seed(results, "zf", "train_top1_err"), val["zf"]),
]
chapter.report(claims, caveat=f"every network trained for {chapter.profile.study_epochs} epochs "
               f"(the paper's recipe compressed), {chapter.profile.ablation_seeds} seeds per change")
