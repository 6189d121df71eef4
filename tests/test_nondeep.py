"""The leading method's stand-in (analysis/nondeep.py): its precomputed kernels are scikit-learn's RBF
SVM, its choice is the best of a brute-force loop over the same settings and folds with scikit-learn's
own estimators, and it never sees the test images."""

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from zfcompanion.analysis import nondeep


def _blobs(n: int, dims: int, seed: int):
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], n)
    return rng.normal(size=(3 * n, dims)) + y[:, None] * 0.8, y


@pytest.mark.parametrize("setting, oracle", [(nondeep.Setting("rbf", 1.0, 0.3), SVC(kernel="rbf", C=1.0, gamma=0.3 / 5)),
                                             (nondeep.Setting("linear", 0.1), SVC(kernel="linear", C=0.1 / 5))])
def test_a_setting_on_its_precomputed_kernel_is_scikit_learns_svm(setting, oracle):
    x, y = _blobs(15, 5, 0)
    test, _ = _blobs(5, 5, 1)
    fitted = nondeep.fit(setting, x, y)
    scaler = StandardScaler().fit(x)
    oracle.fit(scaler.transform(x), y)
    # the linear kernel is on features scaled by 1/√d: the same SVM as C/d on the unscaled ones, same scores
    # libsvm stops at a tolerance of 1e-3 on the dual: the two solutions agree that far, not to the last bit
    assert np.allclose(fitted.decision_function(test), oracle.decision_function(scaler.transform(test)), atol=1e-4)


def test_the_choice_is_the_best_of_a_brute_force_loop_over_the_same_folds():
    x, y = _blobs(20, 6, 0)
    features = {"blobs": x, "noise": np.random.default_rng(1).normal(size=x.shape)}
    description, model, name = nondeep.tuned(features, y, nondeep.accuracy_score)
    folds = list(StratifiedKFold(nondeep.FOLDS).split(y, y))
    best = (-1.0, None)
    for key, values in features.items():
        scaled = StandardScaler().fit_transform(values)
        for setting in nondeep.SETTINGS:
            scores = []
            for part, held in folds:
                clf = (SVC(kernel="linear", C=setting.c / values.shape[1]) if setting.kernel == "linear" else
                       SVC(kernel="rbf", C=setting.c, gamma=setting.width / values.shape[1])).fit(scaled[part], y[part])
                scores.append((clf.predict(scaled[held]) == y[held]).mean())
            if np.mean(scores) > best[0]:
                best = (np.mean(scores), f"{key}, {setting.describe()}")
    assert description == best[1] and name == description.split(",")[0]
    assert model.predict(features[name]).shape == y.shape


def test_the_test_images_never_reach_the_tuning(monkeypatch):
    x, y = _blobs(20, 4, 2)
    seen = []
    original = nondeep.tuned
    monkeypatch.setattr(nondeep, "tuned", lambda features, labels, score, **kw: seen.append(len(labels)) or
                        original(features, labels, score, **kw))
    train, test = np.arange(0, 60, 2), np.arange(1, 60, 2)
    accuracy = nondeep.leading_accuracy({"blobs": x}, y, train, test)
    assert seen == [len(train)] and 0 <= accuracy <= 100


def test_descriptors_have_fixed_sizes_and_see_the_picture():
    grey = np.zeros((2, 64, 64))
    grey[1, 20:40, 20:40] = 200.0
    found = nondeep.descriptors(grey)
    assert found["LBP"].shape == (2, 160) and found["pixels"].shape == (2, 256)
    assert found["LBP"][0].sum() == pytest.approx(16.0)  # each cell's histogram sums to one
    assert not np.allclose(found["HOG"][0], found["HOG"][1])
