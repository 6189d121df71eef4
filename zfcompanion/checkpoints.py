"""Checkpoints: written atomically, described by a `manifest.json` in their folder (sha256, profile,
model config, epoch, metrics, code version), and loaded with `torch.load(weights_only=True)`.

A checkpoint file holds a dict: `model` (the state dict), `mean_image` (the input normalization the
network was trained with) and, for the trainer's resume state, `optimizer`, `scheduler` and `history`.
"""

from __future__ import annotations

import json
import pickle
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import torch
from torch import nn

from . import __version__
from .errors import UserError
from .files import atomic_write_bytes, sha256_bytes, sha256_file, torch_bytes
from .models import ALEXNET_TORCHVISION, SPECS, ConvNet, build

MANIFEST = "manifest.json"


class CheckpointError(UserError):
    """A checkpoint is missing, truncated, corrupted, of another architecture, or unsafe to load."""


def code_version() -> str:
    """The package version, with the git commit when running from a checkout."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent,
                                capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{__version__}+{commit}" if commit else __version__


PENDING = "pending"  # in a manifest entry: the entry of the file being written, until it is


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise CheckpointError(f"Manifest {path} is not valid JSON ({error}): restore it from git or retrain the "
                              f"checkpoints in {folder}.") from None


def _write_manifest(folder: Path, manifest: dict) -> None:
    atomic_write_bytes(Path(folder) / MANIFEST, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())


def save(path: Path, payload: dict, *, profile: str, model_config: dict, epoch: int | None = None,
         metrics: dict | None = None, run: dict | None = None) -> str:
    """Write `payload` to `path` atomically and record it in the folder's manifest; returns its sha256.
    `run` holds the training settings that a resumed run must share."""
    path = Path(path)
    data = torch_bytes(payload)
    digest = sha256_bytes(data)
    record = {
        "sha256": digest, "bytes": len(data), "profile": profile, "model": model_config, "epoch": epoch,
        "metrics": metrics or {}, "run": run or {}, "code_version": code_version(),
        "written": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    # The new entry is announced (pending) before the file is replaced and made current after, so that a
    # kill at any point leaves a file whose entry is in the manifest: the old state or the new one.
    manifest = read_manifest(path.parent)
    manifest[path.name] = {**manifest.get(path.name, {}), PENDING: record}
    _write_manifest(path.parent, manifest)
    atomic_write_bytes(path, data)
    manifest[path.name] = record
    _write_manifest(path.parent, manifest)
    return digest


def copy(source: Path, destination: Path) -> Path:
    """Copy a checkpoint, checked, with its manifest entry into `destination`'s folder; returns `destination`."""
    record = entry(source)
    Path(destination).parent.mkdir(parents=True, exist_ok=True)
    save(destination, load(source), profile=record["profile"], model_config=record["model"], epoch=record["epoch"],
         metrics=record["metrics"], run=record["run"])
    return Path(destination)


def forget(path: Path) -> None:
    """Delete a checkpoint and its manifest entry."""
    path = Path(path)
    manifest = read_manifest(path.parent)
    if manifest.pop(path.name, None) is not None:
        _write_manifest(path.parent, manifest)
    path.unlink(missing_ok=True)


def halve(path: Path) -> None:
    """Store a checkpoint's weights as fp16, in half the bytes; `load_model` casts them back to fp32."""
    record, checkpoint = entry(path), load(path)
    checkpoint["model"] = {key: value.half() if value.is_floating_point() else value
                           for key, value in checkpoint["model"].items()}
    save(path, checkpoint, profile=record["profile"], model_config=record["model"], epoch=record["epoch"],
         metrics=record["metrics"], run=record["run"])


FINAL = "final.pt"  # a training run's last weights; its snapshots are `snapshot_name(epoch)`
SNAPSHOT = re.compile(r"epoch\d{3,}\.pt")


def snapshot_name(epoch: int) -> str:
    return f"epoch{epoch:03d}.pt"


