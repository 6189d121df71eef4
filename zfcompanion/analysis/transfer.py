"""Tables 4-7: carry a pre-trained network to a small dataset.

- `sample_split`: a seeded training set of n images per class and a disjoint test set;
- `features`: each layer's features of a whole target, extracted once per (checkpoint sha256, target,
  layer) and cached on disk; conv layers are max-pooled to a `POOLED` x `POOLED` grid per map so that
  every layer's dimension stays bounded, fully connected layers are kept whole;
- `linear_accuracy`: a softmax (logistic regression) or linear SVM from scikit-learn on those features,
  which is the paper's "layers 1-7 fixed, a new classifier on top";
- `train_from_scratch`: the same architecture trained on the small set alone (the paper's
  "non-pretrained convnet"), its accuracy recorded once per setting by `compare`;
- `hog_features`: the untuned non-deep baseline (HOG, scikit-image); the leading earlier method's
  stand-in, tuned by cross-validation, is `analysis.nondeep`'s;
- `average_precisions`: per-class AP for multi-label targets, and `class_margins`, each class's margin over
  the other methods with a bootstrap over the test images (Table 6).

Everything here runs in float64, and the classifiers are solved to convergence (Newton-CG for the
softmax, to a gradient of 1e-10), not to a loose tolerance: float32 results differ in their last bits
from one CPU to another (each picks its own vector kernels and summation order), and a classifier
trained on them, or stopped short of its optimum, can then change a prediction, which moves a printed
accuracy. Converged in float64, the differences stay near 1e-12 and change nothing that is printed
(tests/test_transfer.py reruns the computations under other thread counts and kernel sets). SGD
training is the exception, which `compare` records instead of recomputing.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .. import memo
from . import nondeep
from ..data import TransferSet, center_offset, random_crops
from ..errors import UserError
from ..evaluation import views
from ..files import atomic_write_bytes, cache_dir, torch_bytes
from ..models import build, feature_map_layers
from ..profiles import Profile
from ..verdicts import Difference, resampled

POOLED = 2  # conv features: each map max-pooled to POOLED x POOLED cells
CACHE_FORMAT = "f64"  # part of every cache key: features cached in another format are never read back
SOLVER_TOLERANCE = 1e-10  # gradient tolerance of the softmax solver (Newton-CG, which gets there in ~20 steps)
SVM_TOLERANCE = 1e-6  # gradient tolerance of the SVMs' L-BFGS: their objective's curvature is at least 1,
# so the solution is within 1e-6 of the optimum
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
    key = f"{checkpoint_sha256[:16]}-{name}-{_digest(target.dataset, target.labels)}-{CACHE_FORMAT}"
    paths = {layer: cache_dir() / "features" / f"{key}-{layer.replace(' ', '')}.pt" for layer in LAYERS}
    if all(path.exists() for path in paths.values()):
        return {layer: torch.load(path, weights_only=True) for layer, path in paths.items()}
    model = copy.deepcopy(model).double().eval().to(device)
    parts: dict[str, list[torch.Tensor]] = {}
    for images, _ in DataLoader(target.dataset, batch_size=batch_size):
        for layer, value in _layer_outputs(model, images.to(device, torch.float64)).items():
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
    optimizer = torch.optim.LBFGS([w], lr=1, max_iter=2000, tolerance_grad=SVM_TOLERANCE, tolerance_change=1e-12,
                                  history_size=20, line_search_fn="strong_wolfe")

    def objective() -> torch.Tensor:
        optimizer.zero_grad()
        loss = 0.5 * w.pow(2).sum() + C * (1 - signs * (augmented @ w)).clamp(min=0).pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(objective)
    w = w.detach()
    return w[:-1], w[-1]


def linear_accuracy(train_x: torch.Tensor, train_y: torch.Tensor, test_x: torch.Tensor, test_y: torch.Tensor,
                    classifier: str = "softmax") -> float:
    """Test accuracy (percent) of a softmax (logistic regression, C=1) or linear SVM (C=0.01) trained
    on standardized features."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    with single_threaded_blas():
        scaler = StandardScaler().fit(train_x.double().numpy())
        train, test = (torch.from_numpy(scaler.transform(x.double().numpy())) for x in (train_x, test_x))
        if classifier == "svm":
            weights, bias = linear_svm(train, train_y, int(max(train_y.max(), test_y.max())) + 1, C=0.01)
            predicted = (test @ weights + bias).argmax(dim=1).numpy()
        else:
            softmax = LogisticRegression(C=1.0, solver="newton-cg", tol=SOLVER_TOLERANCE, max_iter=1000)
            predicted = softmax.fit(train.numpy(), train_y.numpy()).predict(test.numpy())
    return 100.0 * float((predicted == test_y.numpy()).mean())


