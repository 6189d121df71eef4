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
# # Table 1 — Correspondence of object parts
#
# > *Measure of correspondence for different object parts in 5 different dog images. The lower
# > scores for the eyes and nose (compared to random object parts) show the model implicitly
# > establishing some form of correspondence of parts at layer 5 in the model. At layer 7, the
# > scores are more similar, perhaps due to upper layers trying to discriminate between the
# > different breeds of dog.*
# > — Zeiler & Fergus (2014), Table 1
#
# **Not yet reproduced.** This chapter has no result of this build yet: it waits for
# the correspondence analysis (issue 5). Until then it shows only what the paper published, and it makes no claim.

# %% tags=["parameters"]
profile = "mini"
checkpoint_dir = "../../data/checkpoints/mini"
data_dir = None
device = "cpu"
seed = 0

# %% [markdown]
# ## The paper's numbers
#
# As published (`data/paper/table1.csv`); an empty cell is a number the source text does not give.

# %%
from zfcompanion import report

report.paper_table("table1")
