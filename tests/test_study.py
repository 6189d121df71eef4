"""Tables 2 and 3's study: which networks it trains, what it keeps of them, and how ensembles average."""

import csv
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from zfcompanion import checkpoints, paper, study
from zfcompanion.analysis import ablation
from zfcompanion.data import pretraining_splits
from zfcompanion.errors import UserError
from zfcompanion.evaluation import Ensemble, evaluate, predict, topk_errors
from zfcompanion.profiles import MINI, PAPER
from torch.utils.data import DataLoader

from . import fixtures


def test_the_study_trains_table3s_twelve_configurations_with_their_seeds():
    published = paper.table("table3")
    changes = {text: variant for variant, text in ablation.PAPER_CHANGES.items()}
    assert list(zip(published.base, published.change.map(changes))) == [
        (arch, variant) for arch, variants in study.CONFIGURATIONS.items() for variant in variants]
    every = study.runs(MINI)
    assert len(every) == len(set(every)) == 11 * MINI.ablation_seeds + MINI.ensemble_size == 38
    assert set(study.table2_runs(MINI)) <= set(every) and set(study.weights_kept(MINI)) <= set(study.table2_runs(MINI))
    assert study.ensemble_a(MINI) == [study.Run("zf", "base", seed) for seed in range(5)]
    shards = [every[shard::3] for shard in range(3)]
    assert sorted(run.name for part in shards for run in part) == sorted(run.name for run in every)
    assert len(study.runs(PAPER)) == 11 + PAPER.ensemble_size


def test_an_ensemble_predicts_the_mean_of_its_members_softmax():
    torch.manual_seed(0)
    members = [nn.Sequential(nn.Flatten(), nn.Linear(16, 4)) for _ in range(3)]
    images = torch.randn(5, 1, 4, 4)
    by_hand = sum(member(images).softmax(1) for member in members) / 3
    assert torch.allclose(predict(Ensemble(members), images, 4), by_hand, atol=1e-6)

    targets = torch.tensor([0, 1, 2, 3, 0])
    stored = [{"val_1view": member(images).softmax(1).detach(), "val_targets": targets} for member in members]
    errors = study.ensemble_scores(stored, "val", 1, (1, 2))
    assert errors["top1_err"] == pytest.approx(topk_errors(by_hand, targets, (1, 2))["top1_err"])
    assert errors["top2_err"] == pytest.approx(topk_errors(by_hand, targets, (1, 2))["top2_err"])


def test_the_ensembles_gains_are_counted_image_by_image_by_hand():
    """Three members over four images of three classes, the truth class 0 throughout; an image a
    network gets wrong is a miss of 100."""
    probs = torch.tensor([[[0.6, 0.3, 0.1], [0.4, 0.5, 0.1], [0.5, 0.4, 0.1], [0.1, 0.1, 0.8]],   # misses 2, 4
                          [[0.4, 0.5, 0.1], [0.6, 0.3, 0.1], [0.5, 0.2, 0.3], [0.2, 0.7, 0.1]],   # misses 1, 4
                          [[0.7, 0.2, 0.1], [0.5, 0.4, 0.1], [0.3, 0.6, 0.1], [0.3, 0.6, 0.1]]])  # misses 3, 4
    members = [{"val_targets": torch.zeros(4, dtype=torch.long), "val_10view": p} for p in probs]
    gains = study.ensemble_gains_per_image(members, "val", 10)
    # the mean softmax names class 0 in images 1 to 3 and class 1 in image 4: the ensemble misses image 4
    assert gains["over the members' mean"].tolist() == pytest.approx([100 / 3, 100 / 3, 100 / 3, 0.0])
    assert gains["over the best member"].tolist() == [0.0, 100.0, 0.0, 0.0]  # the first member, ties broken by order


