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
# **Not yet reproduced.** This chapter has no result of this build yet: it waits for
# the ablation study over several seeds (issue 6). Until then it shows only what the paper published, and it makes no claim.

# %% tags=["parameters"]
profile = "mini"
checkpoint_dir = "../../data/checkpoints/mini"
data_dir = None
device = "cpu"
seed = 0

# %% [markdown]
# ## The paper's numbers
#
# As published (`data/paper/table3.csv`); an empty cell is a number the source text does not give.

# %%
from zfcompanion import report

report.paper_table("table3")
