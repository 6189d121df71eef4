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
# # Fig. 6 — Architecture selection
#
# > *(a): 1st layer features without feature scale clipping. Note that one feature dominates. (b):
# > 1st layer features from (Krizhevsky et al., 2012). (c): Our 1st layer features. The smaller
# > stride (2 vs 4) and filter size (7x7 vs 11x11) results in more distinctive features and fewer
# > "dead" features. (d): Visualizations of 2nd layer features from (Krizhevsky et al., 2012). (e):
# > Visualizations of our 2nd layer features. These are cleaner, with no aliasing artifacts that are
# > visible in (d).*
# > — Zeiler & Fergus (2014), Fig. 6
#
# **Not yet reproduced.** This chapter has no result of this build yet: it waits for
# the filter and projection analysis of the shipped ZF-mini, ZF-mini without clipping and AlexNet-mini (issue 4). Until then it shows only what the paper published, and it makes no claim.

# %% tags=["parameters"]
profile = "mini"
checkpoint_dir = "../../data/checkpoints/mini"
data_dir = None
device = "cpu"
seed = 0
