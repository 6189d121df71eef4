"""The `zfcompanion` command: --help everywhere, one sentence and exit 2 for every mistake."""

import subprocess
import sys

import pytest
import torch

from zfcompanion import book, checkpoints, cli, study
from zfcompanion import train as training
from zfcompanion.models import ZF_MINI, build

from . import fixtures


def run(*args, cache=None, cwd=fixtures.REPO):
    env = fixtures.environment()
    if cache:
        env["ZFCOMPANION_CACHE"] = str(cache)
    return subprocess.run([sys.executable, "-m", "zfcompanion.cli", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=300)


@pytest.mark.parametrize("command", [[], ["train"], ["study"], ["evaluate"], ["data"], ["book"]])
def test_help(command):
    result = run(*command, "--help")
    assert result.returncode == 0 and "usage: zfcompanion" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["train", "--epochs", "zero"], "argument --epochs: 'zero' is not a whole number"),
    (["train", "--epochs", "0"], "argument --epochs: '0' must be at least 1"),
    (["train", "--seed", "-3"], "argument --seed: '-3' must be at least 0"),
    (["train", "--seed", "99999999999999999999999"], "argument --seed: '99999999999999999999999' must be at most 4294967295"),
    (["train", "--out", ""], "argument --out: an empty path would write into the current folder: name a folder"),
    (["study", "--out", " "], "argument --out: an empty path would write into the current folder: name a folder"),
    (["train", "--profile", "huge"], "argument --profile: invalid choice: 'huge'"),
    (["train", "--variant", "no-fc8"], "argument --variant: invalid choice: 'no-fc8'"),
    (["train", "--limit", "1.5"], "argument --limit: '1.5' is not a whole number"),
    (["evaluate"], "the following arguments are required: checkpoint"),
    (["evaluate", "nowhere.pt", "--views", "5"], "argument --views: invalid choice: 5"),
    (["train", "--precision", "int8"], "argument --precision: invalid choice: 'int8'"),
    (["train", "--batch-size", "0"], "argument --batch-size: '0' must be at least 1"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["evaluate", "nowhere.pt"], "Checkpoint nowhere.pt does not exist: train it"),
    (["data", "--data-dir", "/nonexistent"], "Fashion-MNIST is not in /nonexistent/FashionMNIST/raw"),
    (["data", "--profile", "paper"], "The paper profile needs ImageNet: pass --data-dir"),
    (["data", "--download"], "--download needs --data-dir"),
    (["train", "--device", "gpu0"], "'gpu0' is not a device torch knows: use cpu, cuda or cuda:N"),
    (["train", "--arch", "vgg"], "argument --arch: invalid choice: 'vgg'"),
    (["train", "--out", "README.md"], "The checkpoint folder README.md is a file: pass a folder"),
    (["train", "--data-dir", "/nonexistent", "--out", "build/never"], "Fashion-MNIST is not in /nonexistent/FashionMNIST/raw"),
    (["train", "--data-dir", "/nonexistent"], "Fashion-MNIST is not in /nonexistent/FashionMNIST/raw"),  # a finished run
    (["train", "--no-clip", "yes"], "unrecognized arguments: yes"),
    (["study", "--shard", "2", "--shards", "2"], "Shard 2 does not exist: shards are numbered 0 to 1"),
    (["study", "--shards", "0"], "argument --shards: '0' must be at least 1"),
    (["study", "--epochs", "1.5"], "argument --epochs: '1.5' is not a whole number"),
    (["study", "--device", "gpu0"], "'gpu0' is not a device torch knows"),
    (["study", "--out", "README.md"], "The checkpoint folder README.md is a file: pass a folder"),
    (["evaluate", "nowhere.pt", "--split", "train"], "argument --split: invalid choice: 'train'"),
    (["evaluate", "data/checkpoints/mini/zf/final.pt", "--device", "gpu0"], "'gpu0' is not a device torch knows"),
    (["data", "--download-weights", "resnet50"], "argument --download-weights: invalid choice: 'resnet50'"),
    (["book", "--checkpoint-dir", "/nonexistent"], "--checkpoint-dir /nonexistent does not exist: pass an existing path"),
    (["book", "--annotations", "nowhere.json"], "--annotations nowhere.json does not exist"),
    (["book", "--transfer-dir", "/nonexistent"], "--transfer-dir /nonexistent does not exist"),
    (["book", "--device", "gpu0"], "'gpu0' is not a device torch knows"),
    (["book", "--device", "mps"], "Device 'mps' is not one this project runs on: use cpu, cuda or cuda:N"),
    (["train", "--device", "meta", "--out", "build/never"], "Device 'meta' is not one this project runs on"),
    (["book", "--seed", "x"], "argument --seed: 'x' is not a whole number"),
    (["book", "--only", "fig9"], "No chapter called fig9: the chapters are training_data, fig1, fig2, fig3"),
    (["train", "--device", "cuda"] if not torch.cuda.is_available() else ["train", "--device", "cuda:99"],
     "CUDA is not available here" if not torch.cuda.is_available() else "no GPU number 99"),
])
def test_mistakes_exit_2_with_one_sentence(args, message):
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_corrupt_checkpoint_is_one_sentence(tmp_path):
    model = build(ZF_MINI, 10)
    path = tmp_path / "final.pt"
    checkpoints.save(path, {"model": model.state_dict()}, profile="mini",
                     model_config=checkpoints.model_config("zf-mini", "base", 10))
    path.write_bytes(path.read_bytes()[:1000])
    result = run("evaluate", path)
    assert result.returncode == 2 and f"Checkpoint {path} is truncated" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_weights_that_are_not_finite_are_named_not_evaluated(tmp_path, capsys):
    model = build(ZF_MINI, 10)
    with torch.no_grad():
        model.features[0].weight[0, 0, 0, 0] = float("nan")
    path = tmp_path / "final.pt"
    checkpoints.save(path, {"model": model.state_dict()}, profile="mini",
                     model_config=checkpoints.model_config("zf-mini", "base", 10))
    assert cli.main(["evaluate", str(path)]) == 2
    error = capsys.readouterr().err
    assert f"Checkpoint {path} holds weights that are not finite numbers (NaN or Inf in features.0.weight)" in error
    assert len(error.strip().splitlines()) == 1


