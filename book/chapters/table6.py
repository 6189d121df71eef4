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
# **Not yet reproduced.** This chapter has no result of this build yet: it waits for
# multi-label transfer (issue 7). Until then it shows only what the paper published, and it makes no claim.

# %% tags=["parameters"]
profile = "mini"
checkpoint_dir = "../../data/checkpoints/mini"
data_dir = None
device = "cpu"
seed = 0

# %% [markdown]
# ## The paper's numbers
#
# As published (`data/paper/table6.csv`); an empty cell is a number the source text does not give.

# %%
from zfcompanion import report

report.paper_table("table6")
