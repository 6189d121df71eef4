"""The trainer: feature-scale clipping, resuming after SIGKILL, and both profiles end to end."""

import csv
import json
import signal
import subprocess
import sys
import shutil
import time
from dataclasses import replace

import pytest
import torch
from torch import nn

from zfcompanion import checkpoints
from zfcompanion.files import ROOT
from zfcompanion.errors import UserError
from zfcompanion.profiles import PAPER
from zfcompanion.train import TrainConfig, clip_filter_rms, train

from . import fixtures


def test_clipping_renormalizes_exactly_the_filters_above_the_limit():
    conv = nn.Conv2d(2, 4, 3)
    with torch.no_grad():
        conv.weight.copy_(torch.randn(4, 2, 3, 3))
        conv.weight[0] *= 0.01 / conv.weight[0].pow(2).mean().sqrt()   # RMS 0.01: untouched
        conv.weight[1] *= 0.099 / conv.weight[1].pow(2).mean().sqrt()  # just under the limit: untouched
        conv.weight[2] *= 0.5 / conv.weight[2].pow(2).mean().sqrt()    # RMS 0.5 -> 0.1
        conv.weight[3] *= 3.0 / conv.weight[3].pow(2).mean().sqrt()    # RMS 3.0 -> 0.1
    before = conv.weight.detach().clone()
    assert clip_filter_rms(nn.Sequential(conv, nn.Linear(2, 2)), 0.1) == 2
    rms = conv.weight.pow(2).mean(dim=(1, 2, 3)).sqrt()
    assert torch.allclose(rms, torch.tensor([0.01, 0.099, 0.1, 0.1]), atol=1e-6)
    assert torch.equal(conv.weight[:2], before[:2])
    for index in (2, 3):  # same direction, new length
        assert torch.allclose(conv.weight[index] / before[index], (conv.weight[index] / before[index]).flatten()[0])


TRAIN_SCRIPT = """
import sys
from pathlib import Path
from tests import fixtures
from zfcompanion.train import TrainConfig, train
profile = fixtures.mini_profile(2500)
train(TrainConfig(profile=profile, out_dir=Path(sys.argv[1]), data_dir=Path(sys.argv[2]), epochs=4, seed=7))
"""