def single_threaded_blas():
    """numpy's BLAS on one thread: on 2 cores, its threads and torch's (which keep spinning after torch's
    last operation) slow small solvers three-fold, and one thread also sums in one order everywhere."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def hog_features(dataset: Dataset, mean_input: torch.Tensor) -> torch.Tensor:
    """The baseline's features: HOG (9 orientations, 4x4-pixel cells, 2x2-cell blocks) of each image's
    pixels (the mean image added back, channels averaged)."""
    from skimage.feature import hog

    rows = []
    for index in range(len(dataset)):
        # whole grey levels again: HOG bins gradient orientations, and a last-bit difference in a pixel
        # could move a flat region's gradient from one bin to another
        pixels = (dataset[index][0].double() + mean_input.double()).round().mean(0).numpy()
        cell = max(pixels.shape[-1] // 7, 4)
        rows.append(hog(pixels, orientations=9, pixels_per_cell=(cell, cell), cells_per_block=(2, 2)))
    return torch.tensor(np.stack(rows), dtype=torch.float64)


def train_from_scratch(profile: Profile, images: torch.Tensor, labels: torch.Tensor, num_classes: int,
                       epochs: int, seed: int, device: str | torch.device = "cpu", batch_size: int = 32) -> nn.Module:
    """The profile's ZF network trained on a small set alone, with the paper's recipe (SGD, momentum,
    weight decay, dropout, random crops of the padded images and flips) but mini-batches of 32: a few
    hundred images make only a few batches of 128 an epoch."""
    torch.manual_seed(seed)
    model = build(profile.zf, num_classes, "base", profile.init_std).double().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=profile.lr, momentum=profile.momentum,
                                weight_decay=profile.weight_decay)
    pad = center_offset(profile)  # back to the stored size, so that random crops move as in pre-training
    padded = F.pad(images.double(), (pad,) * 4)
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
    dtype = next(model.parameters()).dtype
    predictions = torch.cat([model(batch.to(device, dtype)).argmax(1).cpu() for batch in images.split(512)])
    return 100.0 * float((predictions == labels).double().mean())


def stack(dataset: Dataset, indices: torch.Tensor) -> torch.Tensor:
    """The images at `indices` as one batch."""
    return torch.stack([dataset[int(index)][0] for index in indices])


def average_precisions(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per-class average precision (percent) of (N, classes) scores against multi-hot labels."""
    from sklearn.metrics import average_precision_score

    return 100.0 * np.array([average_precision_score(labels[:, k], scores[:, k]) for k in range(labels.shape[1])])


