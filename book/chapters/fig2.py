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
# # Fig. 2 — Visualization of features in a fully trained model
#
# > *Visualization of features in a fully trained model. For layers 2-5 we show the top 9
# > activations in a random subset of feature maps across the validation data, projected down to
# > pixel space using our deconvolutional network approach. Our reconstructions are *not* samples
# > from the model: they are reconstructed patterns from the validation set that cause high
# > activations in a given feature map. For each feature map we also show the corresponding image
# > patches. Note: (i) the strong grouping within each feature map, (ii) greater invariance at
# > higher layers and (iii) exaggeration of discriminative parts of the image, e.g. eyes and noses
# > of dogs (layer 4, row 1, cols 1).*
# > — Zeiler & Fergus (2014), Fig. 2
#
# **Not yet reproduced.** This chapter has no result of this build yet: it waits for
# the deconvnet, streaming top-9 mining and the feature atlas (issue 4). Until then it shows only what the paper published, and it makes no claim.

# %% tags=["parameters"]
profile = "mini"
checkpoint_dir = "../../data/checkpoints/mini"
data_dir = None
device = "cpu"
seed = 0
