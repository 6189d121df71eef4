"""The paper's training recipe, flat: SGD with mini-batches of 128, learning rate 1e-2, momentum
0.9, weight decay 5e-4, the learning rate divided by 10 whenever the validation error plateaus,
dropout 0.5 in fc6/fc7, and feature-scale clipping of the conv filters after every step.

Every epoch ends with a resume state (`OUT/resume/last.pt`); a run that was interrupted starts
again from it and ends with the same weights as a run never interrupted (each epoch reseeds the
shuffling, the augmentation and dropout from the run's seed). Snapshots at the profile's snapshot
epochs hold the weights only, in fp16 (Fig. 4 draws them; half the bytes), and `final.pt` the
weights in fp32. On CUDA, and on CPUs with bf16 units (AMX): bf16 autocast and channels_last. On CUDA:
optional torch.compile, and DistributedDataParallel when started with torchrun.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DistributedSampler
from tqdm import tqdm

from . import checkpoints
from .data import Loader, check_class_count, check_data, limited, pretraining_splits, random_crops, workers
from .devices import resolve_device
from .errors import UserError
from .files import atomic_write_bytes, writing
from .evaluation import VIEWS, evaluate, topk_misses
from .models import build
from .profiles import Profile

METRICS = "metrics.csv"  # a run's per-epoch record, beside its checkpoints
PROGRESS_EVERY = 100  # batches between progress lines when stdout is not a terminal


@dataclass(frozen=True)
class TrainConfig:
    profile: Profile
    out_dir: Path
    arch: str = "zf"  # "zf" or "alexnet"
    variant: str = "base"
    data_dir: Path | None = None
    epochs: int | None = None  # None: the profile's
    seed: int = 0
    clip_filters: bool = True
    snapshots: bool = True  # write the profile's snapshot epochs (Fig. 4 needs them; other runs need final.pt only)
    half_final: bool = False  # final.pt's weights in fp16, half the bytes (networks only evaluated and drawn)
    device: str = "cpu"
    compile: bool = False
    limit: int | None = None  # train on `limit` images spread over the set only (smoke runs and tests)
    batch_size: int | None = None  # None: the profile's (the paper's 128), split over torchrun's processes
    workers: int | None = None  # data-loading processes per training process; None: the profile's
    precision: str = "auto"  # one of PRECISIONS
    lr_milestones: tuple[int, ...] = ()  # epochs after which the rate is multiplied by lr_decay; (): on plateaus
    test_views: tuple[int, ...] = VIEWS  # test-set evaluations recorded in final.pt's metrics; () for none

    def identity(self) -> dict:
        """What a resumed run must share with the run it continues."""
        keep = ("arch", "variant", "seed", "clip_filters", "limit")
        identity = {"profile": self.profile.name, **{key: value for key, value in asdict(self).items() if key in keep}}
        # Recorded only when set, so that runs from before the setting existed still match.
        if self.lr_milestones:
            identity["lr_milestones"] = list(self.lr_milestones)
        if self.batch_size:
            identity["batch_size"] = self.batch_size
        if self.precision != "auto":
            identity["precision"] = self.precision
        return identity


def run_name(arch: str, variant: str, clip_filters: bool, seed: int) -> str:
    """The folder name of a training run: e.g. 'zf', 'alexnet-no-fc7', 'zf-noclip', 'zf-seed1'."""
    parts = [arch] + ([variant] if variant != "base" else []) + ([] if clip_filters else ["noclip"])
    return "-".join(parts + ([f"seed{seed}"] if seed else []))


@torch.no_grad()
def clip_filter_rms(model: nn.Module, max_rms: float) -> int:
    """Feature-scale clipping: renormalize each conv filter whose RMS exceeds `max_rms` to `max_rms`.
    Returns how many filters were clipped."""
    clipped = 0
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            scale = (max_rms / module.weight.pow(2).mean(dim=(1, 2, 3), keepdim=True).sqrt()).clamp_(max=1.0)
            module.weight.mul_(scale)
            clipped += int((scale < 1.0).sum())
    return clipped


def train_step(net: nn.Module, model: nn.Module, optimizer: torch.optim.Optimizer, images: torch.Tensor,
               targets: torch.Tensor, fast: bool, max_rms: float | None, dtype: torch.dtype = torch.bfloat16,
               scaler: torch.amp.GradScaler | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of the recipe: forward, cross-entropy, backward, SGD, then feature-scale clipping of
    `model`'s filters (none when `max_rms` is None). `net` is `model` as it runs: itself, or wrapped in
    DDP or torch.compile. fast: autocast to `dtype` and channels_last; fp16 needs the loss scaled
    (`scaler`). Returns (scores, loss)."""
    if fast:
        images = images.contiguous(memory_format=torch.channels_last)
    with torch.autocast(images.device.type, dtype=dtype, enabled=fast):
        scores = net(images)
        loss = nn.functional.cross_entropy(scores, targets)
    optimizer.zero_grad(set_to_none=True)
    if scaler is None:
        loss.backward()
        optimizer.step()
    else:
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
    if max_rms is not None:
        clip_filter_rms(model, max_rms)
    return scores, loss


