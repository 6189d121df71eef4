"""Tables 4-7: carry a pre-trained network to a small dataset.

- `sample_split`: a seeded training set of n images per class and a disjoint test set;
- `features`: each layer's features of a whole target, extracted once per (checkpoint sha256, target,
  layer) and cached on disk; conv layers are max-pooled to a `POOLED` x `POOLED` grid per map so that
  every layer's dimension stays bounded, fully connected layers are kept whole;
- `linear_accuracy`: a softmax (logistic regression) or linear SVM from scikit-learn on those features,
  which is the paper's "layers 1-7 fixed, a new classifier on top";
- `train_from_scratch`: the same architecture trained on the small set alone (the paper's
  "non-pretrained convnet");
- `hog_features`: the non-deep baseline (HOG, scikit-image);
- `average_precisions`: per-class AP for multi-label targets (Table 6).
"""

from __future__ import annotations

import hashlib

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset

from ..data import TransferSet, random_crops
from ..errors import UserError
from ..evaluation import views
from ..files import atomic_write_bytes, cache_dir, torch_bytes
from ..models import build, feature_map_layers
from ..profiles import Profile

POOLED = 2  # conv features: each map max-pooled to POOLED x POOLED cells
LAYERS = ("layer 1", "layer 2", "layer 3", "layer 4", "layer 5", "layer 6", "layer 7")


