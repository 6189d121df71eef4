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
# # The data this build learns from
#
# The paper trains on ImageNet 2012: 1.3 million photographs of 1000 classes, each resized so that its
# short side is 256 pixels, of which the network sees 224 × 224 crops. Its objects rarely fill the
# frame: they sit among other things, at many sizes and places. Its Figs 5, 7 and 8 and Table 1 depend
# on that: they move the object within the frame, hide it or hide its surroundings.
#
# The mini profile keeps those properties at a size that trains on two CPU cores. Each Fashion-MNIST
# garment (28 × 28 grey, on black) is placed on a 72 × 72 canvas, at a random size from a third to two
# thirds of the 64-pixel crop the network sees (72/64 is the paper's 256/224) and at a random place
# inside the center view, over a background of low-contrast texture and random strokes that carry no
# label (`zfcompanion.scenes`). Every scene records where its garment went, so that a point marked on
# the 28 × 28 source (Fig. 8's parts) can be found on the scene.
#
# The networks pre-train on six of the ten classes. The other four are held out: they play the part
# of Caltech-101 in Tables 4 and 7, new classes of the same kind of images, as Caltech's classes are
# to ImageNet's; scenes of two of them, one class per pair of held-out classes, play the harder
# Caltech-256 in Tables 5 and 7. Scenes of two or three garments of any class play PASCAL VOC in
# Table 6.

# %% tags=["parameters"]
from typing import Optional

profile: str = "mini"
checkpoint_dir: str = "../../data/checkpoints/mini"
data_dir: Optional[str] = None
device: str = "cpu"
seed: int = 0
examples: int = 24  # training images shown

# %%
import matplotlib.pyplot as plt
import pandas as pd
import torch

from zfcompanion import data, plots
from zfcompanion.chapter import Chapter

# %%
chapter = Chapter.start("training_data", globals())
splits = chapter.splits
counts = {name: len(getattr(splits, name)) for name in ("train", "val", "test") if getattr(splits, name) is not None}
print(f"{chapter.profile.description}: " + ", ".join(f"{count} {name}" for name, count in counts.items())
      + f" images of {len(splits.classes)} classes, stored at {chapter.profile.stored_size}×{chapter.profile.stored_size}, "
        f"seen as {chapter.profile.input_size}×{chapter.profile.input_size} crops")
pd.DataFrame({"images per class (training)": data.labels(splits.train).bincount(minlength=len(splits.classes)).tolist()},
             index=splits.classes)

# %% [markdown]
# ## Training images
#
# The first training images as stored, with the center view the network sees at test time (dashed)
# and, on the scenes, the box of the garment's ink (solid). Training takes a random crop of the same
# size and mirrors it half the time.

# %%
shown = list(range(min(examples, len(splits.train))))
pictures = torch.stack([splits.train[i][0] for i in shown]) + splits.mean_image
names = [splits.classes[int(label)] for label in data.labels(splits.train)[shown]]
placements = getattr(splits.train, "placements", None)
plots.training_images(pictures, names, data.center_offset(chapter.profile), chapter.profile.input_size,
                      placements[shown, 3:7] if placements is not None else None)
plt.show()

# %% [markdown]
# ## How large the objects are, and where
#
# The side of each garment's frame as a share of the crop's side, and the position of its centre, over
# the training images: the objects cover a third to two thirds of the side, anywhere in the center
# view, so that no position and no size is special.

# %%
if placements is not None:
    sides = placements[:, 2].double() / chapter.profile.input_size
    centres = placements[:, :2].double() + placements[:, 2:3].double() / 2 - data.center_offset(chapter.profile)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    left.hist(sides.numpy(), bins=21, color="tab:blue")
    left.set(xlabel="garment frame side / crop side", ylabel="training images")
    right.hist2d(centres[:, 1].numpy(), centres[:, 0].numpy(), bins=16, cmap="viridis")
    right.set(xlabel="centre column in the crop (px)", ylabel="centre row (px)", aspect="equal")
    right.invert_yaxis()
    fig.tight_layout()
    plt.show()
    print(f"frame side / crop side: {float(sides.min()):.2f} to {float(sides.max()):.2f}, mean {float(sides.mean()):.2f}")
else:
    print("This dataset records no object boxes.")

# %% [markdown]
# ## The transfer targets
#
# What Tables 4 to 7 carry the pre-trained network to, at this profile: the paper's dataset, what
# stands in for it, and a few of its images as the network sees them (the center view).

# %%
roles = dict(chapter.profile.transfer)
if all(name in roles.values() for name in ("caltech101", "caltech256", "voc2012")):
    print("The paper profile uses the paper's own transfer datasets (pass transfer_dir to Tables 4-7).")
else:
    played = {name: [role for role, n in roles.items() if n == name] for name in dict.fromkeys(roles.values())}
    shown = {f"{name}\n({', '.join(parts)})": chapter.target(parts[0]) for name, parts in played.items()}
    plots.dataset_rows({label: (target.dataset, target.classes) for label, target in shown.items()}, chapter.mean_input)
    plt.show()
pd.DataFrame([{"the paper's dataset": role, "at this profile": name} for role, name in roles.items()])