def fast_kernels(device: torch.device) -> bool:
    """Whether to train in bf16 autocast with channels_last: on CUDA, and on CPUs with bf16 matrix units
    (Intel AMX), where they train the mini networks 2-3x faster than fp32; elsewhere fp32 is faster."""
    amx = getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    return device.type == "cuda" or (device.type == "cpu" and amx())


PRECISIONS = ("auto", "bf16", "fp16", "fp32")  # auto: bf16 where `fast_kernels`, else fp32


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """The dtype the forward pass runs in (None: fp32 throughout). fp16 is for GPUs without bf16 (V100,
    T4), with the loss scaled; bf16 needs none."""
    if precision not in PRECISIONS:
        raise UserError(f"Unknown precision {precision!r}: choose one of {', '.join(PRECISIONS)}.")
    if precision == "auto":
        return torch.bfloat16 if fast_kernels(device) else None
    return {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": None}[precision]


def _distributed(device: torch.device) -> tuple[int, int]:
    """(rank, world size), initializing the process group when started by torchrun: NCCL for GPUs,
    gloo for CPUs (as `--device` says, whether or not this machine has a GPU)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return (dist.get_rank(), world) if world > 1 else (0, 1)


def write_metrics_csv(path: Path, history: list[dict]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(history[0]))
    writer.writeheader()
    writer.writerows(history)
    atomic_write_bytes(path, buffer.getvalue().encode())


def check_folder(out: Path) -> None:
    """Refuse a checkpoint folder that is a file."""
    if out.exists() and not out.is_dir():
        raise UserError(f"The checkpoint folder {out} is a file: pass a folder, new or holding checkpoints of these settings.")


RESULT = "result.json"  # a finished study run's record (study.py writes it; its weights may not be kept)


def check_owner(out: Path, identity: dict) -> None:
    """Refuse a folder that holds any record of a run other than this unfinished one of `identity`: a
    finished study run (result.json), or checkpoints or a resume state of other settings (the manifest).
    Called under the folder's lock, before anything is written, so that no record of another run is ever
    written over. (A metrics.csv alone names no run: a run killed before its first checkpoint leaves one,
    and its own resumption rewrites it.)"""
    if (out / RESULT).exists():
        raise UserError(f"{out} holds a finished run ({RESULT}): pass another --out; that run is left as it is.")
    manifest = checkpoints.read_manifest(out)
    others = [record.get("run") for record in manifest.values() if isinstance(record, dict) and record.get("run") != identity]
    if others:
        raise UserError(f"{out} holds a run with other settings ({others[0]}): pass another --out; that run is left as it is.")


def train(config: TrainConfig) -> Path:
    """Train one network as the paper did; returns the path of `final.pt`, and says whether it wrote it
    or found it from an earlier run of the same settings (then it trains nothing)."""
    profile, out = config.profile, Path(config.out_dir)
    spec = {"zf": profile.zf, "alexnet": profile.alexnet}.get(config.arch)
    if spec is None:
        raise UserError(f"Unknown architecture {config.arch!r}: choose 'zf' or 'alexnet'.")
    check_folder(out)
    epochs = config.epochs or profile.epochs
    final_path = out / checkpoints.FINAL
    model_config = checkpoints.model_config(spec.name, config.variant, profile.num_classes)
    device = resolve_device(config.device)
    check_data(profile, config.data_dir)  # every input is checked before the finished run is returned
    check_class_count(profile, config.data_dir)
    earlier = checkpoints.entry(final_path) if final_path.exists() else {}
    if earlier.get("run") == config.identity():
        print(f"{out} is already trained ({final_path}, {earlier['epoch']} epochs, from an earlier run); "
              f"nothing to do (delete that file to train again).")
        return final_path
    if final_path.exists():  # a finished run of other settings: never trained over
        raise UserError(f"{out} holds a finished run with other settings ({earlier.get('run')}): pass another --out; "
                        f"that run is left as it is.")
    if os.environ.get("RANK", "0") != "0":  # under torchrun only rank 0 writes the folder, and holds its lock
        return _train(config, spec, out, epochs, model_config, device)
    with writing(out, "training into"):
        check_owner(out, config.identity())
        return _train(config, spec, out, epochs, model_config, device)


def _train(config: TrainConfig, spec, out: Path, epochs: int, model_config: dict, device: torch.device) -> Path:
    """The training loop of `train`, once every input is checked."""
    profile = config.profile
    final_path, resume_path = out / checkpoints.FINAL, out / "resume" / "last.pt"
    rank, world = _distributed(device)
    dtype = autocast_dtype(config.precision, device)
    on_cuda, fast = device.type == "cuda", dtype is not None
    scaler = torch.amp.GradScaler(device.type) if dtype == torch.float16 else None
    batch = config.batch_size or profile.batch_size
    loading = config.workers if config.workers is not None else workers(profile)
    if world > 1 and rank != 0:
        dist.barrier()  # rank 0 decompresses the data and computes the mean image first; the others read its cache
    splits = pretraining_splits(profile, config.data_dir, mean_of=config.limit)
    if world > 1 and rank == 0:
        dist.barrier()
    train_set, val_set = limited(splits.train, config.limit), limited(splits.val, config.limit and max(config.limit // 4, 1))

    torch.manual_seed(config.seed)
    model = build(spec, profile.num_classes, config.variant, profile.init_std).to(device)
    if fast:
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=profile.lr, momentum=profile.momentum,
                                weight_decay=profile.weight_decay)
    if config.lr_milestones:  # a fixed schedule: the study's networks all anneal at the same epochs
        scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, list(config.lr_milestones), profile.lr_decay)
    else:
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=profile.lr_decay,
                                                               patience=profile.lr_patience)
    history: list[dict] = []
    start_epoch = 1
    if resume_path.exists():
        state = checkpoints.load(resume_path)
        if checkpoints.entry(resume_path).get("run") != config.identity():
            raise UserError(f"{out} holds a run with other settings ({checkpoints.entry(resume_path).get('run')}): "
                            f"pass another --out or delete that folder.")
        checkpoints.load_state(model, state["model"], resume_path)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        if scaler is not None and "scaler" in state:
            scaler.load_state_dict(state["scaler"])
        history = state["history"]
        start_epoch = len(history) + 1
        if rank == 0:
            print(f"Resuming {out} from epoch {start_epoch}.")

    net = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model
    if config.compile:
        net = torch.compile(net)
    val_loader = Loader(val_set, batch_size=2 * batch, num_workers=loading)
    k_top = profile.top_k

    def save(path: Path, epoch: int, payload: dict, metrics: dict, half: bool = False) -> None:
        weights = {key: value.half() if half and value.is_floating_point() else value
                   for key, value in model.state_dict().items()}
        checkpoints.save(path, {"model": weights, "mean_image": splits.mean_image, **payload},
                         profile=profile.name, model_config=model_config, epoch=epoch, metrics=metrics,
                         run=config.identity())

    for epoch in range(start_epoch, epochs + 1):
        # Reseed from (seed, epoch) so that a resumed epoch draws what the uninterrupted one drew.
        epoch_seed = config.seed * 100_003 + epoch
        torch.manual_seed(epoch_seed)
        if world > 1:
            sampler = DistributedSampler(train_set, num_replicas=world, rank=rank, seed=config.seed)
            sampler.set_epoch(epoch)
            loader = Loader(train_set, device, batch_size=batch // world, sampler=sampler,
                            num_workers=loading, pin_memory=on_cuda, drop_last=True)
            if len(loader) == 0:
                raise UserError(f"{len(train_set)} training images leave each of the {world} processes less than "
                                f"one batch of {batch // world}: pass a larger --limit, or fewer processes.")
        else:
            loader = Loader(train_set, device, batch_size=batch, shuffle=True,
                            generator=torch.Generator().manual_seed(epoch_seed),
                            num_workers=loading, pin_memory=on_cuda)
        net.train()
        started = time.perf_counter()
        # Running sums stay tensors: no synchronizing .item() inside the step.
        seen, loss_sum, misses = 0, torch.zeros((), device=device), torch.zeros(len(k_top), device=device)
        progress = tqdm(loader, desc=f"{spec.name} {config.variant} epoch {epoch}/{epochs}", unit="batch",
                        disable=None if rank == 0 else True, leave=False)
        lines = rank == 0 and not sys.stdout.isatty()  # under SLURM or nohup tqdm is silent: say something
        for step, (images, targets) in enumerate(progress, start=1):
            if lines and step % PROGRESS_EVERY == 0:
                print(f"{spec.name} {config.variant} epoch {epoch}/{epochs}: batch {step}/{len(loader)}, "
                      f"{seen / (time.perf_counter() - started):.0f} images/s", flush=True)
            images, targets = images.to(device, non_blocking=True), targets.to(device, non_blocking=True)
            scores, loss = train_step(net, model, optimizer, random_crops(images, profile.input_size), targets,
                                      fast=fast, max_rms=profile.filter_rms_clip if config.clip_filters else None,
                                      dtype=dtype or torch.float32, scaler=scaler)
            seen += len(targets)
            loss_sum += loss.detach() * len(targets)
            misses += topk_misses(scores.detach(), targets, k_top)
        if on_cuda:
            torch.cuda.synchronize()
        train_seconds = time.perf_counter() - started  # the training steps alone, without validation

        # Validation on rank 0; every rank then steps its scheduler on the same number.
        val = evaluate(model, val_loader, profile.input_size, k_top, device=device) if rank == 0 else {}
        val_top1 = torch.tensor([val.get("top1_err", 0.0)], device=device)
        if world > 1:
            dist.broadcast(val_top1, src=0)
        lr = optimizer.param_groups[0]["lr"]
        scheduler.step() if config.lr_milestones else scheduler.step(val_top1.item())
        record = {"epoch": epoch, "lr": lr, "seconds": round(time.perf_counter() - started, 1),
                  "train_seconds": round(train_seconds, 2),
                  "train_loss": loss_sum.item() / seen,
                  **{f"train_top{k}_err": 100.0 * miss / seen for k, miss in zip(k_top, misses.tolist())},
                  **{f"val_{key}": value for key, value in val.items()}}
        history.append(record)
        if rank == 0:
            print(" ".join(f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
                           for key, value in record.items()), flush=True)
            # Snapshot first, resume state second: a kill in between redoes the epoch, losing nothing.
            if config.snapshots and epoch in profile.snapshot_epochs and epoch != epochs:
                save(out / checkpoints.snapshot_name(epoch), epoch, {}, record, half=True)
            save(resume_path, epoch, {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                                      "history": history, **({"scaler": scaler.state_dict()} if scaler else {})}, record)
            write_metrics_csv(out / METRICS, history)

    if rank == 0:
        final_metrics = dict(history[-1])
        if splits.test is not None and config.test_views:
            test_loader = Loader(limited(splits.test, config.limit), batch_size=2 * batch, num_workers=loading)
            for count in config.test_views:
                result = evaluate(model, test_loader, profile.input_size, k_top, count, device=device)
                final_metrics.update({f"test_{key}_{count}view": value for key, value in result.items()})
        save(final_path, epochs, {}, final_metrics, half=config.half_final)
        checkpoints.forget(resume_path)
        shutil.rmtree(resume_path.parent, ignore_errors=True)
        print(f"Wrote {final_path}")
    if world > 1:
        dist.barrier()
    return final_path
