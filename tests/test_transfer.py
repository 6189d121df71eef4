"""Tables 4-7: split sampling, AP by hand, the feature cache and the mini targets."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from zfcompanion import data, models, profiles, targets
from zfcompanion.analysis import transfer
from zfcompanion.data import TransferSet
from zfcompanion.errors import UserError

from . import fixtures


def test_split_counts_disjointness_and_seed():
    labels = torch.arange(10).repeat_interleave(20)
    train, test = transfer.sample_split(labels, 15, seed=3, test_per_class=4)
    assert torch.bincount(labels[train]).tolist() == [15] * 10
    assert torch.bincount(labels[test]).tolist() == [4] * 10
    assert not set(train.tolist()) & set(test.tolist())
    again = transfer.sample_split(labels, 15, seed=3, test_per_class=4)
    assert torch.equal(train, again[0]) and torch.equal(test, again[1])
    assert not torch.equal(train, transfer.sample_split(labels, 15, seed=4)[0])


def test_a_class_with_too_few_images_is_named():
    labels = torch.tensor([0] * 20 + [1] * 5)
    with pytest.raises(UserError, match="Class 'boot' has 5 images, too few for 15 training images"):
        transfer.sample_split(labels, 15, seed=0, classes=["shirt", "boot"])


def test_average_precision_on_a_hand_made_ranking():
    scores = np.array([[0.9], [0.8], [0.7], [0.6]])
    labels = np.array([[1], [0], [1], [0]])  # hits at ranks 1 and 3: AP = (1/1 + 2/3) / 2
    assert transfer.average_precisions(scores, labels)[0] == pytest.approx(100 * (1 + 2 / 3) / 2)


def test_resampled_average_precision_is_sklearns_with_sample_weights():
    from sklearn.metrics import average_precision_score

    from zfcompanion.verdicts import unit_counts

    generator = np.random.default_rng(0)
    scores = np.round(generator.normal(size=60), 1)  # rounded: tied scores are one threshold, as in sklearn
    truth = (generator.random(60) < 0.3).astype(np.float64)
    counts = unit_counts(60, 50, seed=1)
    expected = [100 * average_precision_score(truth, scores, sample_weight=row) for row in counts]
    assert transfer.resampled_average_precision(scores, truth, counts) == pytest.approx(expected, abs=1e-9)
    assert np.isnan(transfer.resampled_average_precision(scores, truth, (1.0 - truth)[None]))[0]  # no positive drawn


def test_class_margins_tell_a_won_class_from_a_copy_of_the_leader():
    generator = np.random.default_rng(0)
    truth = (generator.random((200, 2)) < 0.3).astype(np.float64)
    leader = truth + generator.normal(0, 1.0, truth.shape)
    ours = np.column_stack([truth[:, 0] + generator.normal(0, 0.2, 200),  # far better on class a
                            leader[:, 1] + generator.normal(0, 0.01, 200)])  # the leader's own scores on class b
    scores = {"ours": ours, "[A]": generator.normal(size=truth.shape), "[B]": leader}
    ap = pd.DataFrame({m: transfer.average_precisions(found, truth) for m, found in scores.items()}, index=["a", "b"])
    comparison = transfer.MultilabelComparison(ap, scores, truth, torch.arange(200), torch.arange(200))
    margins = transfer.class_margins(comparison, "ours", resamples=2000)
    assert margins["a"].mean == pytest.approx(ap.loc["a", "ours"] - ap.loc["a", "[B]"]) and margins["a"].low > 10
    assert margins["b"].low < 0 < margins["b"].high
    truth[:, 1] = 0.0  # no test image of class b: it has no AP, and no margin
    absent = transfer.MultilabelComparison(ap, scores, truth, torch.arange(200), torch.arange(200))
    assert list(transfer.class_margins(absent, "ours", resamples=200)) == ["a"]


def test_feature_cache_is_reused_and_invalidated_by_the_checkpoint_sha(monkeypatch):
    torch.manual_seed(0)
    model = models.zf_mini().eval()
    images = torch.randn(6, 1, 64, 64) * 50
    target = TransferSet(torch.utils.data.TensorDataset(images, torch.arange(6) % 2), ["a", "b"], torch.arange(6) % 2)
    first = transfer.features(model, "a" * 64, target, "toy")
    assert set(first) == set(transfer.LAYERS) and first["layer 1"].shape == (6, 32 * transfer.POOLED**2)
    calls = []
    monkeypatch.setattr(transfer, "_layer_outputs", lambda *args: calls.append(1) or transfer._layer_outputs(*args))
    torch.testing.assert_close(transfer.features(model, "a" * 64, target, "toy")["layer 7"], first["layer 7"])
    assert not calls  # read from the cache
    with torch.no_grad():
        model.classifier[0].weight.mul_(2)
    monkeypatch.undo()
    changed = transfer.features(model, "b" * 64, target, "toy")  # another checkpoint: extracted again
    assert not torch.allclose(changed["layer 7"], first["layer 7"])


def test_far_transfer_targets_shapes_and_labels():
    pixels, labels = targets.letter_pixels(64, 2, seed=0)
    assert pixels.shape == (52, 1, 64, 64) and torch.bincount(labels).tolist() == [2] * 26
    assert torch.equal(pixels, targets.letter_pixels(64, 2, seed=0)[0])  # the same on every run
    digits, digit_labels = targets.digits_pixels(64)
    assert digits.shape[1:] == (1, 64, 64) and digits.max() <= 255 and set(digit_labels.tolist()) == set(range(10))


def test_held_out_garments_are_the_classes_pre_training_never_saw(tmp_path, monkeypatch):
    monkeypatch.setenv("ZFCOMPANION_CACHE", str(tmp_path / "cache"))
    root = fixtures.fashion_mnist(tmp_path / "data", train=20, test=100)
    pixels, labels, classes = targets.held_out_garments(profiles.MINI, root)
    held_out = [c for c in range(10) if c not in profiles.MINI.pretraining_classes]
    assert classes == [data.FASHION_MNIST_CLASSES[c] for c in held_out] and len(classes) == 4
    assert pixels.shape == (40, 1, 64, 64) and torch.bincount(labels).tolist() == [10] * 4
    scenes_of_test = data.fashion_scenes(root, train=False, seed=profiles.MINI.split_seed)
    first = int((scenes_of_test.targets == held_out[0]).nonzero()[0])
    assert torch.equal(pixels[0, 0], scenes_of_test.images[first, 4:68, 4:68].float())  # the center view


def test_held_out_pairs_are_one_class_per_unordered_pair_of_held_out_classes(tmp_path, monkeypatch):
    monkeypatch.setenv("ZFCOMPANION_CACHE", str(tmp_path / "cache"))
    root = fixtures.fashion_mnist(tmp_path / "data", train=20, test=100)
    pixels, labels, classes = targets.held_out_pairs(profiles.MINI, root, per_class=3)
    held_out = [data.FASHION_MNIST_CLASSES[c] for c in range(10) if c not in profiles.MINI.pretraining_classes]
    assert sorted(classes) == sorted(f"{a} & {b}" for i, a in enumerate(held_out) for b in held_out[i:])
    assert pixels.shape == (30, 1, 64, 64) and torch.bincount(labels).tolist() == [3] * 10
    assert len({tuple(p.flatten().tolist()) for p in pixels}) == 30  # every scene its own
    assert torch.equal(pixels, targets.held_out_pairs(profiles.MINI, root, per_class=3)[0])  # the same on every run


def test_held_out_pairs_need_two_images_of_each_held_out_class(tmp_path, monkeypatch):
    monkeypatch.setenv("ZFCOMPANION_CACHE", str(tmp_path / "cache"))
    root = fixtures.fashion_mnist(tmp_path / "data", train=20, test=10)  # one test image per class
    with pytest.raises(UserError, match="fewer than 2 test images"):
        targets.held_out_pairs(profiles.MINI, root, per_class=3)


def test_garment_scenes_are_labelled_with_every_garment_present(tmp_path, monkeypatch):
    monkeypatch.setenv("ZFCOMPANION_CACHE", str(tmp_path / "cache"))
    root = fixtures.fashion_mnist(tmp_path / "data", train=20, test=100)
    pixels, multi_hot, classes = targets.garment_scenes(profiles.MINI, root, count=30)
    assert pixels.shape == (30, 1, 64, 64) and multi_hot.shape == (30, 10) and len(classes) == 10
    assert ((multi_hot.sum(1) >= 1) & (multi_hot.sum(1) <= 3)).all()
    held_out = [c for c in range(10) if c not in profiles.MINI.pretraining_classes]
    assert multi_hot[:, held_out].sum() > 0  # the held-out classes are among the labels
    again, _, _ = targets.garment_scenes(profiles.MINI, root, count=30)
    assert torch.equal(pixels, again)


def test_the_paper_profile_asks_for_its_transfer_folder():
    with pytest.raises(UserError, match="pass `zfcompanion book --transfer-dir ROOT`"):
        targets.transfer_target(profiles.PAPER, "caltech101", torch.zeros(3, 256, 256))


def test_linear_svm_solves_liblinears_problem():
    """Our L-BFGS solver against scikit-learn's LinearSVC (liblinear): same decisions on held-out points."""
    from sklearn.svm import LinearSVC

    generator = torch.Generator().manual_seed(0)
    centres = torch.randn(5, 20, generator=generator) * 2
    y = torch.arange(400) % 5
    x = centres[y] + torch.randn(400, 20, generator=generator) * 2
    weights, bias = transfer.linear_svm(x[:300], y[:300], 5, C=0.01)
    reference = LinearSVC(C=0.01, max_iter=20000, tol=1e-8).fit(x[:300].numpy(), y[:300].numpy())
    ours = x[300:].double() @ weights + bias
    theirs = torch.from_numpy(reference.decision_function(x[300:].numpy())).double()
    assert torch.allclose(ours, theirs, atol=2e-3)
    assert torch.equal(ours.argmax(1), theirs.argmax(1))


