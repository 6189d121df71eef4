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
# # Fig. 7 — Occlusion sensitivity
#
# > *Three test examples where we systematically cover up different portions of the scene with a
# > gray square (1st column) and see how the top (layer 5) feature maps ((b) & (c)) and classifier
# > output ((d) & (e)) changes.*
# > — Zeiler & Fergus (2014), Fig. 7
#
# **Not yet reproduced.** This chapter has no result of this build yet: it waits for
# exact and fast occlusion maps (issue 5). Until then it shows only what the paper published, and it makes no claim.

# %% tags=["parameters"]
profile = "mini"
checkpoint_dir = "../../data/checkpoints/mini"
data_dir = None
device = "cpu"
seed = 0
