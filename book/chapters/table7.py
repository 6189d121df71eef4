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
# # Table 7 — What each layer knows
#
# > *Analysis of the discriminative information contained in each layer of feature maps within our
# > ImageNet-pretrained convnet. We train either a linear SVM or softmax on features from different
# > layers (as indicated in brackets) from the convnet. Higher layers generally produce more
# > discriminative features.*
# > — Zeiler & Fergus (2014), Table 7
#
# **Not yet reproduced.** This chapter has no result of this build yet: it waits for
# per-layer linear classifiers (issue 7). Until then it shows only what the paper published, and it makes no claim.

# %% tags=["parameters"]
profile = "mini"
checkpoint_dir = "../../data/checkpoints/mini"
data_dir = None
device = "cpu"
seed = 0

# %% [markdown]
# ## The paper's numbers
#
# As published (`data/paper/table7.csv`); an empty cell is a number the source text does not give.

# %%
from zfcompanion import report

report.paper_table("table7")