CACHE_SCRIPT = """
import os
import signal
import sys

import torch

from zfcompanion import models
from zfcompanion.analysis import transfer
from zfcompanion.data import TransferSet

if len(sys.argv) > 1:  # die by SIGKILL when the cache write number argv[1] begins
    writes, atomic_write_bytes = [], transfer.atomic_write_bytes
    def dying_write(path, data):
        writes.append(path)
        if len(writes) == int(sys.argv[1]):
            os.kill(os.getpid(), signal.SIGKILL)
        atomic_write_bytes(path, data)
    transfer.atomic_write_bytes = dying_write
torch.manual_seed(0)
images = torch.randn(20, 1, 64, 64) * 50
target = TransferSet(torch.utils.data.TensorDataset(images, torch.arange(20) % 2), ["a", "b"], torch.arange(20) % 2)
features = transfer.features(models.zf_mini().eval(), "c" * 64, target, "toy")
torch.save(features, os.environ["FEATURES_OUT"])
"""


def test_feature_caching_killed_midway_reruns_to_the_same_features(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    def run(cache, *kill_at):
        env = {**os.environ, "ZFCOMPANION_CACHE": str(cache), "FEATURES_OUT": str(tmp_path / f"{cache.name}.pt")}
        return subprocess.run([sys.executable, "-c", CACHE_SCRIPT, *kill_at], env=env, capture_output=True, text=True)

    assert run(tmp_path / "straight").returncode == 0
    killed = run(tmp_path / "killed", "4")  # three layers cached, the fourth never begun
    assert killed.returncode == -signal.SIGKILL
    written = sorted((tmp_path / "killed" / "features").iterdir())
    assert len(written) == 3 and not any(path.name.startswith(".") for path in written)  # no partial file
    assert run(tmp_path / "killed").returncode == 0
    straight, resumed = (torch.load(tmp_path / f"{name}.pt") for name in ("straight", "killed"))
    assert set(resumed) == set(transfer.LAYERS)
    for layer in transfer.LAYERS:
        assert torch.equal(straight[layer], resumed[layer]), layer
    assert len(list((tmp_path / "killed" / "features").iterdir())) == len(transfer.LAYERS)


DETERMINISM_SCRIPT = """
import numpy as np
import torch

from zfcompanion import book, checkpoints, profiles, targets
from zfcompanion.analysis import transfer

profile = profiles.MINI
checkpoint = book.ROOT / "data" / "checkpoints" / "mini" / "zf" / "final.pt"
model, _ = checkpoints.load_model(checkpoint)
target = targets.stand_in(profile, "digits", torch.full((1, profile.stored_size, profile.stored_size), 70.0))
layers = transfer.features(model, checkpoints.entry(checkpoint)["sha256"], target, "digits")
train, test = transfer.sample_split(target.labels, 15, seed=0, test_per_class=20)
y_train, y_test = target.labels[train], target.labels[test]
for layer in ("layer 1", "layer 5", "layer 7"):
    x = layers[layer]
    for classifier in ("softmax", "svm"):
        print(layer, classifier, repr(transfer.linear_accuracy(x[train], y_train, x[test], y_test, classifier)))
multi_hot = torch.nn.functional.one_hot(target.labels, 10).float()
scores = transfer.one_vs_rest_scores(layers["layer 7"][train], multi_hot[train], layers["layer 7"][test])
print("AP", np.round(transfer.average_precisions(scores, multi_hot[test].numpy()), 6).tolist())
"""


@pytest.mark.parametrize("variant", [{"OMP_NUM_THREADS": "1"},
                                     {"ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "AVX2"}],
                         ids=["one thread", "default kernels"])
def test_transfer_results_do_not_depend_on_threads_or_vector_kernels(tmp_path, variant):
    """What Tables 4-7 print comes from float64 features and classifiers solved to convergence: the same
    digits under another thread count or another set of CPU kernels (torch's and MKL's), as on another
    machine. (Networks trained from scratch are recorded instead: see the next test.)"""
    import os
    import subprocess
    import sys

    def run(name, **changes):
        env = {**os.environ, "ZFCOMPANION_CACHE": str(tmp_path / name), "OMP_NUM_THREADS": "2", **changes}
        result = subprocess.run([sys.executable, "-c", DETERMINISM_SCRIPT], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout

    reference = run("reference")
    assert "layer 7 svm" in reference and "AP" in reference
    assert run("variant", **variant) == reference


def test_a_recorded_accuracy_is_measured_once_and_read_back(tmp_path):
    store, calls = tmp_path / "transfer" / "scratch.json", []
    measure = lambda: calls.append(1) or 42.5
    assert transfer.recorded_accuracy(store, "digits: 15 per class, split 0", measure) == 42.5
    assert transfer.recorded_accuracy(store, "digits: 15 per class, split 0", measure) == 42.5
    assert transfer.recorded_accuracy(store, "digits: 15 per class, split 1", lambda: 40.0) == 40.0
    assert calls == [1] and sorted(json.loads(store.read_text())) == ["digits: 15 per class, split 0", "digits: 15 per class, split 1"]
    assert not [path for path in store.parent.iterdir() if path.name.startswith(".")]  # no partial file left


def test_far_transfer_measures_the_pretrained_softmax_and_the_baseline_only(tmp_path, monkeypatch):
    monkeypatch.setenv("ZFCOMPANION_CACHE", str(tmp_path))
    torch.manual_seed(0)
    model = models.zf_mini(num_classes=6).eval()
    mean = torch.full((1, 72, 72), 70.0)
    assert transfer.far_transfer(model, "c" * 64, profiles.PAPER, "caltech101", mean, [15], 1, 5) is None
    table = transfer.far_transfer(model, "c" * 64, profiles.MINI, "caltech101", mean, [15], 1, 5)
    assert list(table.index.get_level_values(1)) == [transfer.PRETRAINED, transfer.BASELINE]
    assert "digits: 1797 images, 10 classes" in table.index.get_level_values(0)[0]


def test_table6s_summary_rows_count_wins_as_whole_numbers():
    import pandas as pd

    ap = pd.DataFrame({"[A] stand-in": [10.0, 50.0, 20.0], "[B] stand-in": [20.0, 40.0, 10.0], "ours": [30.0, 30.0, 30.0]},
                      index=["a", "b", "c"])
    paper = pd.DataFrame({"A": [70.0, 74.3, 0.0], "B": [80.0, 82.2, 15.0], "ours": [90.0, 79.0, 5.0]},
                         index=["Airplane", "Mean", "# won"])
    table = transfer.ap_beside_paper(paper, ap, "paper", "run")
    assert table.loc["# won", ("run", "[A]")] == "1" and table.loc["# won", ("run", "ours")] == "2"
    assert table.loc["Mean AP", ("run", "[B]")] == "23.3" and table.loc["# won", ("paper", "[B]")] == "15"
    assert not table.isna().any().any()


def test_one_stand_in_playing_both_caltech_roles_is_judged_once_per_size():
    import dataclasses

    from zfcompanion import profiles
    from zfcompanion.analysis.transfer import judged_sizes

    assert judged_sizes(profiles.MINI, "caltech101") == [15, 30]
    assert judged_sizes(profiles.MINI, "caltech256") == [15, 30, 45, 60]  # the garment pairs are a set of their own
    assert judged_sizes(profiles.PAPER, "caltech256") == [15, 30, 45, 60]
    shared = dataclasses.replace(profiles.MINI, transfer=(("caltech101", "held-out-garments"),
                                                          ("caltech256", "held-out-garments"), ("voc2012", "garment-scenes")))
    assert judged_sizes(shared, "caltech256") == [45, 60]  # 15 and 30 are Table 4's, on the same garments