def test_the_study_keeps_table2s_predictions_some_weights_and_skips_finished_runs(tmp_path):
    data_dir = fixtures.fashion_mnist(tmp_path / "data", train=600, test=60)
    profile = replace(fixtures.mini_profile(600), ensemble_size=3, ablation_seeds=2)
    folder = tmp_path / "study"
    shard = study.runs(profile)[1::5]
    predicted, weighed = set(study.table2_runs(profile)), set(study.weights_kept(profile))
    assert {run in predicted for run in shard} == {True, False} and any(run in predicted - weighed for run in shard)

    study.train_runs(profile, folder, data_dir, shard=1, shards=5)
    finished = study.results(folder, shard)
    assert list(finished.variant) == [run.variant for run in shard]
    assert ((finished.train_top1_err >= 0) & (finished.val_top1_err <= 100)).all()
    assert (finished.epochs == profile.study_epochs).all()
    for run in shard:  # every network on the same fixed schedule: the rate drops after the milestone epoch 1
        lrs = [float(row["lr"]) for row in csv.DictReader(open(folder / run.name / "metrics.csv"))]
        assert lrs == pytest.approx([profile.lr, profile.lr * profile.lr_decay])
    splits = pretraining_splits(profile, data_dir)
    for run in shard:
        files = {path.name for path in (folder / run.name).iterdir()}
        expected = {"manifest.json", "metrics.csv", "result.json"}  # the ablations keep their numbers only
        expected |= {"predictions.pt"} if run in predicted else set()
        expected |= {"final.pt"} if run in weighed else set()
        assert files == expected, run
        if run not in weighed:
            continue
        model, state = checkpoints.load_model(folder / run.name / "final.pt")
        assert state["model"]["features.0.weight"].dtype == torch.float16
        stored = study.predictions(folder, run)
        assert stored["val_10view"].shape == (len(splits.val), profile.num_classes)
        assert stored["test_1view"].shape == (len(splits.test), profile.num_classes)
        # The fp16 weights give the stored (fp32) predictions back, up to rounding.
        loader = DataLoader(splits.val, batch_size=64)
        assert evaluate(model, loader, profile.input_size, (1,))["top1_err"] == pytest.approx(
            topk_errors(stored["val_1view"], stored["val_targets"], (1,))["top1_err"], abs=100 / len(splits.val) * 2)

    written = {run: (folder / run.name / "result.json").stat().st_mtime_ns for run in shard}
    study.train_runs(profile, folder, data_dir, shard=1, shards=5)
    assert written == {run: (folder / run.name / "result.json").stat().st_mtime_ns for run in shard}
    json.loads((folder / shard[0].name / "result.json").read_text())


def test_a_missing_run_says_how_to_train_it(tmp_path):
    with pytest.raises(UserError, match=r"zf-seed3 has no result.json .*make checkpoints"):
        study.results(tmp_path, [study.Run("zf", "base", 3)])
    with pytest.raises(UserError, match="Shard 4 does not exist"):
        study.train_runs(MINI, tmp_path, shard=4, shards=2)


def test_ablation_summary_is_mean_std_and_welchs_test_against_the_base():
    from scipy import stats

    from zfcompanion.analysis import ablation

    rows = [("zf", "base", seed, 10.0 + seed, 5.0) for seed in range(3)]
    rows += [("zf", "fc-double", seed, 20.0 + 2 * seed, 4.0 + seed) for seed in range(3)]
    rows += [("zf", "fc-half", seed, 11.0, 5.0) for seed in range(3)]
    rows += [("alexnet", "base", 0, 30.0, 1.0), ("alexnet", "fc-half", 0, 31.0, 2.0)]
    results = pd.DataFrame(rows, columns=["arch", "variant", "seed", "val_top1_err", "train_top1_err"])
    summary = ablation.summarize(results, ("val_top1_err", "train_top1_err"))
    row = summary.loc[("zf", "fc-double")]
    assert row["val_top1_err mean"] == pytest.approx(22.0) and row["val_top1_err std"] == pytest.approx(2.0)
    assert row["train_top1_err mean"] == pytest.approx(5.0) and row["seeds"] == 3
    assert row["val_top1_err change"] == pytest.approx(11.0)
    # Welch's t by hand: variances 4 and 1 over 3 runs each, Welch-Satterthwaite degrees of freedom.
    a, b = 4 / 3, 1 / 3
    t, df = 11.0 / (a + b) ** 0.5, (a + b) ** 2 / (a ** 2 / 2 + b ** 2 / 2)
    assert row["p"] == pytest.approx(2 * stats.t.sf(t, df))
    assert np.isnan(summary.loc[("zf", "base"), "p"]) and np.isnan(summary.loc[("alexnet", "fc-half"), "p"])
    assert ablation.change(summary, "alexnet", "fc-half", "train_top1_err") == pytest.approx(1.0)
    # The paper's order, not the order of the results.
    assert list(summary.loc["zf"].index) == ["base", "fc-half", "fc-double"]
    # Beside the paper: its numbers for the same rows, this run's mean ± std, the test's outcome in words.
    summary["val_top5_err mean"] = summary["val_top5_err std"] = summary["val_top1_err mean"]
    paper = pd.DataFrame({"train_top1_err": [1.0], "val_top1_err": [2.0], "val_top5_err": [3.0]},
                         index=pd.MultiIndex.from_tuples([("zf", "fc-half")], names=["base", "variant"]))
    published, measured = ablation.beside_paper(summary, paper, 5)
    assert published.loc[("zf", "fc-half"), "change (the paper's words)"] == "Adjust layers 6,7: 2048 units"
    assert published.loc[("zf", "fc-half"), "val top-1"] == 2.0 and np.isnan(published.loc[("zf", "base"), "val top-1"])
    assert measured.loc[("zf", "fc-double"), "val top-1"] == "22.00 ± 2.00"
    assert measured.loc[("zf", "base"), "significant"] == "—" and measured.loc[("zf", "fc-double"), "significant"] == (
        "yes" if row["p"] < ablation.SIGNIFICANCE else "no")