def test_data_and_evaluate_on_a_fixture(tmp_path):
    data_dir = fixtures.fashion_mnist(tmp_path / "data", train=8500, test=100)  # 6 of 10 classes: 5100 kept
    result = run("data", "--data-dir", data_dir, cache=tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    assert "fashion-scenes: 6 classes, 100 train, 5000 val, 60 test; mean image (1, 72, 72)" in result.stdout
    torch.manual_seed(0)
    path = tmp_path / "run" / "final.pt"
    checkpoints.save(path, {"model": build(ZF_MINI, 6).state_dict()}, profile="mini",
                     model_config=checkpoints.model_config("zf-mini", "base", 6))
    result = run("evaluate", path, "--data-dir", data_dir, cache=tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "on the test set (60 images)" in lines[0]
    assert lines[1].split()[:2] == ["1-view", "top1_err"] and float(lines[1].split()[2]) > 60  # about chance, 5 in 6
    assert lines[2].split()[:2] == ["10-view", "top1_err"]


def test_importing_weights_that_were_never_downloaded_says_how_to_get_them(tmp_path):
    env = {**fixtures.environment(), "TORCH_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "zfcompanion.cli", "data", "--import-weights", "alexnet"],
                            capture_output=True, text=True, env=env, cwd=fixtures.REPO, timeout=300)
    assert result.returncode == 2
    assert f"torchvision's ImageNet weights for alexnet are not in {tmp_path}/hub/checkpoints/" in result.stderr
    assert "run `zfcompanion data --download-weights alexnet`" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


MINI_CHECKPOINTS = fixtures.REPO / "data" / "checkpoints" / "mini"


def test_a_finished_run_is_reported_truthfully_from_any_directory(tmp_path):
    """From another directory, `train` finds the repository's shipped ZF-mini, says it is from an earlier
    run, and writes nothing anywhere."""
    data_dir = fixtures.fashion_mnist(tmp_path / "fashion", train=20, test=10)
    manifest = (MINI_CHECKPOINTS / "zf" / "manifest.json").read_bytes()
    epochs = checkpoints.entry(MINI_CHECKPOINTS / "zf" / "final.pt")["epoch"]
    result = run("train", "--data-dir", data_dir, cache=tmp_path / "cache", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (f"{MINI_CHECKPOINTS / 'zf'} is already trained ({MINI_CHECKPOINTS / 'zf' / 'final.pt'}, "
                             f"{epochs} epochs, from an earlier run); nothing to do (delete that file to train again).\n")
    assert (MINI_CHECKPOINTS / "zf" / "manifest.json").read_bytes() == manifest
    assert not (tmp_path / "data").exists()  # no data/checkpoints of the current directory


def test_every_command_defaults_to_the_repositorys_checkpoints(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folders = {}
    monkeypatch.setattr(training, "train", lambda config: folders.setdefault("train", config.out_dir))
    monkeypatch.setattr(study, "train_runs", lambda profile, folder, *rest, **options: folders.setdefault("study", folder))
    monkeypatch.setattr(checkpoints, "import_torchvision",
                        lambda name, out: folders.setdefault("data", out) / checkpoints.FINAL)
    monkeypatch.setattr(book, "rebuild", lambda parameters, **options: folders.setdefault("book", parameters["checkpoint_dir"]))
    for command in (["train"], ["study"], ["data", "--import-weights", "alexnet"], ["book", "--no-html"]):
        assert cli.main(command) == 0
    assert folders == {"train": MINI_CHECKPOINTS / "zf", "study": MINI_CHECKPOINTS / "study",
                       "data": MINI_CHECKPOINTS.parent / "paper" / "alexnet-torchvision",
                       "book": book.chapter_path(MINI_CHECKPOINTS)}


def test_an_unforeseen_os_error_is_one_sentence_naming_the_file(monkeypatch, capsys):
    from zfcompanion import cli

    def denied(args):
        raise PermissionError(13, "Permission denied", "/srv/shared/zf/final.pt")

    monkeypatch.setattr(cli, "cmd_data", denied)
    assert cli.main(["data"]) == 2
    message = capsys.readouterr().err
    assert message.startswith("zfcompanion data: /srv/shared/zf/final.pt: Permission denied; check that the path")
    assert message.count("\n") == 1 and "Traceback" not in message


def test_downloading_weights_alone_does_not_ask_for_the_profiles_dataset(monkeypatch, capsys, tmp_path):
    """`zfcompanion data --download-weights alexnet` on a machine without ImageNet: the weights, and no
    complaint about the paper profile's missing data."""
    from zfcompanion import checkpoints

    monkeypatch.setattr(checkpoints, "download_torchvision_weights", lambda name: tmp_path / f"{name}.pth")
    assert cli.main(["data", "--profile", "paper", "--download-weights", "alexnet"]) == 0
    assert capsys.readouterr().out == f"Downloaded {tmp_path / 'alexnet.pth'}\n"
