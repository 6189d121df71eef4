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
# # Fig. 8 — Images used for correspondence experiments
#
# > *Images used for correspondence experiments. Col 1: Original image. Col 2,3,4: Occlusion of the
# > right eye, left eye, and nose respectively. Other columns show examples of random occlusions.*
# > — Zeiler & Fergus (2014), Fig. 8
#
# **Not yet reproduced.** This chapter has no result of this build yet: it waits for
# the correspondence analysis (issue 5). Until then it shows only what the paper published, and it makes no claim.

# %% tags=["parameters"]
profile = "mini"
checkpoint_dir = "../../data/checkpoints/mini"
data_dir = None
device = "cpu"
seed = 0
