"""Image batches as the analyses handle them: picking stored images out of a dataset, cutting a
receptive field's patch out of an image, the colour of a scene's background, and how alike two
pictures are."""

from __future__ import annotations

import torch
from torch.utils.data import Dataset

from .errors import UserError


def stored_batch(dataset: Dataset, indices: list[int]) -> torch.Tensor:
    """The stored-size images at `indices` of `dataset`, as one batch."""
    outside = [index for index in indices if not 0 <= index < len(dataset)]
    if outside:
        raise UserError(f"Image index {outside[0]} is out of range: the set has {len(dataset)} images, "
                        f"numbered 0 to {len(dataset) - 1}.")
    return torch.stack([dataset[index][0] for index in indices])


def cut(images: torch.Tensor, box: tuple[int, int, int, int], size: int) -> torch.Tensor:
    """The `box` (top, left, bottom, right) of each image, placed on a zero `size` x `size` canvas
    (boxes clipped at the image border come out smaller than the receptive field)."""
    top, left, bottom, right = box
    canvas = images.new_zeros(*images.shape[:-2], size, size)
    canvas[..., : bottom - top, : right - left] = images[..., top:bottom, left:right]
    return canvas


def background_colour(pixels: torch.Tensor) -> torch.Tensor:
    """(N, C): the median colour of each image's border (N, C, H, W)."""
    border = torch.cat([pixels[..., 0, :], pixels[..., -1, :], pixels[..., :, 0], pixels[..., :, -1]], dim=-1)
    return border.median(dim=-1).values


def correlations(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Pearson correlation of each pair of rows a[i], b[i] (any trailing shape); 0 where one is flat."""
    a, b = (t.flatten(1).double() for t in (a, b))
    a, b = (t - t.mean(dim=1, keepdim=True) for t in (a, b))
    return (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1)).clamp_min(1e-12)
