"""Occlusion sensitivity (Section 4.2, Fig. 7): slide a grey square over the image and watch the
classifier's output and one feature map's activation.

Exact and fast. An occluder changes only a window of each layer's output: the units whose receptive
field meets the square. Each layer is therefore recomputed only over that window, from the unoccluded
pass's activations with the previous layer's changed window pasted in (incremental inference, in the
manner of Krypton, Nakandala et al. 2019); only the fully connected head runs whole. Positions go
through in batches of `batch_size`, which bounds memory. The result equals running the whole network
once per position (tested against that loop and against captum's `Occlusion`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import UserError
from ..images import background_colour, correlations
from ..models import feature_map_layers
from ..receptive_field import geometry

POINTWISE = (nn.ReLU, nn.LocalResponseNorm, nn.Dropout, nn.Identity)  # each output pixel reads only its own input pixel


@dataclass
class Sweep:
    probabilities: torch.Tensor  # (N, rows, cols, classes): softmax with the square at each position
    map_totals: torch.Tensor | None  # (N, rows, cols): the followed feature map's summed activation


def positions(height: int, width: int, size: int, stride: int) -> tuple[int, int]:
    """How many square positions fit, along each axis, with the square wholly inside the image."""
    if size > min(height, width) or size < 1 or stride < 1:
        raise UserError(f"An occluder of {size} pixels at stride {stride} does not fit a {height}×{width} image: "
                        f"choose a size from 1 to {min(height, width)} and a stride of at least 1.")
    return (height - size) // stride + 1, (width - size) // stride + 1


def _head(model: nn.Module):
    """What follows `model.features`: torchvision's avgpool (when the model has one), flatten, classifier."""
    pool = getattr(model, "avgpool", nn.Identity())
    return lambda maps: model.classifier(torch.flatten(pool(maps), 1))


