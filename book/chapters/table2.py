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
# # Table 2 — ImageNet 2012 classification error
#
# > *ImageNet 2012 classification error rates. The * indicates models that were trained on both
# > ImageNet 2011 and 2012 training sets.*
# > — Zeiler & Fergus (2014), Table 2
#
# **Not yet reproduced.** This chapter has no result of this build yet: it waits for
# training and evaluating the Table 2 networks and ensembles (issue 6). Until then it shows only what the paper published, and it makes no claim.

# %% tags=["parameters"]
profile = "mini"
checkpoint_dir = "../../data/checkpoints/mini"
data_dir = None
device = "cpu"
seed = 0

# %% [markdown]
# ## The paper's numbers
#
# As published (`data/paper/table2.csv`); an empty cell is a number the source text does not give.

# %%
from zfcompanion import report

report.paper_table("table2")
