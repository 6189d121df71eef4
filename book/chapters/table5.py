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
# **Not yet reproduced.** This chapter has no result of this build yet: it waits for
# transfer to small datasets (issue 7). Until then it shows only what the paper published, and it makes no claim.

# %% tags=["parameters"]
profile = "mini"
checkpoint_dir = "../../data/checkpoints/mini"
data_dir = None
device = "cpu"
seed = 0

# %% [markdown]
# ## The paper's numbers
#
# As published (`data/paper/table5.csv`); an empty cell is a number the source text does not give.

# %%
from zfcompanion import report

report.paper_table("table5")