def _changed_range(low: int, high: int, module: nn.Module, out_size: int) -> tuple[int, int]:
    """The output indices of `module` (one axis) whose input window meets input indices [low, high)."""
    kernel, stride, padding, dilation = geometry(module)
    first = -(-(low + padding - dilation * (kernel - 1)) // stride)
    last = (high - 1 + padding) // stride
    return max(first, 0), min(last + 1, out_size)


def _apply(module: nn.Module, window: torch.Tensor) -> torch.Tensor:
    """`module` on an input window that already carries its padding."""
    if isinstance(module, nn.Conv2d):
        return F.conv2d(window, module.weight, module.bias, module.stride, 0, module.dilation, module.groups)
    if isinstance(module, nn.MaxPool2d):
        return F.max_pool2d(window, module.kernel_size, module.stride, 0, module.dilation)
    return window if isinstance(module, nn.Dropout) else module(window)


def _padded(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    _, _, padding, _ = geometry(module)
    fill = -torch.inf if isinstance(module, nn.MaxPool2d) else 0.0
    return F.pad(x, (padding,) * 4, value=fill) if padding else x


def _check(features: nn.Sequential) -> None:
    for index, module in enumerate(features):
        if not isinstance(module, (nn.Conv2d, nn.MaxPool2d, *POINTWISE)) or getattr(module, "ceil_mode", False):
            raise UserError(f"Layer {index} ({type(module).__name__}) is not one incremental occlusion handles: "
                            f"use Conv2d, MaxPool2d without ceil_mode, ReLU, LocalResponseNorm or Dropout.")


def _crops(picture: torch.Tensor, tops: torch.Tensor, lefts: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """(B, C, height, width): the crop of one (C, H, W) `picture` at each (top, left), all at once."""
    rows = tops[:, None] + torch.arange(height, device=tops.device)
    cols = lefts[:, None] + torch.arange(width, device=lefts.device)
    return picture[:, rows[:, :, None], cols[:, None, :]].transpose(0, 1)


def _paste_into(targets: torch.Tensor, windows: torch.Tensor, tops: torch.Tensor, lefts: torch.Tensor) -> torch.Tensor:
    """Write each (C, h, w) window into its own (C, H, W) target at (top, left), in place; the parts of
    a window that fall outside its target are dropped."""
    height, width = windows.shape[-2:]
    rows = tops[:, None] + torch.arange(height, device=tops.device)
    cols = lefts[:, None] + torch.arange(width, device=lefts.device)
    inside = ((rows >= 0) & (rows < targets.shape[-2]))[:, :, None] & ((cols >= 0) & (cols < targets.shape[-1]))[:, None, :]
    batch, u, v = inside.nonzero(as_tuple=True)
    targets[batch, :, rows[batch, u], cols[batch, v]] = windows[batch, :, u, v]
    return targets


def _step(module: nn.Module, base_in: torch.Tensor, base_out: torch.Tensor, windows: torch.Tensor,
          origins: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Carry each position's changed window (`windows` at top-left `origins` of the layer's input)
    through `module`: the window of its output that can differ from `base_out`, and where it sits."""
    if isinstance(module, POINTWISE):
        return _apply(module, windows), origins
    kernel, stride, padding, dilation = geometry(module)
    out_size = base_out.shape[-2:]
    starts, sizes = [], []
    for axis in (0, 1):
        low, high = origins[:, axis], origins[:, axis] + windows.shape[-2 + axis]
        first = (low + padding - dilation * (kernel - 1) + stride - 1).div(stride, rounding_mode="floor").clamp(min=0)
        last = (high - 1 + padding).div(stride, rounding_mode="floor").clamp(max=out_size[axis] - 1) + 1
        # One window size for the whole batch; windows near a border shift inward rather than shrink.
        sizes.append(int((last - first).max()))
        starts.append(torch.minimum(first, torch.full_like(first, out_size[axis] - sizes[-1])))
    starts = torch.stack(starts, dim=1)
    spans = [(size - 1) * stride + dilation * (kernel - 1) + 1 for size in sizes]
    inputs = _crops(_padded(module, base_in)[0], starts[:, 0] * stride, starts[:, 1] * stride, *spans)
    inputs = _paste_into(inputs, windows, origins[:, 0] + padding - starts[:, 0] * stride,
                         origins[:, 1] + padding - starts[:, 1] * stride)
    return _apply(module, inputs), starts


def _paste(base: torch.Tensor, windows: torch.Tensor, origins: torch.Tensor) -> torch.Tensor:
    """`base` (1, C, H, W) repeated once per window, each copy with its window pasted at its origin."""
    return _paste_into(base.repeat(len(windows), 1, 1, 1), windows, origins[:, 0], origins[:, 1])


def _totals(base_map: torch.Tensor, windows: torch.Tensor, origins: torch.Tensor) -> torch.Tensor:
    """The sum of one (H, W) feature map with each (h, w) window in place of what lies under it."""
    under = _crops(base_map[None], origins[:, 0], origins[:, 1], *windows.shape[-2:]).sum(dim=(1, 2, 3))
    return base_map.sum() - under + windows.sum(dim=(-2, -1))


def _outputs(features: nn.Sequential, x: torch.Tensor) -> list[torch.Tensor]:
    """The input (1, C, H, W) and every layer's output on it."""
    base = [x]
    for module in features:
        base.append(module(base[-1]))
    return base


def _carried(features: nn.Sequential, base: list[torch.Tensor], fill: torch.Tensor, corners: torch.Tensor, size: int):
    """For a batch of square positions (top-left `corners`), the changed window of each layer's output
    and where it sits, layer by layer (`base`: `_outputs` of the unoccluded image; `fill`: (C, H, W))."""
    windows, origins = _crops(fill, corners[:, 0], corners[:, 1], size, size), corners
    for depth, module in enumerate(features):
        windows, origins = _step(module, base[depth], base[depth + 1], windows, origins)
        yield windows, origins


@torch.no_grad()
def sweep(model: nn.Module, x: torch.Tensor, size: int, stride: int, fill: float | torch.Tensor = 0.0,
          layer: int | None = None, channel: torch.Tensor | int | None = None, batch_size: int = 256) -> Sweep:
    """Occlude each image of `x` with a `size` x `size` square of `fill` (a number, one value per channel,
    a (C, H, W) picture whose pixels the square takes where it lies, or one such picture per image,
    (N, C, H, W)) at every position (i * stride, j * stride) that lies wholly inside it. Returns the class
    probabilities at each position and, when `layer` and `channel` (one per image) are given, the summed
    activation of that feature map of `model.features[layer]`."""
    features = model.features
    _check(features)
    count, channels, height, width = x.shape
    rows, cols = positions(height, width, size, stride)
    fill = torch.as_tensor(fill, dtype=x.dtype, device=x.device)
    if fill.dim() < 3:
        fill = fill.reshape(-1, 1, 1)
    fill = fill.expand(count, channels, height, width)
    channel = None if channel is None else torch.as_tensor(channel).expand(count)
    grid = torch.tensor([(i * stride, j * stride) for i in range(rows) for j in range(cols)], device=x.device)
    head = _head(model)
    all_probabilities, all_totals = [], []
    for n in range(count):
        base = _outputs(features, x[n : n + 1])
        probabilities, totals = [], []
        for corners in grid.split(batch_size):
            for depth, (windows, origins) in enumerate(_carried(features, base, fill[n], corners, size)):
                if depth == layer:
                    totals.append(_totals(base[depth + 1][0, int(channel[n])], windows[:, int(channel[n])], origins))
            probabilities.append(head(_paste(base[-1], windows, origins)).softmax(dim=1))
        all_probabilities.append(torch.cat(probabilities).view(rows, cols, -1))
        if layer is not None:
            all_totals.append(torch.cat(totals).view(rows, cols))
    return Sweep(torch.stack(all_probabilities), torch.stack(all_totals) if layer is not None else None)


def occlusion_map(model: nn.Module, x: torch.Tensor, target: torch.Tensor | int, size: int, stride: int,
                  fill: float | torch.Tensor = 0.0, batch_size: int = 256) -> torch.Tensor:
    """(N, rows, cols): the probability of class `target` (one per image) with the square at each position."""
    target = torch.as_tensor(target).expand(len(x))
    with torch.no_grad():
        classes = model(x[:1]).shape[1]
    if int(target.min()) < 0 or int(target.max()) >= classes:
        raise UserError(f"Target class {int(target.max()) if int(target.max()) >= classes else int(target.min())} "
                        f"does not exist: the network has classes 0 to {classes - 1}.")
    probabilities = sweep(model, x, size, stride, fill, batch_size=batch_size).probabilities
    return probabilities[torch.arange(len(x)), :, :, target]




def box_overlap(boxes: torch.Tensor, grid: tuple[int, int], size: int, stride: int) -> torch.Tensor:
    """(N, rows, cols): the fraction of the square, at each of the `grid` (rows, cols) of `sweep`'s
    positions (`positions`), that lies inside each image's box (N, 4: top, left, bottom, right, bottom
    and right exclusive)."""
    rows, cols = grid
    tops, lefts = torch.arange(rows) * stride, torch.arange(cols) * stride
    def along(low: torch.Tensor, high: torch.Tensor, starts: torch.Tensor) -> torch.Tensor:
        return ((torch.minimum(starts[None] + size, high[:, None]) - torch.maximum(starts[None], low[:, None]))
                .clamp(min=0).double())
    boxes = boxes.long()
    return along(boxes[:, 0], boxes[:, 2], tops)[:, :, None] * along(boxes[:, 1], boxes[:, 3], lefts)[:, None, :] / size ** 2


def object_and_context_drops(drops: torch.Tensor, overlap: torch.Tensor, on_object: float = 0.5) -> torch.Tensor:
    """(N, 2): per image, the mean drop of p(correct) (`drops`, N x rows x cols) over the positions where
    the square lies at least `on_object` on the object's box, and over those where it misses the box
    (NaN where an image has no such position)."""
    def mean_where(chosen: torch.Tensor) -> torch.Tensor:
        return torch.where(chosen.any((1, 2)), (drops.double() * chosen).sum((1, 2)) / chosen.sum((1, 2)).clamp(min=1),
                           torch.tensor(float("nan"), dtype=torch.float64))
    return torch.stack([mean_where(overlap >= on_object), mean_where(overlap == 0)], dim=1)


def coverage(weights: torch.Tensor, size: int, stride: int) -> torch.Tensor:
    """(N, rows, cols): the mean of (N, H, W) `weights` under the square at each occluder position (for a
    mask: the fraction of the square that covers it)."""
    return F.avg_pool2d(weights[:, None].float(), size, stride)[:, 0]


def incremental_limit(features: nn.Sequential, input_size: int, channels: int, size: int, stride: int) -> float:
    """The most that exact incremental inference can save on the conv layers: their multiply-adds for
    the whole image over those that an occluder can change, averaged over the square's positions."""
    count = positions(input_size, input_size, size, stride)[0]
    shape, full, changed = (channels, input_size, input_size), 0, 0.0
    ranges = [(i * stride, i * stride + size) for i in range(count)]  # one axis; the square is square
    device = next(features.parameters()).device
    for module in features:
        with torch.no_grad():
            out = module(torch.zeros(1, *shape, device=device)).shape[1:]
        if not isinstance(module, POINTWISE):
            ranges = [_changed_range(low, high, module, out[-1]) for low, high in ranges]
        if isinstance(module, nn.Conv2d):
            per_unit = module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1] * out[0]
            full += out[1] * out[2] * per_unit
            lengths = torch.tensor([high - low for low, high in ranges], dtype=torch.float64)
            changed += float((lengths[:, None] * lengths[None, :]).mean()) * per_unit
        shape = tuple(out)
    return full / changed


@dataclass
class Probes:
    """Fig. 7's sweep over some images: each occluded with a square of its own background colour."""
    sweep: Sweep  # probabilities, and the summed activation of each image's strongest layer-5 map
    maps: torch.Tensor  # (N, C, h, w): layer 5's maps of the unoccluded images
    strongest_map: torch.Tensor  # (N,): the layer-5 map each image excites most, the one (b) follows
    fill: torch.Tensor  # (N, C): the square's colour, 0-255
    unoccluded: torch.Tensor  # (N, classes): the class probabilities without the square


@torch.no_grad()
def occlude_probes(model: nn.Module, x: torch.Tensor, pixels: torch.Tensor, mean_input: torch.Tensor,
                   size: int, stride: int) -> Probes:
    """Sweep a square over each input of `x` (mean subtracted; `pixels` the same images in 0-255),
    filled with the image's background colour, following its strongest layer-5 map."""
    layer5 = feature_map_layers(model.features)[-1]
    maps = model.features[: layer5 + 1](x)
    strongest = maps.flatten(2).amax(2).argmax(1)
    fill = background_colour(pixels)
    result = sweep(model, x, size, stride, fill.to(x.device)[:, :, None, None] - mean_input.to(x.device), layer5, strongest)
    return Probes(result, maps.cpu(), strongest.cpu(), fill, model(x).softmax(1).cpu())


def context_drops(probes: Probes, truth: torch.Tensor, boxes: torch.Tensor, size: int, stride: int) -> torch.Tensor:
    """(N, 2): per image of `probes`, the mean drop of p(correct class) with the square on the object (at
    least half inside its box) and on the context (missing the box): is the classifier using the object?"""
    swept, picked = probes.sweep.probabilities.cpu(), torch.arange(len(truth))
    drops = probes.unoccluded[picked, truth][:, None, None] - swept[picked, :, :, truth]
    return object_and_context_drops(drops, box_overlap(boxes, swept.shape[1:3], size, stride))


@torch.no_grad()
def drops_through_maps(model: nn.Module, x: torch.Tensor, pixels: torch.Tensor, truth: torch.Tensor,
                       mean_input: torch.Tensor, size: int, stride: int, batch_size: int = 256) -> torch.Tensor:
    """(N, 2): per image, the mean over the square's positions (filled with the image's background) of
    the drop of log p(correct class) when the square reaches the classifier only through the image's
    strongest layer-5 map (every other map as without the square), and only through the other maps
    (the strongest as without it): does the classifier follow its strongest map, or many? The log
    keeps a confident network's changes visible (p near 1 hardly moves). Layer 5 is computed
    incrementally, as in `sweep`."""
    layer5 = feature_map_layers(model.features)[-1]
    below, above, head = model.features[: layer5 + 1], model.features[layer5 + 1 :], _head(model)
    _check(below)
    fill = (background_colour(pixels).to(x.device)[:, :, None, None] - mean_input.to(x.device)).expand_as(x)
    rows, cols = positions(x.shape[-2], x.shape[-1], size, stride)
    grid = torch.tensor([(i * stride, j * stride) for i in range(rows) for j in range(cols)], device=x.device)
    drops = []
    for image, colour, label in zip(x, fill, truth.tolist()):
        base = _outputs(below, image[None])
        strongest = int(base[-1].flatten(2).amax(2).argmax(1))
        before = head(above(base[-1])).log_softmax(1)[0, label]
        totals = torch.zeros(2, dtype=torch.float64, device=x.device)
        for corners in grid.split(batch_size):
            *_, (windows, origins) = _carried(below, base, colour, corners, size)
            hidden = _paste(base[-1], windows, origins)
            only, others = base[-1].repeat(len(corners), 1, 1, 1), hidden.clone()
            only[:, strongest], others[:, strongest] = hidden[:, strongest], base[-1][0, strongest]
            for way, maps in enumerate((only, others)):
                totals[way] += (before - head(above(maps)).log_softmax(1)[:, label]).double().sum()
        drops.append((totals / len(grid)).tolist())
    return torch.tensor(drops, dtype=torch.float64)


def switches_to_the_other(model: nn.Module, pairs: torch.Tensor, alone: torch.Tensor, labels: torch.Tensor,
                          boxes: torch.Tensor, mean_input: torch.Tensor, size: int, stride: int) -> dict[str, list[bool]]:
    """Fig. 7 (e) on scenes of two garments (`targets.GarmentPairs`' fields, 0-255): in each scene whose
    most probable class is one of its garments', does a square at least half on that garment make the
    other garment's class the most probable ("with the other")? And in the same scene with the occluded
    garment alone ("alone", the control: the same square, the same confusions, no other object)?"""
    device = next(model.parameters()).device
    mean = mean_input.to(device)
    with torch.no_grad():
        top = model(pairs.to(device) - mean).argmax(1).cpu()
    kept = [i for i in range(len(pairs)) if int(top[i]) in labels[i].tolist()]
    occluded = torch.tensor([labels[i].tolist().index(int(top[i])) for i in kept], dtype=torch.long)
    index = torch.tensor(kept, dtype=torch.long)
    other = labels[index, 1 - occluded]
    found = {}
    for name, images in (("with the other", pairs[index]), ("alone", alone[index, occluded])):
        fill = background_colour(images).to(device)[:, :, None, None] - mean
        swept = sweep(model, images.to(device) - mean, size, stride, fill).probabilities.argmax(-1).cpu()
        on = box_overlap(boxes[index, occluded], positions(images.shape[-2], images.shape[-1], size, stride), size, stride) >= 0.5
        found[name] = [bool((swept[k][on[k]] == other[k]).any()) for k in range(len(kept))]
    return found


def map_drop_correlations(probes: Probes, projections: torch.Tensor, pixels: torch.Tensor, size: int,
                          stride: int) -> dict[str, list[float]]:
    """Per image, the correlation over the square's positions between the followed map's loss of
    activity and how much the square hides of its deconvnet projection (`projections`, N x C x H x W,
    "projection"): does the map lose activity where the square hides what its projection shows? And,
    the control, with how much it hides of the image itself, its departure from the square's colour
    (`pixels`, 0-255, "image"): a map that loses activity wherever anything is hidden follows that
    as well as its projection."""
    total = probes.maps[torch.arange(len(probes.maps)), probes.strongest_map].sum((1, 2))
    drop = total[:, None, None] - probes.sweep.map_totals.cpu()
    shown = {"projection": projections.abs().sum(1), "image": (pixels - probes.fill[:, :, None, None]).abs().sum(1)}
    return {name: correlations(drop, coverage(weights, size, stride)).tolist() for name, weights in shown.items()}