STUDY_SCRIPT = """
import sys
from dataclasses import replace
from pathlib import Path
from tests import fixtures
from zfcompanion import study
profile = replace(fixtures.mini_profile(600), ensemble_size=1, ablation_seeds=1)
study.train_runs(profile, Path(sys.argv[1]), Path(sys.argv[2]), shard=0, shards=9, epochs=3)
"""


def test_a_study_killed_mid_run_resumes_to_the_same_results(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    data_dir = fixtures.fashion_mnist(tmp_path / "data", train=600, test=60)

    def start(folder):
        return subprocess.Popen([sys.executable, "-c", STUDY_SCRIPT, str(folder), str(data_dir)], cwd=fixtures.REPO,
                                env={**fixtures.environment(), "ZFCOMPANION_CACHE": str(tmp_path / "cache")},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    profile = replace(fixtures.mini_profile(600), ensemble_size=1, ablation_seeds=1)
    runs = [run.name for run in study.runs(profile)[0::9]]
    assert runs == ["zf-wide-conv345", "alexnet-no-conv34-fc67"]  # the shard: Table 2 (b), kept, then an ablation
    straight = start(tmp_path / "straight")
    assert straight.wait(timeout=600) == 0, straight.stdout.read()

    killed = start(tmp_path / "killed")
    second = tmp_path / "killed" / runs[1] / "resume" / "manifest.json"  # the second run is past its epoch 1
    deadline = time.time() + 600
    while not second.exists() and time.time() < deadline and killed.poll() is None:
        time.sleep(0.02)
    assert killed.poll() is None, "the study ended before it could be killed"
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    resumed = start(tmp_path / "killed")
    output, _ = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, output
    for run in runs:
        assert (tmp_path / "killed" / run / "result.json").read_text() == (tmp_path / "straight" / run / "result.json").read_text()
        left = sorted(path.name for path in (tmp_path / "killed" / run).iterdir())
        assert left == sorted(path.name for path in (tmp_path / "straight" / run).iterdir())  # no partial files


def test_per_seed_groups_a_columns_seeds_by_variant():
    import pandas as pd

    from zfcompanion.analysis import ablation

    results = pd.DataFrame({"arch": ["zf", "zf", "zf", "alexnet"], "variant": ["base", "base", "no-fc7", "base"],
                            "seed": [1, 0, 0, 0], "val_top1_err": [21.0, 20.0, 19.0, 25.0]})
    assert ablation.per_seed(results, "zf", "val_top1_err") == {"base": [20.0, 21.0], "no-fc7": [19.0]}


def test_the_study_copies_a_run_that_train_finished_with_the_same_settings(tmp_path, capsys, monkeypatch):
    """At the paper profile the study's recipe is the main runs' (the plateau rule, the same epochs), so
    its ZF of seed 0 is the `zf` run the chapters read: copied from there, not trained a second time."""
    from zfcompanion.train import TrainConfig, train

    data_dir = fixtures.fashion_mnist(tmp_path / "data", train=600, test=60)
    profile = replace(fixtures.mini_profile(600), ensemble_size=1, ablation_seeds=1, study_milestones=())
    checkpoint_dir = tmp_path / "checkpoints"
    main = train(TrainConfig(profile=profile, out_dir=checkpoint_dir / "zf", data_dir=data_dir,
                             epochs=profile.study_epochs, snapshots=False, precision="fp32"))
    main_bytes = main.read_bytes()
    every = study.runs(profile)
    zf = every.index(study.Run("zf", "base", 0))
    with monkeypatch.context() as patched:
        patched.setattr(study, "train", lambda config: pytest.fail(f"{config.out_dir} was trained again"))
        study.train_runs(profile, checkpoint_dir / "study", data_dir, shard=zf, shards=len(every), precision="fp32")
    assert "zf is the run already trained in" in capsys.readouterr().out  # the same precision: the same run
    copied = checkpoint_dir / "study" / "zf"
    assert (copied / "metrics.csv").read_bytes() == (main.parent / "metrics.csv").read_bytes()
    assert json.loads((copied / "result.json").read_text())["epochs"] == profile.study_epochs
    assert main.read_bytes() == main_bytes  # the chapters' run is left as it was (the study's copy is halved)
    assert checkpoints.entry(copied / "final.pt")["run"] == checkpoints.entry(main)["run"]

    # Another recipe (the mini profile's fixed milestones) is another run: the study trains its own.
    milestones = replace(profile, study_milestones=(1,))
    study.train_runs(milestones, checkpoint_dir / "study-milestones", data_dir, shard=zf, shards=len(every),
                     precision="fp32")
    assert "already trained" not in capsys.readouterr().out
    study.train_runs(profile, checkpoint_dir / "study-auto", data_dir, shard=zf, shards=len(every))  # auto precision
    assert "already trained" not in capsys.readouterr().out
