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
# # Fig. 4 — Evolution of features through training
#
# > *Evolution of a randomly chosen subset of model features through training. Each layer's features
# > are displayed in a different block. Within each block, we show a randomly chosen subset of
# > features at epochs [1,2,5,10,20,30,40,64]. The visualization shows the strongest activation
# > (across all training examples) for a given feature map, projected down to pixel space using our
# > deconvnet approach.*
# > — Zeiler & Fergus (2014), Fig. 4
#
# **Not yet reproduced.** This chapter has no result of this build yet: it waits for
# the deconvnet over the shipped snapshot epochs (issue 4). Until then it shows only what the paper published, and it makes no claim.

# %% tags=["parameters"]
profile = "mini"
checkpoint_dir = "../../data/checkpoints/mini"
data_dir = None
device = "cpu"
seed = 0