def sample_split(labels: torch.Tensor, per_class: int, seed: int, test_per_class: int | None = None,
                 classes: list[str] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(train, test) indices: `per_class` training images of each class drawn with `seed`, and the rest
    of each class (at most `test_per_class`) for testing."""
    generator = torch.Generator().manual_seed(seed)
    train, test = [], []
    for label in labels.unique().tolist():
        members = (labels == label).nonzero().flatten()
        if len(members) <= per_class:
            name = classes[label] if classes else label
            raise UserError(f"Class {name!r} has {len(members)} images, too few for {per_class} training images "
                            f"per class and at least one test image: ask for fewer per class.")
        members = members[torch.randperm(len(members), generator=generator)]
        train.append(members[:per_class])
        test.append(members[per_class:][:test_per_class])
    return torch.cat(train).sort().values, torch.cat(test).sort().values


@torch.no_grad()
def _layer_outputs(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Every layer's rectified output for a batch: conv layers pooled, fc6 and fc7 whole."""
    out, maps = {}, feature_map_layers(model.features)
    h, number = x, 0
    for index, module in enumerate(model.features):
        h = module(h)
        if index in maps:
            number += 1
            out[f"layer {number}"] = F.adaptive_max_pool2d(h, POOLED).flatten(1)
    h = torch.flatten(getattr(model, "avgpool", nn.Identity())(h), 1)
    number = 5
    for module in model.classifier:
        h = module(h)
        if isinstance(module, nn.ReLU):
            number += 1
            out[f"layer {number}"] = h.clone()
    return out


def _digest(dataset: Dataset, labels: torch.Tensor) -> str:
    """A fingerprint of a target: its size, labels and first images."""
    hasher = hashlib.sha256(labels.numpy().tobytes())
    for index in range(min(8, len(dataset))):
        hasher.update(dataset[index][0].numpy().tobytes())
    return hasher.hexdigest()[:16]


def features(model: nn.Module, checkpoint_sha256: str, target: TransferSet, name: str,
             batch_size: int = 256, device: str | torch.device = "cpu") -> dict[str, torch.Tensor]:
    """Every layer's features of every image of `target`, from the cache when this checkpoint (by sha256)
    has seen this target before. Each layer is one cache file, written atomically."""
    key = f"{checkpoint_sha256[:16]}-{name}-{_digest(target.dataset, target.labels)}"
    paths = {layer: cache_dir() / "features" / f"{key}-{layer.replace(' ', '')}.pt" for layer in LAYERS}
    if all(path.exists() for path in paths.values()):
        return {layer: torch.load(path, weights_only=True) for layer, path in paths.items()}
    model = model.eval().to(device)
    parts: dict[str, list[torch.Tensor]] = {}
    for images, _ in DataLoader(target.dataset, batch_size=batch_size):
        for layer, value in _layer_outputs(model, images.to(device)).items():
            parts.setdefault(layer, []).append(value.cpu())
    result = {layer: torch.cat(values) for layer, values in parts.items()}
    for layer, path in paths.items():
        if layer in result:
            atomic_write_bytes(path, torch_bytes(result[layer]))
    return result


def linear_svm(x: torch.Tensor, y: torch.Tensor, num_classes: int, C: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One-vs-rest linear SVMs with the squared hinge loss and an L2 penalty on the weights and the
    bias: the problem scikit-learn's `LinearSVC` (liblinear) solves, here for all classes at once by
    L-BFGS in float64, which is several times faster at these sizes. Returns (weights, bias)."""
    x, signs = x.double(), torch.where(F.one_hot(y, num_classes).bool(), 1.0, -1.0).double()
    w = torch.zeros(x.shape[1] + 1, num_classes, dtype=torch.float64, requires_grad=True)
    augmented = torch.cat([x, torch.ones(len(x), 1, dtype=torch.float64)], dim=1)  # liblinear's bias feature
    optimizer = torch.optim.LBFGS([w], lr=1, max_iter=1000, tolerance_grad=1e-5, tolerance_change=1e-9,
                                  history_size=20, line_search_fn="strong_wolfe")

    def objective() -> torch.Tensor:
        optimizer.zero_grad()
        loss = 0.5 * w.pow(2).sum() + C * (1 - signs * (augmented @ w)).clamp(min=0).pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(objective)
    w = w.detach().float()
    return w[:-1], w[-1]


def linear_accuracy(train_x: torch.Tensor, train_y: torch.Tensor, test_x: torch.Tensor, test_y: torch.Tensor,
                    classifier: str = "softmax") -> float:
    """Test accuracy (percent) of a softmax (logistic regression, C=1) or linear SVM (C=0.01) trained
    on standardized features."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(train_x.numpy())
    train, test = (torch.from_numpy(scaler.transform(x.numpy())).float() for x in (train_x, test_x))
    if classifier == "svm":
        weights, bias = linear_svm(train, train_y, int(max(train_y.max(), test_y.max())) + 1, C=0.01)
        predicted = (test @ weights + bias).argmax(dim=1).numpy()
    else:
        predicted = LogisticRegression(C=1.0, max_iter=2000).fit(train.numpy(), train_y.numpy()).predict(test.numpy())
    return 100.0 * float((predicted == test_y.numpy()).mean())


def hog_features(dataset: Dataset, mean_input: torch.Tensor) -> torch.Tensor:
    """The baseline's features: HOG (9 orientations, 4x4-pixel cells, 2x2-cell blocks) of each image's
    pixels (the mean image added back, channels averaged)."""
    from skimage.feature import hog

    rows = []
    for index in range(len(dataset)):
        pixels = (dataset[index][0] + mean_input).mean(0).numpy()
        cell = max(pixels.shape[-1] // 7, 4)
        rows.append(hog(pixels, orientations=9, pixels_per_cell=(cell, cell), cells_per_block=(2, 2)))
    return torch.tensor(np.stack(rows), dtype=torch.float32)


def train_from_scratch(profile: Profile, images: torch.Tensor, labels: torch.Tensor, num_classes: int,
                       epochs: int, seed: int, device: str | torch.device = "cpu", batch_size: int = 32) -> nn.Module:
    """The profile's ZF network trained on a small set alone, with the paper's recipe (SGD, momentum,
    weight decay, dropout, random crops of the padded images and flips) but mini-batches of 32: a few
    hundred images make only a few batches of 128 an epoch."""
    torch.manual_seed(seed)
    model = build(profile.zf, num_classes, "base", profile.init_std).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=profile.lr, momentum=profile.momentum,
                                weight_decay=profile.weight_decay)
    pad = (profile.stored_size - profile.input_size) // 2
    padded = F.pad(images, (pad,) * 4)
    for _ in range(epochs):
        model.train()
        for batch in torch.randperm(len(images)).split(batch_size):
            x = random_crops(padded[batch].to(device), profile.input_size)
            loss = F.cross_entropy(model(x), labels[batch].to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return model.eval()


@torch.no_grad()
def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, device: str | torch.device = "cpu") -> float:
    predictions = torch.cat([model(batch.to(device)).argmax(1).cpu() for batch in images.split(512)])
    return 100.0 * float((predictions == labels).float().mean())


def stack(dataset: Dataset, indices: torch.Tensor) -> torch.Tensor:
    """The images at `indices` as one batch."""
    return torch.stack([dataset[int(index)][0] for index in indices])


def average_precisions(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per-class average precision (percent) of (N, classes) scores against multi-hot labels."""
    from sklearn.metrics import average_precision_score

    return 100.0 * np.array([average_precision_score(labels[:, k], scores[:, k]) for k in range(labels.shape[1])])


def one_vs_rest_scores(train_x: torch.Tensor, train_y: torch.Tensor, test_x: torch.Tensor) -> np.ndarray:
    """Per-class scores of one-vs-rest logistic regressions on standardized features (multi-label)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), OneVsRestClassifier(LogisticRegression(C=0.1, max_iter=2000)))
    return model.fit(train_x.numpy(), train_y.numpy()).decision_function(test_x.numpy())


METHODS = ("pretrained, new softmax on layer 7", "trained from scratch", "HOG + softmax (non-deep baseline)")


def compare(model: nn.Module, checkpoint_sha256: str, target: TransferSet, name: str, profile: Profile,
            mean_image: torch.Tensor, per_class: list[int], repeats: int, scratch_epochs: int,
            scratch_per_class: list[int], test_per_class: int | None = None,
            device: str | torch.device = "cpu") -> "pd.DataFrame":
    """Tables 4 and 5: accuracy of the three methods for each training size over `repeats` seeded
    splits (the network from scratch only at the sizes in `scratch_per_class`, the costly one); one
    row per (method, images per class, split)."""
    import pandas as pd

    layer7 = features(model, checkpoint_sha256, target, name, device=device)["layer 7"]
    hog = hog_features(target.dataset, views(mean_image[None], profile.input_size, 1)[0][0])
    rows = []
    for n in per_class:
        for split in range(repeats):
            train, test = sample_split(target.labels, n, seed=split, test_per_class=test_per_class, classes=target.classes)
            y_train, y_test = target.labels[train], target.labels[test]
            rows.append((METHODS[0], n, split, linear_accuracy(layer7[train], y_train, layer7[test], y_test)))
            if n in scratch_per_class:
                scratch = train_from_scratch(profile, stack(target.dataset, train), y_train, len(target.classes),
                                             scratch_epochs, seed=split, device=device)
                rows.append((METHODS[1], n, split, accuracy(scratch, stack(target.dataset, test), y_test, device)))
            rows.append((METHODS[2], n, split, linear_accuracy(hog[train], y_train, hog[test], y_test)))
    return pd.DataFrame(rows, columns=["method", "per class", "split", "accuracy"])


def beside_paper(paper: "pd.DataFrame", summary: "pd.DataFrame", sizes: list[int], paper_label: str,
                 run_label: str) -> "pd.DataFrame":
    """Tables 4 and 5's layout: accuracy as 'mean ± std' per training size, the paper's rows (columns
    acc_N, acc_N_std; a missing std shows the mean alone) above this run's `summary` (from `compare`)."""
    import pandas as pd

    run = pd.DataFrame({f"{n}/class": [f"{m:.1f} ± {s:.1f}" for m, s in zip(summary[("mean", n)], summary[("std", n)])]
                        for n in sizes}, index=summary.index)
    published = pd.DataFrame({f"{n}/class": [f"{m:g} ± {s:g}" if pd.notna(s) else (f"{m:g}" if pd.notna(m) else "")
                                             for m, s in zip(paper[f"acc_{n}"], paper[f"acc_{n}_std"])]
                              for n in sizes}, index=paper["method"])
    return pd.concat({paper_label: published, run_label: run})
