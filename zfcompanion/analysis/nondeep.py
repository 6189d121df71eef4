"""The leading earlier method's stand-in for Tables 4-6: the best non-deep pipeline this project can
build at the profile's scale, tuned by cross-validation on the training split alone.

The paper's competitors (Bo et al., Jianchao et al., Yan et al.) were hand-crafted descriptors with
kernel classifiers, tuned for their datasets. Their stand-in here picks, by 3-fold cross-validation on
the training images only, among three descriptors (HOG; uniform local binary patterns, histogrammed
over a 4×4 grid of cells; the grey image pooled to 16×16 pixels) and two classifiers (a linear SVM,
an RBF SVM), each over a grid of C (and the RBF's width): the best of them on the folds is refitted on
the whole training split and tested once. Everything is float64 and libsvm's and liblinear's own
arithmetic (no BLAS), and ties between settings go to the first in the grid, so the choice is the same
on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

FOLDS = 3
C_VALUES = (0.01, 0.1, 1.0, 10.0)
GAMMA_SCALES = (0.3, 1.0, 3.0)  # times scikit-learn's 'scale' width: 1 / (features × variance)


def grey_images(dataset: Dataset, mean_input: torch.Tensor) -> np.ndarray:
    """(N, H, W): each image's pixels in whole grey levels (the mean image added back, channels averaged)."""
    return np.stack([(dataset[i][0].double() + mean_input.double()).round().mean(0).numpy() for i in range(len(dataset))])


