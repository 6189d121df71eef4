"""Checkpoints: atomic writes with a manifest, and every way a bad file is refused."""

import json
import os

import pytest
import torch

from zfcompanion import checkpoints
from zfcompanion.checkpoints import CheckpointError
from zfcompanion.errors import UserError
from zfcompanion.models import ZF_MINI, build

from . import fixtures


def save_mini(path, variant="base"):
    model = build(ZF_MINI, 10, variant)
    config = checkpoints.model_config(ZF_MINI.name, variant, 10)
    checkpoints.save(path, {"model": model.state_dict(), "mean_image": torch.zeros(1, 32, 32)},
                     profile="mini", model_config=config, epoch=3, metrics={"val_top1_err": 12.5})
    return model


def test_round_trip_with_manifest(tmp_path):
    model = save_mini(tmp_path / "final.pt")
    record = json.loads((tmp_path / "manifest.json").read_text())["final.pt"]
    assert record["epoch"] == 3 and record["metrics"] == {"val_top1_err": 12.5} and record["profile"] == "mini"
    assert record["model"] == {"spec": "zf-mini", "variant": "base", "num_classes": 10}
    assert len(record["sha256"]) == 64 and record["bytes"] == (tmp_path / "final.pt").stat().st_size
    loaded, _ = checkpoints.load_model(tmp_path / "final.pt")
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_missing(tmp_path):
    with pytest.raises(CheckpointError, match=r"Checkpoint .*nowhere.pt does not exist: train it"):
        checkpoints.load(tmp_path / "nowhere.pt")


def test_truncated(tmp_path):
    save_mini(tmp_path / "final.pt")
    data = (tmp_path / "final.pt").read_bytes()
    (tmp_path / "final.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=r"final.pt is truncated: its sha256 does not match"):
        checkpoints.load(tmp_path / "final.pt")


def test_corrupted(tmp_path):
    save_mini(tmp_path / "final.pt")
    data = bytearray((tmp_path / "final.pt").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "final.pt").write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"final.pt is corrupted: its sha256 does not match"):
        checkpoints.load(tmp_path / "final.pt")


def test_sha_mismatch_with_manifest(tmp_path):
    save_mini(tmp_path / "final.pt")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["final.pt"]["sha256"] = "0" * 64
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match="sha256 does not match the manifest"):
        checkpoints.load(tmp_path / "final.pt")


def test_invalid_manifest_says_where(tmp_path):
    save_mini(tmp_path / "final.pt")
    (tmp_path / "manifest.json").write_text('{"final.pt": ')
    with pytest.raises(CheckpointError, match=r"Manifest .*manifest.json is not valid JSON \(Expecting value: line 1 "
                                              r"column 14 \(char 13\)\): restore it"):
        checkpoints.load(tmp_path / "final.pt")


def test_an_unexpected_load_error_is_not_called_corruption(tmp_path, monkeypatch):
    """The sha256 check rules out truncation and corruption: anything torch.load raises after it is a
    bug or an incompatibility, and surfaces as itself rather than as 'retrain it'."""
    save_mini(tmp_path / "final.pt")

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the loader")

    monkeypatch.setattr(torch, "load", broken)
    with pytest.raises(RuntimeError, match="a bug in the loader"):
        checkpoints.load(tmp_path / "final.pt")


def test_unlisted_file_is_refused(tmp_path):
    torch.save({"model": {}}, tmp_path / "stray.pt")
    with pytest.raises(CheckpointError, match=r"stray.pt has no entry in .*manifest.json"):
        checkpoints.load(tmp_path / "stray.pt")


def test_architecture_mismatch(tmp_path):
    save_mini(tmp_path / "final.pt", variant="fc-double")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["final.pt"]["model"]["variant"] = "base"  # claims the base network, holds the wide one
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match=r"final.pt does not fit this architecture \(.*size mismatch"):
        checkpoints.load_model(tmp_path / "final.pt")


