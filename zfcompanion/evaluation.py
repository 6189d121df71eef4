"""Top-k error with the paper's 1-view (center crop) and 10-view evaluation (4 corners + center,
each with its horizontal flip, softmax averaged)."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader
from torchvision.transforms.v2 import functional as F
from tqdm import tqdm

VIEWS = (1, 10)


def topk_misses(scores: torch.Tensor, targets: torch.Tensor, ks: tuple[int, ...]) -> torch.Tensor:
    """For each k, how many rows' target is not among the k highest scores (a tensor, no sync);
    with k at least the number of classes, none."""
    hits = scores.topk(min(max(ks), scores.shape[1]), dim=1).indices == targets[:, None]
    return torch.stack([(~hits[:, :k].any(dim=1)).sum() for k in ks]).float()


def topk_errors(scores: torch.Tensor, targets: torch.Tensor, ks: tuple[int, ...]) -> dict[str, float]:
    """Percentage of rows whose target is not among the k highest scores, for each k."""
    misses = topk_misses(scores, targets, ks).tolist()
    return {f"top{k}_err": 100.0 * miss / len(targets) for k, miss in zip(ks, misses)}


def views(images: torch.Tensor, size: int, count: int) -> list[torch.Tensor]:
    """The center crop (count=1) or the paper's ten crops (count=10) of a batch of stored images."""
    if count == 1:
        return [F.center_crop(images, [size, size])]
    if count == 10:
        return list(F.ten_crop(images, [size, size]))
    raise ValueError(f"The paper evaluates with 1 or 10 views, not {count}.")


@torch.no_grad()
def predict(model: nn.Module, images: torch.Tensor, size: int, count: int = 1) -> torch.Tensor:
    """Class probabilities for a batch of stored-size images, averaged over `count` views."""
    probabilities = [model(view).softmax(dim=1) for view in views(images, size, count)]
    return torch.stack(probabilities).mean(dim=0)


class Ensemble(nn.Module):
    """Several networks as one: the mean of their softmax outputs, returned as log-probabilities so
    that `predict`'s softmax gives back exactly that mean."""

    def __init__(self, members: list[nn.Module]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([member(x).softmax(dim=1) for member in self.members]).mean(dim=0).log()


@torch.no_grad()
def probabilities(model: nn.Module, loader: DataLoader, size: int, count: int = 1,
                  device: torch.device | str = "cpu", progress: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Every image's class probabilities (averaged over `count` views) and its target, in loader order."""
    model.eval()
    all_probabilities, all_targets = [], []
    for images, targets in tqdm(loader, desc=f"evaluate ({count} view{'s' if count > 1 else ''})",
                                unit="batch", leave=False, disable=None if progress else True):
        all_probabilities.append(predict(model, images.to(device), size, count).float().cpu())
        all_targets.append(targets)
    return torch.cat(all_probabilities), torch.cat(all_targets)


def scores(probabilities: torch.Tensor, targets: torch.Tensor, ks: tuple[int, ...]) -> dict[str, float]:
    """Top-k errors (percent) and mean cross-entropy of predicted class probabilities."""
    loss = nn.functional.nll_loss(probabilities.clamp_min(1e-12).log(), targets).item()
    return {**topk_errors(probabilities, targets, ks), "loss": loss}


def evaluate(model: nn.Module, loader: DataLoader, size: int, ks: tuple[int, ...], count: int = 1,
             device: torch.device | str = "cpu", progress: bool = False) -> dict[str, float]:
    """Top-k errors (percent) and mean cross-entropy of `model` on `loader`'s stored-size images."""
    return scores(*probabilities(model, loader, size, count, device, progress), ks)