def descriptors(grey: np.ndarray) -> dict[str, np.ndarray]:
    """The three descriptors of each grey image: HOG, LBP histograms and pooled pixels."""
    from skimage.feature import hog, local_binary_pattern

    size = grey.shape[-1]
    cell = max(size // 7, 4)
    cells = 4

    def lbp(image: np.ndarray) -> np.ndarray:
        codes = local_binary_pattern(image.astype(np.uint8), P=8, R=1, method="uniform")  # codes 0..9
        step = size // cells
        return np.concatenate([np.bincount(codes[r:r + step, c:c + step].astype(int).ravel(), minlength=10) / step ** 2
                               for r in range(0, step * cells, step) for c in range(0, step * cells, step)])

    pool = size // 16
    pooled = grey[:, :16 * pool, :16 * pool].reshape(len(grey), 16, pool, 16, pool).mean(axis=(2, 4)).reshape(len(grey), -1)
    return {"HOG": np.stack([hog(image, orientations=9, pixels_per_cell=(cell, cell), cells_per_block=(2, 2))
                             for image in grey]),
            "LBP": np.stack([lbp(image) for image in grey]),
            "pixels": pooled / 255.0}


@dataclass(frozen=True)
class Setting:
    """One classifier of the grid: a linear or an RBF SVM (libsvm, on a kernel precomputed from the
    features' squared distances, which each descriptor computes once for every setting and fold)."""
    kernel: str  # "linear" or "rbf"
    c: float
    width: float = 0.0  # RBF: γ = width / dimensions (features are standardized: scikit-learn's 'scale' is width 1)

    def describe(self) -> str:
        return f"linear SVM, C={self.c:g}" if self.kernel == "linear" else f"RBF SVM, C={self.c:g}, γ={self.width:g}/d"

    def estimator(self, multilabel: bool):
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.svm import SVC

        model = SVC(kernel="precomputed", C=self.c)
        return OneVsRestClassifier(model) if multilabel else model

    def kernel_of(self, distances: np.ndarray, norms: np.ndarray, train_norms: np.ndarray, dimensions: int) -> np.ndarray:
        """The kernel between some standardized features and the training ones, from their squared
        distances and squared norms: x·t / d = (|x|² + |t|² − |x − t|²) / 2d (the dot product of features
        scaled by 1/√d, on the RBF's scale, so that one grid of C serves both and libsvm converges), or
        exp(−γ |x − t|²)."""
        if self.kernel == "linear":
            return (norms[:, None] + train_norms[None, :] - distances) / (2 * dimensions)
        return np.exp(-self.width / dimensions * distances)


SETTINGS = ([Setting("linear", c) for c in C_VALUES]
            + [Setting("rbf", c, width) for c in C_VALUES for width in GAMMA_SCALES])


def squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) squared Euclidean distances, summed feature by feature (no matrix product, whose
    summation order, and so whose last bits, depend on the BLAS library and the CPU)."""
    found = torch.cdist(torch.from_numpy(a), torch.from_numpy(b), compute_mode="donot_use_mm_for_euclid_dist")
    return (found ** 2).numpy()


def squared_norms(x: np.ndarray) -> np.ndarray:
    return squared_distances(x, np.zeros((1, x.shape[1])))[:, 0]


@dataclass
class Fitted:
    """A setting fitted on standardized training features; it standardizes what it is asked about."""
    setting: Setting
    scaler: object
    train: np.ndarray  # the standardized training features: the kernel's other side
    model: object = None

    def inputs(self, x: np.ndarray) -> np.ndarray:
        scaled = self.scaler.transform(x)
        return self.setting.kernel_of(squared_distances(scaled, self.train), squared_norms(scaled),
                                      squared_norms(self.train), self.train.shape[1])

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.model.predict(self.inputs(x))

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        return self.model.decision_function(self.inputs(x))


def fit(setting: Setting, x: np.ndarray, labels: np.ndarray, multilabel: bool = False) -> Fitted:
    """`setting` fitted on features `x`, standardized here."""
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    fitted = Fitted(setting, scaler, scaler.transform(x))
    fitted.model = setting.estimator(multilabel).fit(fitted.inputs(x), labels)
    return fitted


def tuned(features: dict[str, np.ndarray], labels: np.ndarray, score, multilabel: bool = False) -> tuple[str, Fitted, str]:
    """The setting with the best mean `score(model, kernel, y)` over `FOLDS` folds of these training
    features (stratified by class; in order for multi-label ones), refitted on them all: (its
    description, the fitted classifier, its descriptor's name). For the folds the features are
    standardized once on all the training images, so that each descriptor's kernels are computed once
    and shared by every fold and setting."""
    from sklearn.model_selection import KFold, StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    folds = list((KFold(FOLDS) if multilabel else StratifiedKFold(FOLDS)).split(labels, None if multilabel else labels))
    best, best_score = None, -np.inf
    for name, x in features.items():
        scaled = StandardScaler().fit_transform(x)
        distances, norms = squared_distances(scaled, scaled), squared_norms(scaled)
        for setting in SETTINGS:
            kernel = setting.kernel_of(distances, norms, norms, x.shape[1])
            found = np.mean([score(setting.estimator(multilabel).fit(kernel[np.ix_(part, part)], labels[part]),
                                   kernel[np.ix_(held, part)], labels[held]) for part, held in folds])
            if found > best_score:  # strictly better: a tie keeps the earlier setting
                best, best_score = (setting, name), found
    setting, name = best
    return f"{name}, {setting.describe()}", fit(setting, features[name], labels, multilabel), name


def accuracy_score(model, x: np.ndarray, y: np.ndarray) -> float:
    """The share of `x` (features, or a kernel against the training images) that `model` labels as `y`."""
    return float((model.predict(x) == y).mean())


def mean_ap_score(model, x: np.ndarray, y: np.ndarray) -> float:
    """The mean over the classes present in `y` of the average precision of `model`'s scores of `x`."""
    from sklearn.metrics import average_precision_score

    scores = model.decision_function(x)
    present = [k for k in range(y.shape[1]) if y[:, k].any()]
    return float(np.mean([average_precision_score(y[:, k], scores[:, k]) for k in present]))


def leading_accuracy(features: dict[str, np.ndarray], labels: np.ndarray, train: np.ndarray, test: np.ndarray) -> float:
    """Test accuracy (percent) of the tuned stand-in, tuned and trained on `train` alone."""
    _, model, name = tuned({k: v[train] for k, v in features.items()}, labels[train], accuracy_score)
    return 100.0 * accuracy_score(model, features[name][test], labels[test])


def leading_scores(features: dict[str, np.ndarray], labels: np.ndarray, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Per-class scores of the test images from the tuned multi-label stand-in (one-vs-rest, tuned on mean AP)."""
    _, model, name = tuned({k: v[train] for k, v in features.items()}, labels[train], mean_ap_score, multilabel=True)
    return model.decision_function(features[name][test])
