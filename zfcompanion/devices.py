"""The devices this project runs on: a name checked against this machine, once, in one place."""

from __future__ import annotations

import os

import torch

from .errors import UserError


def resolve_device(name: str) -> torch.device:
    """The torch device called `name` (cpu, cuda, cuda:N), checked against this machine."""
    try:
        device = torch.device(name)
    except RuntimeError:
        raise UserError(f"{name!r} is not a device torch knows: use cpu, cuda or cuda:N.") from None
    if device.type not in ("cpu", "cuda"):
        raise UserError(f"Device {name!r} is not one this project runs on: use cpu, cuda or cuda:N.")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise UserError(f"Device {name!r} was asked for but CUDA is not available here: use --device cpu.")
        if "LOCAL_RANK" in os.environ:  # torchrun: one GPU per process
            device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
        elif device.index is None:  # recent torch's set_device refuses a device without an index
            device = torch.device("cuda", 0)
        if (device.index or 0) >= torch.cuda.device_count():
            raise UserError(f"This machine has no GPU number {device.index}: it has {torch.cuda.device_count()}.")
        torch.cuda.set_device(device)
    return device