def snapshots(folder: Path) -> list[tuple[int, Path]]:
    """(epoch, path) of a training run's snapshots and final weights in `folder`, oldest first (other
    files of the folder, such as a study's predictions, are left out)."""
    found = [(record["epoch"], Path(folder) / name) for name, record in read_manifest(folder).items()
             if record.get("epoch") is not None and (name == FINAL or SNAPSHOT.fullmatch(name))]
    return sorted(found)


def entry(path: Path) -> dict:
    """The manifest entry of a checkpoint; a file with no entry is refused. Where a save was interrupted
    after the file was replaced and before its entry was made current, the pending entry is the file's."""
    path = Path(path)
    record = read_manifest(path.parent).get(path.name)
    if record is not None and PENDING in record:
        pending = record[PENDING]
        if "sha256" not in record or (path.is_file() and sha256_file(path) == pending["sha256"]):
            record = pending
        else:
            record = {key: value for key, value in record.items() if key != PENDING}
    if record is None:
        raise CheckpointError(f"Checkpoint {path} has no entry in {path.parent / MANIFEST}: "
                              f"it was not written by zfcompanion; retrain it or restore the manifest.")
    return record


def load(path: Path) -> dict:
    """Load a checkpoint after checking it is whole, unchanged since it was written, and safe."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"Checkpoint {path} does not exist: train it with `zfcompanion train` "
                              f"(or `make checkpoints`) or pass the folder that holds it.")
    record = entry(path)
    digest = sha256_file(path)
    if digest != record["sha256"]:
        size = path.stat().st_size
        what = "truncated" if size < record.get("bytes", size + 1) else "corrupted"
        raise CheckpointError(f"Checkpoint {path} is {what}: its sha256 does not match the manifest's "
                              f"({size} of {record.get('bytes', '?')} bytes); retrain it or restore the file.")
    return _torch_load(path)


def _torch_load(path: Path) -> dict:
    """torch.load of a file whose sha256 was checked: truncation and corruption are ruled out, so any
    error but a refused pickle is unexpected and propagates."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise CheckpointError(f"Checkpoint {path} carries pickled code and was refused unloaded "
                              f"({str(error).splitlines()[-1][:120]}); use only checkpoints you trust.") from None


def model_config(spec_name: str, variant: str, num_classes: int) -> dict:
    return {"spec": spec_name, "variant": variant, "num_classes": num_classes}


def load_state(model: nn.Module, state_dict: dict, path: Path) -> None:
    """`model.load_state_dict` that names the file and the mismatch when the architectures differ, and
    refuses weights that are not finite numbers (a run that diverged), which would compute nothing but NaN."""
    try:
        model.load_state_dict(state_dict)
    except RuntimeError as error:
        detail = " ".join(str(error).split())[:200]
        raise CheckpointError(f"Checkpoint {path} does not fit this architecture ({detail}).") from None
    broken = [name for name, value in model.state_dict().items() if value.is_floating_point() and not torch.isfinite(value).all()]
    if broken:
        raise CheckpointError(f"Checkpoint {path} holds weights that are not finite numbers (NaN or Inf in {broken[0]}): "
                              f"the run that wrote it diverged; train it again, with a lower learning rate.")


def load_model(path: Path) -> tuple[ConvNet, dict]:
    """The network stored in `path`, built from its manifest's model config; also its checkpoint dict."""
    checkpoint = load(path)
    config = entry(path)["model"]
    if config.get("spec") not in SPECS:
        raise CheckpointError(f"Checkpoint {path} names an unknown architecture {config.get('spec')!r}.")
    model = build(SPECS[config["spec"]], config["num_classes"], config["variant"])
    load_state(model, checkpoint["model"], path)
    return model.eval(), checkpoint


# --- torchvision's ImageNet-pretrained weights, for the paper profile's visualization chapters ----

TORCHVISION_NETWORKS = ("alexnet", "vgg16")


