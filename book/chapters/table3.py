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

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from zfcompanion import parameters, report, study
from zfcompanion.analysis import ablation
from zfcompanion.claims import table3 as table3_claims

run_profile = parameters.check(globals())
k = run_profile.top_k[1]
results = study.results(Path(checkpoint_dir) / "study", study.table3_runs(run_profile))
summary = ablation.summarize(results, ("val_top1_err", "train_top1_err", f"val_top{k}_err"))
print(f"{len(results)} networks, {run_profile.ablation_seeds} seeds per row ({run_profile.ensemble_size} of the unchanged ZF), "
      f"{run_profile.study_epochs} epochs each; {run_profile.topk_note}.")

# %% [markdown]
# ## The paper's numbers beside this run's

# %%
paper = report.paper_table("table3")
paper["variant"] = paper.change.map({text: variant for variant, text in ablation.PAPER_CHANGES.items()})
paper = paper.set_index(["base", "variant"])


def mean_std(column: str) -> list[str]:
    return [report.mean_std(mean, std) for mean, std in zip(summary[f"{column} mean"], summary[f"{column} std"])]


table = pd.DataFrame({
    "change (paper's words)": [ablation.PAPER_CHANGES[variant] for _, variant in summary.index],
    "paper: train top-1": paper.train_top1_err.reindex(summary.index),
    "paper: val top-1": paper.val_top1_err.reindex(summary.index),
    "paper: val top-5": paper.val_top5_err.reindex(summary.index),
    "train top-1": mean_std("train_top1_err"),
    "val top-1": mean_std("val_top1_err"),
    f"val top-{k}": mean_std(f"val_top{k}_err"),
    "val top-1 change": summary["val_top1_err change"].round(2),
    "p (Welch)": summary.p.round(4),
    "significant": summary.p < ablation.SIGNIFICANCE,
}, index=summary.index)
table

# %% [markdown]
# The paper trained each network for 70 epochs, "from scratch". Here each trained for 10, on a fixed
# schedule, so a network that learns more slowly is judged a little early; the plateau in the Table 2
# chapter's curves says how little.
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
fig, axes = plt.subplots(2, 2, figsize=(12, 6.5), sharex="col", gridspec_kw={"width_ratios": [7, 5]})
for column, (arch, variants) in enumerate(ablation.CONFIGURATIONS.items()):
    x = np.arange(len(variants))
    published = paper.loc[arch].reindex(variants)
    axes[0, column].bar(x - 0.2, published.train_top1_err, 0.4, color="tab:gray", label="train")
    axes[0, column].bar(x + 0.2, published.val_top1_err, 0.4, color="tab:red", label="validation")
    axes[0, column].set(title=f"paper: {arch}", ylabel="top-1 error (%)")
    mine = summary.loc[arch].reindex(variants)
    for offset, name, colour in ((-0.2, "train_top1_err", "tab:gray"), (0.2, "val_top1_err", "tab:blue")):
        axes[1, column].bar(x + offset, mine[f"{name} mean"], 0.4, yerr=mine[f"{name} std"], color=colour, capsize=2,
                            label="train" if name.startswith("train") else "validation")
        runs = results[results.arch == arch]
        for position, variant in enumerate(variants):
            values = runs[runs.variant == variant][name]
            axes[1, column].plot([position + offset] * len(values), values, "k.", markersize=3)
    axes[1, column].set(title=f"this run: {arch}-{run_profile.name}", ylabel="top-1 error (%)")
    axes[1, column].set_xticks(x, variants, rotation=45, ha="right", fontsize=8)
    for ax in axes[:, column]:
        ax.legend(fontsize=7)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The paper's claims, checked on this run

# %%
val = {arch: ablation.per_seed(results, arch, "val_top1_err") for arch in ("alexnet", "zf")}
claims = [
    # The paper removed layers from Krizhevsky et al.'s network only; it widened its own.
    table3_claims.depth_matters(val["alexnet"]),
    table3_claims.fc_removal_slight(val["alexnet"]),
    table3_claims.conv_removal_small(val["alexnet"]),
    table3_claims.fc7_removal_harmless(val["alexnet"]),
    table3_claims.fc_size_little(val),
    table3_claims.wider_conv_helps(val["zf"]),
    table3_claims.wide_everything_overfits(ablation.per_seed(results, "zf", "train_top1_err"), val["zf"]),
]
report.report_claims("table3", claims, run_profile.name,
                     caveats=(run_profile.caveat, f"every network trained for {run_profile.study_epochs} epochs "
                                                   f"(the paper's recipe compressed), {run_profile.ablation_seeds} seeds per change"))
