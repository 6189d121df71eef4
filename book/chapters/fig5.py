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
# # Fig. 5 — Invariance to translation, scale and rotation
#
# > *Analysis of vertical translation, scale, and rotation invariance within the model (rows a-c
# > respectively). Col 1: 5 example images undergoing the transformations. Col 2 & 3: Euclidean
# > distance between feature vectors from the original and transformed images in layers 1 and 7
# > respectively. Col 4: the probability of the true label for each image, as the image is
# > transformed.*
# > — Zeiler & Fergus (2014), Fig. 5
#
# **Not yet reproduced.** This chapter has no result of this build yet: it waits for
# the invariance analysis (issue 5). Until then it shows only what the paper published, and it makes no claim.

# %% tags=["parameters"]
profile = "mini"
checkpoint_dir = "../../data/checkpoints/mini"
data_dir = None
device = "cpu"
seed = 0