def start_training(out, data_dir, cache):
    return subprocess.Popen([sys.executable, "-c", TRAIN_SCRIPT, str(out), str(data_dir)], cwd=fixtures.REPO,
                            env={**fixtures.environment(), "ZFCOMPANION_CACHE": str(cache)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def resume_epoch(out):
    """The epoch of the finished resume state (an entry still pending is a save in progress: not yet)."""
    manifest = out / "resume" / "manifest.json"
    return json.loads(manifest.read_text())["last.pt"].get("epoch", 0) if manifest.exists() else 0


def test_training_killed_mid_epoch_resumes_to_the_same_weights(tmp_path):
    data_dir = fixtures.fashion_mnist(tmp_path / "data", train=2500, test=50)
    cache = tmp_path / "cache"
    straight = start_training(tmp_path / "straight", data_dir, cache)
    assert straight.wait(timeout=300) == 0, straight.stdout.read()

    killed = start_training(tmp_path / "killed", data_dir, cache)
    deadline = time.time() + 300
    while resume_epoch(tmp_path / "killed") < 2 and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # into epoch 3
    assert killed.poll() is None, "training ended before it could be killed"
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert not (tmp_path / "killed" / "final.pt").exists()
    assert resume_epoch(tmp_path / "killed") == 2

    resumed = start_training(tmp_path / "killed", data_dir, cache)
    output, _ = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, output
    assert "Resuming" in output and "from epoch 3" in output
    a, _ = checkpoints.load_model(tmp_path / "straight" / "final.pt")
    b, _ = checkpoints.load_model(tmp_path / "killed" / "final.pt")
    for key, value in a.state_dict().items():
        assert torch.equal(value, b.state_dict()[key]), key
    assert (tmp_path / "straight" / "metrics.csv").read_text().count("\n") == 5
    # No temporary or resume files remain; the snapshots are all there.
    left = sorted(p.name for p in (tmp_path / "killed").iterdir())
    assert left == ["epoch001.pt", "epoch002.pt", "epoch003.pt", "final.pt", "manifest.json", "metrics.csv"]


def test_mini_training_learns_and_records_metrics(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("zfcompanion.train.PROGRESS_EVERY", 2)
    data_dir = fixtures.fashion_mnist(tmp_path / "data", train=1500, test=200)
    final = train(TrainConfig(profile=fixtures.mini_profile(1500), out_dir=tmp_path / "run", data_dir=data_dir, epochs=3))
    metrics = checkpoints.entry(final)["metrics"]
    assert metrics["epoch"] == 3 and metrics["lr"] == pytest.approx(1e-2)
    history = list(csv.DictReader(open(tmp_path / "run" / "metrics.csv")))
    assert [int(row["epoch"]) for row in history] == [1, 2, 3]
    assert float(history[-1]["train_loss"]) < float(history[0]["train_loss"])
    assert metrics["test_top1_err_1view"] < 85  # chance is 90
    printed = capsys.readouterr().out
    assert printed.endswith(f"Wrote {final}\n")
    # Not a terminal (pytest captures it): a progress line every PROGRESS_EVERY batches, where tqdm is silent.
    assert "zf-mini base epoch 1/3: batch 2/" in printed and "images/s" in printed
    for key in ("train_top1_err", "train_top2_err", "val_top1_err", "val_top2_err", "test_top2_err_10view"):
        assert 0 <= metrics[key] <= 100
    # Running it again finds the finished run and does not retrain.
    before = final.stat().st_mtime_ns
    train(TrainConfig(profile=fixtures.mini_profile(1500), out_dir=tmp_path / "run", data_dir=data_dir, epochs=3))
    assert final.stat().st_mtime_ns == before


def finished_run(out, config):
    """A final.pt as an earlier run of `config` leaves it, without training."""
    checkpoints.save(out / checkpoints.FINAL, {"model": {}}, profile="mini", model_config={}, epoch=3,
                     run=config.identity())
    return (out / "manifest.json").read_bytes()


def test_a_finished_run_is_reported_as_such_after_its_inputs_are_checked(tmp_path, capsys):
    out = tmp_path / "run"
    config = TrainConfig(profile=fixtures.mini_profile(100), out_dir=out, data_dir=tmp_path / "nowhere")
    manifest = finished_run(out, config)
    with pytest.raises(UserError, match=r"Fashion-MNIST is not in .*nowhere/FashionMNIST/raw"):
        train(config)
    config = replace(config, data_dir=fixtures.fashion_mnist(tmp_path / "data", train=100, test=10))
    assert train(config) == out / "final.pt"
    assert capsys.readouterr().out == (f"{out} is already trained ({out / 'final.pt'}, 3 epochs, from an earlier run); "
                                       f"nothing to do (delete that file to train again).\n")
    assert (out / "manifest.json").read_bytes() == manifest
    assert sorted(p.name for p in out.iterdir()) == ["final.pt", "manifest.json"]


def test_a_finished_run_of_other_settings_is_never_trained_over(tmp_path):
    out = tmp_path / "run"
    data_dir = fixtures.fashion_mnist(tmp_path / "data", train=100, test=10)
    config = TrainConfig(profile=fixtures.mini_profile(100), out_dir=out, data_dir=data_dir, arch="alexnet")
    manifest = finished_run(out, config)
    for other in (replace(config, arch="zf"), replace(config, seed=1), replace(config, limit=50)):
        with pytest.raises(UserError, match=r"holds a finished run with other settings .*'arch': 'alexnet'.*pass another --out"):
            train(other)
    assert (out / "manifest.json").read_bytes() == manifest
    assert sorted(p.name for p in out.iterdir()) == ["final.pt", "manifest.json"]


def test_resuming_with_other_settings_is_refused(tmp_path):
    data_dir = fixtures.fashion_mnist(tmp_path / "data", train=300, test=20)
    profile = fixtures.mini_profile(300)
    out = tmp_path / "run"
    (out / "resume").mkdir(parents=True)
    checkpoints.save(out / "resume" / "last.pt", {"model": {}}, profile="mini", model_config={},
                     run={"profile": "mini", "arch": "alexnet"})
    with pytest.raises(UserError, match="holds a run with other settings"):
        train(TrainConfig(profile=profile, out_dir=out, data_dir=data_dir, epochs=1))


def test_paper_profile_trains_zfnet_on_the_imagenet_layout(tmp_path):
    data_dir = fixtures.imagenet(tmp_path / "imagenet", classes=3, per_class=4)
    profile = replace(PAPER, num_classes=3, batch_size=6, snapshot_epochs=(1,), num_workers=0)
    final = train(TrainConfig(profile=profile, out_dir=tmp_path / "run", data_dir=data_dir, epochs=1))
    model, state = checkpoints.load_model(final)
    assert checkpoints.entry(final)["model"] == {"spec": "zf", "variant": "base", "num_classes": 3}
    assert state["mean_image"].shape == (3, 256, 256)
    assert model(torch.zeros(1, 3, 224, 224)).shape == (1, 3)


def test_cuda_asked_without_cuda_is_one_sentence(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    data_dir = fixtures.fashion_mnist(tmp_path / "data", train=100, test=10)
    with pytest.raises(UserError, match="CUDA is not available here: use --device cpu"):
        train(TrainConfig(profile=fixtures.mini_profile(100), out_dir=tmp_path / "run", data_dir=data_dir, device="cuda"))


DDP_SCRIPT = """
import sys
from pathlib import Path
from tests import fixtures
from zfcompanion.train import TrainConfig, train
train(TrainConfig(profile=fixtures.mini_profile(600), out_dir=Path(sys.argv[1]), data_dir=Path(sys.argv[2]), epochs=2))
"""


def test_distributed_data_parallel_under_torchrun_on_cpu(tmp_path):
    """The paper profile's multi-GPU path, run here with two CPU processes (gloo)."""
    data_dir = fixtures.fashion_mnist(tmp_path / "data", train=600, test=40)
    script = tmp_path / "ddp_train.py"
    script.write_text(DDP_SCRIPT)
    env = {**fixtures.environment(), "ZFCOMPANION_CACHE": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                             str(script), str(tmp_path / "run"), str(data_dir)],
                            cwd=fixtures.REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("epoch=2 ") == 1  # only rank 0 reports and writes
    model, _ = checkpoints.load_model(tmp_path / "run" / "final.pt")
    assert checkpoints.entry(tmp_path / "run" / "final.pt")["epoch"] == 2


def test_a_limit_that_leaves_a_process_no_batch_is_one_sentence_under_torchrun(tmp_path):
    """`--limit 50` over 2 processes gives each 25 images, less than one batch: a sentence, not a
    ZeroDivisionError at the end of the epoch."""
    # The mini profile pre-trains on 6 classes of 10 and holds 5,000 of those images out: about 400 remain.
    data_dir = fixtures.fashion_mnist(tmp_path / "data", train=9000, test=40)
    env = {**fixtures.environment(), "ZFCOMPANION_CACHE": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                             "-m", "zfcompanion.cli", "train", "--limit", "50", "--epochs", "1",
                             "--data-dir", str(data_dir), "--out", str(tmp_path / "run")],
                            cwd=fixtures.REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "50 training images leave each of the 2 processes less than one batch of 64: pass a larger --limit" \
           in result.stderr
    assert "ZeroDivisionError" not in result.stdout + result.stderr


def test_a_folder_being_trained_into_is_refused_to_a_second_writer_and_an_unwritable_one_at_once(tmp_path):
    from zfcompanion.files import writing

    data_dir = fixtures.fashion_mnist(tmp_path / "data", train=100, test=10)
    config = TrainConfig(profile=fixtures.mini_profile(100), out_dir=tmp_path / "run", data_dir=data_dir, epochs=1)
    with writing(tmp_path / "run", "training into"):  # another process holds the folder
        with pytest.raises(UserError, match=r"Another process is training into .*run now: wait for it to finish"):
            train(config)
    assert not (tmp_path / "run" / "final.pt").exists()
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(UserError, match=r"Cannot write to .*a-file/run: Not a directory; pass a folder you can write"):
        train(replace(config, out_dir=tmp_path / "a-file" / "run"))


def test_a_limit_samples_across_the_whole_set_not_its_first_classes():
    from zfcompanion.data import limited

    labels = torch.arange(10).repeat_interleave(100)  # a folder dataset: class by class
    dataset = torch.utils.data.TensorDataset(torch.zeros(1000), labels)
    subset = limited(dataset, 50)
    assert len(subset) == 50 and sorted({int(subset[i][1]) for i in range(50)}) == list(range(10))
    assert limited(dataset, None) is dataset and limited(dataset, 5000) is dataset


def test_precision_batch_size_and_workers_are_the_users_and_recorded(tmp_path):
    """fp16 trains with its loss scaled; fp32 turns autocast off; a batch size or precision other than
    the default is part of the run's identity, so a run of other settings is refused."""
    from zfcompanion.train import autocast_dtype

    assert autocast_dtype("fp32", torch.device("cpu")) is None and autocast_dtype("fp16", torch.device("cpu")) == torch.float16
    with pytest.raises(UserError, match="Unknown precision 'int8'"):
        autocast_dtype("int8", torch.device("cpu"))
    data_dir = fixtures.fashion_mnist(tmp_path / "data", train=100, test=10)
    config = TrainConfig(profile=fixtures.mini_profile(100), out_dir=tmp_path / "run", data_dir=data_dir, epochs=1,
                         precision="fp16", batch_size=16, workers=0, limit=32, test_views=(), snapshots=False)
    train(config)
    identity = checkpoints.entry(tmp_path / "run" / "final.pt")["run"]
    assert identity["precision"] == "fp16" and identity["batch_size"] == 16
    with pytest.raises(UserError, match="holds a finished run with other settings"):
        train(replace(config, precision="fp32"))


def test_the_paper_network_is_not_trained_on_another_number_of_classes(tmp_path):
    data_dir = fixtures.imagenet(tmp_path / "imagenet", classes=3, per_class=2)
    with pytest.raises(UserError, match=r"imagenet/train holds 3 classes, but the paper profile's network has 1000 "
                                        r"outputs: train on ImageNet's 1000 classes"):
        train(TrainConfig(profile=PAPER, out_dir=tmp_path / "run", data_dir=data_dir))
    assert not (tmp_path / "run").exists()


def test_no_shipped_study_run_is_ever_trained_over(tmp_path):
    """A study run whose weights were not kept holds result.json, metrics.csv and its manifest: it is a
    finished run, and training into its folder is refused before anything is written."""
    data_dir = fixtures.fashion_mnist(tmp_path / "data", train=100, test=10)
    shipped = sorted(path for path in (ROOT / "data" / "checkpoints" / "mini" / "study").iterdir() if path.is_dir())
    assert len(shipped) >= 38
    for folder in shipped:
        copy = tmp_path / "study" / folder.name
        shutil.copytree(folder, copy)
        before = {path.name: path.read_bytes() for path in copy.iterdir() if path.is_file()}
        config = TrainConfig(profile=fixtures.mini_profile(100), out_dir=copy, data_dir=data_dir, arch="alexnet",
                             variant="fc-double", limit=60, epochs=1)
        with pytest.raises(UserError, match=r"holds a finished run .*pass another --out"):
            train(config)
        assert {path.name: path.read_bytes() for path in copy.iterdir() if path.is_file()} == before


def test_checkpoints_of_another_run_are_never_written_over(tmp_path):
    data_dir = fixtures.fashion_mnist(tmp_path / "data", train=100, test=10)
    config = TrainConfig(profile=fixtures.mini_profile(100), out_dir=tmp_path / "run", data_dir=data_dir, epochs=1)
    (tmp_path / "run").mkdir()
    checkpoints.save(tmp_path / "run" / "epoch001.pt", {"model": {}}, profile="mini", model_config={}, epoch=1,
                     run={"profile": "mini", "arch": "alexnet"})
    with pytest.raises(UserError, match="holds a run with other settings"):
        train(config)