def resampled_average_precision(scores: np.ndarray, truth: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """One class's average precision (percent) of `scores` against 0/1 `truth`, once per row of `counts`
    (resamples, images): how often each image is drawn, as scikit-learn's `sample_weight` (tied scores
    form one threshold, as there). NaN for a resample that drew no positive image."""
    order = np.argsort(-scores, kind="stable")
    ends = np.append(np.flatnonzero(np.diff(scores[order])), len(scores) - 1)  # the last image of each threshold
    weights = counts[:, order].astype(np.float64)
    true_positives = np.cumsum(weights * truth[order], axis=1)[:, ends]
    drawn = np.cumsum(weights, axis=1)[:, ends]
    precision = np.divide(true_positives, drawn, out=np.zeros_like(drawn), where=drawn > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = true_positives / true_positives[:, -1:]
    steps = np.diff(recall, axis=1, prepend=0.0)
    return 100.0 * (steps * precision).sum(axis=1)


def one_vs_rest_scores(train_x: torch.Tensor, train_y: torch.Tensor, test_x: torch.Tensor) -> np.ndarray:
    """Per-class scores of one-vs-rest logistic regressions on standardized features (multi-label)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), OneVsRestClassifier(LogisticRegression(C=0.1, solver="newton-cg",
                                                                                  tol=SOLVER_TOLERANCE, max_iter=1000)))
    with single_threaded_blas():
        return model.fit(train_x.double().numpy(), train_y.numpy()).decision_function(test_x.double().numpy())


PRETRAINED = "pretrained, new softmax on layer 7"
SCRATCH = "trained from scratch"
LEADING = "leading method's stand-in: non-deep, tuned by CV"
BASELINE = "HOG + softmax, untuned (weak baseline)"
METHODS = (PRETRAINED, SCRATCH, LEADING, BASELINE)  # Tables 4 and 5's rows, in the paper's order, then the weak one
SIZES = {"caltech101": (15, 30), "caltech256": (15, 30, 45, 60)}  # training images per class, Tables 4 and 5


def judged_sizes(profile: Profile, role: str) -> list[int]:
    """The sizes at which `role`'s chapter judges its claims: the paper's, less those an earlier Caltech
    role already judges on the same stand-in, so that one dataset's numbers count once on the scorecard."""
    roles = list(SIZES)
    taken = {n for other in roles[: roles.index(role)]
             if profile.transfer_targets[other] == profile.transfer_targets[role] for n in SIZES[other]}
    return [n for n in SIZES[role] if n not in taken]


def _pixel_digest(target: TransferSet, mean_input: torch.Tensor) -> str:
    """A fingerprint of a target that is the same on every CPU: its labels and its images' pixels in
    whole grey levels (the mean image added back)."""
    hasher = hashlib.sha256(target.labels.numpy().tobytes())
    for index in range(len(target.dataset)):
        hasher.update((target.dataset[index][0].double() + mean_input.double()).round().numpy().tobytes())
    return hasher.hexdigest()[:16]


def recorded_accuracy(store: Path, key: str, measure: Callable[[], float]) -> float:
    """The accuracy recorded in the JSON file `store` under `key`; if there is none, `measure()` it and
    record it (the file is rewritten atomically after each, so an interrupted run keeps what it did)."""
    import json

    recorded = json.loads(store.read_text()) if store.exists() else {}
    if key not in recorded:
        recorded[key] = measure()
        atomic_write_bytes(store, (json.dumps(recorded, indent=1, sort_keys=True) + "\n").encode())
    return float(recorded[key])


def _linear_rows(layer7: torch.Tensor, hog: torch.Tensor, descriptors: dict[str, torch.Tensor] | None,
                 target: TransferSet, per_class: list[int], repeats: int, test_per_class: int | None) -> list[tuple]:
    """(method, n, split, accuracy) of the new softmax on layer 7, the tuned stand-in for the leading
    method (on the non-deep `descriptors`; left out where None) and the untuned HOG baseline."""
    rows = []
    described = {name: values.numpy() for name, values in (descriptors or {}).items()}
    for n in per_class:
        for split in range(repeats):
            train, test = sample_split(target.labels, n, seed=split, test_per_class=test_per_class, classes=target.classes)
            y_train, y_test = target.labels[train], target.labels[test]
            rows.append((PRETRAINED, n, split, linear_accuracy(layer7[train], y_train, layer7[test], y_test)))
            if described:
                with single_threaded_blas():
                    rows.append((LEADING, n, split, nondeep.leading_accuracy(described, target.labels.numpy(),
                                                                             train.numpy(), test.numpy())))
            rows.append((BASELINE, n, split, linear_accuracy(hog[train], y_train, hog[test], y_test)))
    return rows


def nondeep_descriptors(target: TransferSet, name: str, mean_input: torch.Tensor) -> dict[str, torch.Tensor]:
    """`nondeep.descriptors` of a target's images, kept by `memo` (the same on every machine)."""
    def measure() -> dict[str, torch.Tensor]:
        found = nondeep.descriptors(nondeep.grey_images(target.dataset, mean_input))
        return {key: torch.from_numpy(values) for key, values in found.items()}

    return memo.remembered("nondeep", (name, _digest(target.dataset, target.labels), memo.digest(mean_input)), measure)


def compare(model: nn.Module, checkpoint_sha256: str, target: TransferSet, name: str, profile: Profile,
            mean_image: torch.Tensor, per_class: list[int], repeats: int, scratch_epochs: int,
            scratch_per_class: list[int], scratch_store: Path | None, test_per_class: int | None = None,
            device: str | torch.device = "cpu", leading: bool = True) -> "pd.DataFrame":
    """Tables 4 and 5: accuracy of the three methods for each training size over `repeats` seeded
    splits (the network from scratch only at the sizes in `scratch_per_class`, the costly one); one
    row per (method, images per class, split), in the paper's order of methods.

    A network trained from scratch on a few hundred images lands, after hundreds of SGD steps, on
    weights that differ from one CPU to another (rounding differences grow step by step, float64
    included), and so does its accuracy. Its accuracy is therefore recorded in `scratch_store` the
    first time it is measured, keyed by the target, size, split and epochs, and read back after: every
    machine then prints the same numbers, and the file says what was trained. The linear classifiers'
    accuracies are kept by `memo` (the same on every machine, but costly to recompute)."""
    import pandas as pd

    mean_input = views(mean_image[None], profile.input_size, 1)[0][0]
    key = (checkpoint_sha256, name, _digest(target.dataset, target.labels), memo.digest(mean_input))
    rows = memo.remembered("transfer-linear", (*key, per_class, repeats, test_per_class, leading), lambda: _linear_rows(
        features(model, checkpoint_sha256, target, name, device=device)["layer 7"],
        memo.remembered("hog", key[1:], lambda: hog_features(target.dataset, mean_input)),
        nondeep_descriptors(target, name, mean_input) if leading else None, target, per_class, repeats, test_per_class))
    wanted = [n for n in per_class if n in scratch_per_class]
    if wanted:
        fingerprint = memo.remembered("pixel-digest", key[1:], lambda: _pixel_digest(target, mean_input))
    for n in wanted:
        for split in range(repeats):
            def measure() -> float:
                train, test = sample_split(target.labels, n, seed=split, test_per_class=test_per_class,
                                           classes=target.classes)
                scratch = train_from_scratch(profile, stack(target.dataset, train), target.labels[train],
                                             len(target.classes), scratch_epochs, seed=split, device=device)
                return accuracy(scratch, stack(target.dataset, test), target.labels[test], device)

            store_key = (f"{profile.name}/{name} ({len(target.labels)} images, {fingerprint}): "
                         f"{n} per class, split {split}, {scratch_epochs} epochs, test {test_per_class}")
            rows.append((SCRATCH, n, split, recorded_accuracy(scratch_store, store_key, measure)))
    order = {method: index for index, method in enumerate(METHODS)}
    rows = sorted(rows, key=lambda row: (per_class.index(row[1]), row[2], order[row[0]]))
    return pd.DataFrame(rows, columns=["method", "per class", "split", "accuracy"])


def layer_accuracies(model: nn.Module, checkpoint_sha256: str, target: TransferSet, name: str, per_class: int,
                     repeats: int, layers: list[int], classifiers: tuple[str, ...] = ("svm", "softmax"),
                     device: str | torch.device = "cpu") -> "pd.DataFrame":
    """Table 7: the accuracy of a linear classifier on each layer's features, `per_class` training
    images per class, over `repeats` splits; one row per (classifier, layer, split)."""
    import pandas as pd

    def measure() -> list[tuple]:
        layer_features = features(model, checkpoint_sha256, target, name, device=device)
        rows = []
        for split in range(repeats):
            train, test = sample_split(target.labels, per_class, seed=split, classes=target.classes)
            for classifier in classifiers:
                for layer in layers:
                    x = layer_features[f"layer {layer}"]
                    rows.append((classifier, layer, split, linear_accuracy(x[train], target.labels[train], x[test],
                                                                           target.labels[test], classifier)))
        return rows

    key = (checkpoint_sha256, name, _digest(target.dataset, target.labels), per_class, repeats, layers, classifiers)
    return pd.DataFrame(memo.remembered("layer-accuracies", key, measure),
                        columns=["classifier", "layer", "split", "accuracy"])


@dataclass
class MultilabelComparison:
    """Table 6's methods on one split of a multi-label target."""
    ap: "pd.DataFrame"  # per-class AP (%), one column per method, one row per class
    scores: dict[str, np.ndarray]  # per method, its (test images, classes) scores
    truth: np.ndarray  # (test images, classes), 1 where the class is present
    train: torch.Tensor  # the target's indices of the training half
    test: torch.Tensor  # and of the test half


def multilabel_comparison(model: nn.Module, checkpoint_sha256: str, target: TransferSet, name: str,
                          mean_input: torch.Tensor, seed: int, device: str | torch.device = "cpu") -> MultilabelComparison:
    """Table 6: per-class scores on a multi-label target of one-vs-rest softmaxes on HOG (the weak
    baseline) and on pre-trained layer-7 features, and of the leading method's tuned non-deep stand-in
    (`nondeep`), each trained on a seeded half of it and tested on the other half."""
    import pandas as pd

    order = torch.randperm(len(target.labels), generator=torch.Generator().manual_seed(seed))
    train, test = order[: len(order) // 2].sort().values, order[len(order) // 2:].sort().values
    labels = target.labels.float()

    def measure() -> dict[str, torch.Tensor]:
        hog = hog_features(target.dataset, mean_input)
        layer7 = features(model, checkpoint_sha256, target, name, device=device)["layer 7"]
        described = {key: values.numpy() for key, values in nondeep_descriptors(target, name, mean_input).items()}
        with single_threaded_blas():
            leading = nondeep.leading_scores(described, labels.numpy(), train.numpy(), test.numpy())
        scores = {"[A] weak baseline: HOG + softmax, untuned": one_vs_rest_scores(hog[train], labels[train], hog[test]),
                  "[B] leading method's stand-in: non-deep, tuned by CV": leading,
                  "ours: pre-trained layer 7": one_vs_rest_scores(layer7[train], labels[train], layer7[test])}
        return {method: torch.from_numpy(np.asarray(found, dtype=np.float64)) for method, found in scores.items()}

    key = (checkpoint_sha256, name, _digest(target.dataset, target.labels), memo.digest(mean_input), seed)
    scores = {method: found.numpy() for method, found in memo.remembered("multilabel-scores", key, measure).items()}
    truth = labels[test].numpy()
    ap = pd.DataFrame({method: average_precisions(found, truth) for method, found in scores.items()}, index=target.classes)
    return MultilabelComparison(ap, scores, truth, train, test)


def class_margins(comparison: MultilabelComparison, ours: str, resamples: int = 10_000) -> dict[str, Difference]:
    """Per class with a positive test image (AP needs one), `ours`'s AP minus the best other method's on
    that class, with a bootstrap interval and p-value over the test images (every class and method sees
    the same resamples: one seed)."""
    others = [method for method in comparison.scores if method != ours]

    def margin(k: int) -> Callable[[np.ndarray], np.ndarray]:
        def statistic(drawn: np.ndarray) -> np.ndarray:
            ap = {method: resampled_average_precision(comparison.scores[method][:, k], comparison.truth[:, k], drawn)
                  for method in comparison.scores}
            return ap[ours] - np.max([ap[method] for method in others], axis=0)
        return statistic

    return {name: resampled(margin(k), len(comparison.truth), resamples) for k, name in enumerate(comparison.ap.index)
            if comparison.truth[:, k].any()}


AP_LABELS = ("[A]", "[B]", "ours")  # Table 6's columns: two earlier methods, then the pre-trained network


def ap_beside_paper(paper: "pd.DataFrame", ap: "pd.DataFrame", paper_label: str, run_label: str) -> "pd.DataFrame":
    """Table 6's summary rows, the paper's (`paper`: per-class rows, then "Mean" and "# won") beside this
    run's (`ap`: per-class AP of the three methods, in `AP_LABELS` order): mean AP (%) and on how many
    classes each method is best."""
    import pandas as pd

    def rows(mean: "pd.Series", won: "pd.Series") -> "pd.DataFrame":
        return pd.DataFrame([[f"{value:.1f}" for value in mean], [str(int(count)) for count in won]],
                            index=["Mean AP", "# won"], columns=list(AP_LABELS))

    return pd.concat({paper_label: rows(paper.loc["Mean"], paper.loc["# won"]),
                      run_label: rows(ap.mean(), ap.eq(ap.max(axis=1), axis=0).sum())}, axis=1)


def far_transfer(model: nn.Module, checkpoint_sha256: str, profile: Profile, role: str, mean_image: torch.Tensor,
                 per_class: list[int], repeats: int, test_per_class: int | None, data_dir: Path | None = None,
                 device: str | torch.device = "cpu") -> "pd.DataFrame | None":
    """Tables 4 and 5's contrast: the pre-trained softmax and the HOG baseline (no network from scratch, no
    tuned stand-in: this row decides no claim)
    on the profile's far-transfer target for `role`, a dataset of another domain, laid out as
    `beside_paper` lays out this run's rows; None where the profile has none."""
    from ..targets import stand_in

    name = profile.far_transfer_targets.get(role)
    if name is None:
        return None
    target = stand_in(profile, name, mean_image, data_dir)
    results = compare(model, checkpoint_sha256, target, name, profile, mean_image, per_class, repeats, 0, [], None,
                      test_per_class, device, leading=False)
    label = f"this run ({name}: {len(target.dataset)} images, {len(target.classes)} classes)"
    return beside_paper(None, summarize(results), per_class, "", label)


def summarize(results: "pd.DataFrame") -> "pd.DataFrame":
    """`compare`'s accuracies as mean and std over the splits: one row per method (in `METHODS` order,
    those measured), columns (mean or std, images per class)."""
    summary = results.groupby(["method", "per class"])["accuracy"].agg(["mean", "std"]).unstack("per class")
    return summary.reindex([method for method in METHODS if method in summary.index])


def margin(results: "pd.DataFrame", per_class: int) -> list[float]:
    """Per split, the pre-trained network's accuracy minus the leading method's stand-in's at `per_class`."""
    return [ours - theirs for ours, theirs in zip(by_size(results, PRETRAINED)[per_class], by_size(results, LEADING)[per_class])]


def describe(target: TransferSet, role: str, name: str, profile: Profile) -> str:
    """One line on the dataset that stands in for the paper's `role` at this profile."""
    return f"{role} at the {profile.name} profile: {name}, {len(target.dataset)} images, {len(target.classes)} classes"


def by_size(results: "pd.DataFrame", method: str) -> dict[int, list[float]]:
    """One method's accuracies from `compare`: images per class -> one accuracy per split, in split order."""
    chosen = results[results.method == method].sort_values(["per class", "split"])
    return {int(n): group.accuracy.tolist() for n, group in chosen.groupby("per class")}


def beside_paper(paper: "pd.DataFrame | None", summary: "pd.DataFrame", sizes: list[int], paper_label: str,
                 run_label: str) -> "pd.DataFrame":
    """Tables 4 and 5's layout: accuracy as 'mean ± std' per training size, the paper's rows (columns
    acc_N, acc_N_std; none when `paper` is None) above this run's `summary` (from `summarize`). A number
    the paper does not report, or a method this run did not train at that size, shows as the paper's dash."""
    import pandas as pd

    from ..cells import mean_std as cell

    # The paper's numbers keep the digits it printed; this run's show one decimal.
    run = pd.DataFrame({f"{n}/class": [cell(m, s, ".1f") for m, s in zip(summary[("mean", n)], summary[("std", n)])]
                        for n in sizes}, index=summary.index)
    if paper is None:
        return pd.concat({run_label: run})
    published = pd.DataFrame({f"{n}/class": [cell(m, s, "g") for m, s in zip(paper[f"acc_{n}"], paper[f"acc_{n}_std"])]
                              for n in sizes}, index=paper["method"])
    return pd.concat({paper_label: published, run_label: run})