def _torchvision_weights(name: str):
    """torchvision's builder and ImageNet weights enum for `name`."""
    import torchvision

    if name not in TORCHVISION_NETWORKS:
        raise CheckpointError(f"Unknown torchvision network {name!r}: choose one of {', '.join(TORCHVISION_NETWORKS)}.")
    weights = {"alexnet": torchvision.models.AlexNet_Weights, "vgg16": torchvision.models.VGG16_Weights}[name]
    return getattr(torchvision.models, name), weights.IMAGENET1K_V1


def torchvision_weights_path(name: str) -> Path:
    _, weights = _torchvision_weights(name)
    return Path(torch.hub.get_dir()) / "checkpoints" / weights.url.rsplit("/", 1)[-1]


def torchvision_model(name: str) -> nn.Module:
    """torchvision's ImageNet-pretrained AlexNet or VGG16, from the torch hub cache (no download).

    These networks expect torchvision's input normalization (0-1 scale, ImageNet mean and std),
    not the paper's mean image: use `weights.transforms()` for their inputs.
    """
    builder, _ = _torchvision_weights(name)
    path = torchvision_weights_path(name)
    if not path.is_file():
        raise CheckpointError(f"torchvision's ImageNet weights for {name} are not in {path}: run "
                              f"`zfcompanion data --download-weights {name}` on a machine with the internet, or copy the file there.")
    # torchvision names its files <name>-<first 8 hex digits of their sha256>.pth.
    expected = path.stem.rsplit("-", 1)[-1]
    if not sha256_file(path).startswith(expected):
        raise CheckpointError(f"Weights file {path} is corrupted: its sha256 does not start with {expected}; "
                              f"delete it and download it again.")
    model = builder(weights=None)
    load_state(model, _torch_load(path), path)
    return model.eval()


def download_torchvision_weights(name: str) -> Path:
    """Fetch torchvision's pretrained weights into the torch hub cache (needs the internet)."""
    _, weights = _torchvision_weights(name)
    weights.get_state_dict(progress=True)
    return torchvision_weights_path(name)


def _weighted_layers(model: nn.Module) -> list[nn.Module]:
    """The conv and linear layers in order: the same order in torchvision's AlexNet and in ours."""
    return [module for module in model.modules() if isinstance(module, (nn.Conv2d, nn.Linear))]


def import_torchvision(name: str, folder: Path) -> Path:
    """torchvision's pretrained `name` as one of our checkpoints, `folder/final.pt`, which the chapters
    and the CLI read like a network trained here (`--network FOLDER`). torchvision's input
    normalization, ((pixels / 255) - mean) / std per channel, is folded into conv1, so that the
    network takes the paper's input: 0-255 pixels minus a mean image (here torchvision's mean)."""
    if name != "alexnet":
        raise CheckpointError(f"Only alexnet can be imported: {name}'s 13 conv layers do not fit the five-layer "
                              f"networks the chapters read.")
    theirs = torchvision_model(name)
    _, weights = _torchvision_weights(name)
    transform = weights.transforms()
    mean, std = torch.tensor(transform.mean), torch.tensor(transform.std)
    ours = build(ALEXNET_TORCHVISION, len(weights.meta["categories"]))
    with torch.no_grad():
        for mine, source in zip(_weighted_layers(ours), _weighted_layers(theirs), strict=True):
            mine.weight.copy_(source.weight)
            mine.bias.copy_(source.bias)
        ours.features[0].weight.div_((255 * std)[None, :, None, None])
    size = transform.resize_size[0]
    mean_image = (255 * mean)[:, None, None].expand(3, size, size).clone()
    path = Path(folder) / FINAL
    save(path, {"model": ours.state_dict(), "mean_image": mean_image}, profile="paper",
         model_config=model_config(ALEXNET_TORCHVISION.name, "base", len(weights.meta["categories"])),
         metrics={"source": f"torchvision {name} {weights}", "imagenet_top1_acc": weights.meta["_metrics"]["ImageNet-1K"]["acc@1"]})
    return path