class RunsCode:
    """Unpickling this runs a shell command that creates `marker`."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_pickled_code_is_refused_without_running(tmp_path):
    marker = tmp_path / "code-ran"
    path = tmp_path / "evil.pt"
    torch.save({"model": RunsCode(marker)}, path)
    # Even a manifest entry with the right sha256 does not make it loadable.
    checkpoints.save(tmp_path / "good.pt", {"model": {}}, profile="mini", model_config={})
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["evil.pt"] = {**manifest["good.pt"], "sha256": checkpoints.sha256_file(path), "bytes": path.stat().st_size}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match=r"evil.pt carries pickled code and was refused unloaded"):
        checkpoints.load(path)
    assert not marker.exists()
    torch.load(path, weights_only=False)  # the file really does run code when unpickled unsafely
    assert marker.exists()


def test_interrupted_write_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    save_mini(tmp_path / "final.pt")
    before = (tmp_path / "final.pt").read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(UserError, match=r"Could not write .*(final.pt|manifest.json): No space left on device \(the disk is full"):
        save_mini(tmp_path / "final.pt", variant="fc-half")
    assert (tmp_path / "final.pt").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    monkeypatch.undo()
    checkpoints.load_model(tmp_path / "final.pt")  # still whole and still the base network


def test_forget_removes_file_and_entry(tmp_path):
    save_mini(tmp_path / "a.pt")
    save_mini(tmp_path / "b.pt")
    checkpoints.forget(tmp_path / "a.pt")
    assert not (tmp_path / "a.pt").exists()
    assert set(json.loads((tmp_path / "manifest.json").read_text())) == {"b.pt"}


def test_torchvision_weights_absent_give_the_command(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(CheckpointError, match=r"weights for alexnet are not in .*: run `zfcompanion data --download-weights alexnet`"):
        checkpoints.torchvision_model("alexnet")


def test_torchvision_weights_load_and_sha_prefix_is_checked(tmp_path, monkeypatch):
    import torchvision

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    path = checkpoints.torchvision_weights_path("alexnet")
    path.parent.mkdir(parents=True)
    torch.save(torchvision.models.alexnet().state_dict(), path)  # random weights in the real file name
    with pytest.raises(CheckpointError, match=r"is corrupted: its sha256 does not start with"):
        checkpoints.torchvision_model("alexnet")
    prefix = checkpoints.sha256_file(path)[:8]
    renamed = path.with_name(f"alexnet-{prefix}.pth")
    path.rename(renamed)
    monkeypatch.setattr(checkpoints, "torchvision_weights_path", lambda name: renamed)
    model = checkpoints.torchvision_model("alexnet")
    assert model(torch.zeros(1, 3, 224, 224)).shape == (1, 1000)


def test_imported_torchvision_alexnet_takes_the_papers_input_and_gives_torchvisions_output(tmp_path, monkeypatch):
    """Oracle: torchvision's own AlexNet on torchvision's normalized input. Ours gets the paper's input,
    pixels minus the imported mean image, and must give the same scores."""
    import torchvision

    path = fixtures.torchvision_alexnet(tmp_path / "hub")
    monkeypatch.setattr(checkpoints, "torchvision_weights_path", lambda name: path)
    theirs = torchvision.models.alexnet()
    theirs.load_state_dict(torch.load(path, weights_only=True))
    theirs.eval()

    final = checkpoints.import_torchvision("alexnet", tmp_path / "alexnet-torchvision")
    ours, checkpoint = checkpoints.load_model(final)
    assert checkpoints.entry(final)["model"]["spec"] == "alexnet-torchvision"
    pixels = torch.rand(2, 3, 224, 224) * 255
    mean, std = torch.tensor([0.485, 0.456, 0.406])[:, None, None], torch.tensor([0.229, 0.224, 0.225])[:, None, None]
    normalized = (pixels / 255 - mean) / std  # torchvision's ImageNet normalization
    with torch.no_grad():
        expected, got = theirs(normalized), ours(pixels - checkpoint["mean_image"][:, :224, :224])
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-4)
    with pytest.raises(CheckpointError, match="Only alexnet can be imported: vgg16's 13 conv layers"):
        checkpoints.import_torchvision("vgg16", tmp_path / "vgg")


def test_checkpoints_and_manifests_get_the_mode_open_would_give(tmp_path):
    import stat

    checkpoints.save(tmp_path / "final.pt", {"model": {}}, profile="mini", model_config={})
    (tmp_path / "by_open").write_bytes(b"")  # what the user's umask allows a new file
    expected = stat.S_IMODE((tmp_path / "by_open").stat().st_mode)
    for name in ("final.pt", "manifest.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == expected, name


class Killed(BaseException):
    """A kill -9 between two writes: nothing after it runs."""


@pytest.mark.parametrize("survived", [0, 1, 2])  # the writes that finished before the kill (of three)
def test_a_save_killed_between_its_writes_leaves_the_old_state_or_the_new(tmp_path, monkeypatch, survived):
    """A checkpoint and its manifest entry are replaced together: the new entry is announced, the file
    replaced, the entry made current. Killed after any of these, the folder holds the old checkpoint or
    the new one, each loadable with its own entry, never a file the manifest calls corrupted."""
    from zfcompanion import files

    path = tmp_path / "last.pt"
    checkpoints.save(path, {"epoch": torch.tensor(1)}, profile="mini", model_config={}, epoch=1)
    real, done = files.atomic_write_bytes, []

    def write_then_die(target, data):
        if len(done) == survived:
            raise Killed
        real(target, data)
        done.append(target)

    monkeypatch.setattr(checkpoints, "atomic_write_bytes", write_then_die)
    with pytest.raises(Killed):
        checkpoints.save(path, {"epoch": torch.tensor(2)}, profile="mini", model_config={}, epoch=2)
    monkeypatch.undo()
    state, record = checkpoints.load(path), checkpoints.entry(path)
    assert int(state["epoch"]) == record["epoch"] == (2 if survived >= 2 else 1)
    checkpoints.save(path, {"epoch": torch.tensor(3)}, profile="mini", model_config={}, epoch=3)  # and goes on
    assert int(checkpoints.load(path)["epoch"]) == checkpoints.entry(path)["epoch"] == 3
    assert "pending" not in json.loads((tmp_path / "manifest.json").read_text())["last.pt"]


def test_a_first_save_killed_before_its_file_leaves_no_checkpoint(tmp_path, monkeypatch):
    from zfcompanion import files

    calls = []

    def write_manifest_only(target, data):
        if calls:
            raise Killed
        calls.append(target)
        files.atomic_write_bytes(target, data)

    monkeypatch.setattr(checkpoints, "atomic_write_bytes", write_manifest_only)
    with pytest.raises(Killed):
        checkpoints.save(tmp_path / "epoch001.pt", {"x": torch.zeros(1)}, profile="mini", model_config={}, epoch=1)
    monkeypatch.undo()
    assert checkpoints.snapshots(tmp_path) == []
    with pytest.raises(CheckpointError, match="does not exist"):
        checkpoints.load(tmp_path / "epoch001.pt")
