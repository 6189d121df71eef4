"""The deconvnet of Zeiler & Fergus (2014), Section 2.1: project one activation back to pixel space.

The forward pass runs the layers of an `nn.Sequential` one by one and records, for every max-pool,
which input won each window (the *switches*). Then every activation of the chosen layer but one is
set to zero and the signal goes down the same layers in reverse:

    max-pool        -> unpool: each pooled value goes back to the input its switch recorded; where
                       overlapping windows chose the same input, their values add (the transpose
                       of pooling, which `max_unpool2d` does not do: it overwrites)
    ReLU            -> rectify the signal
    conv            -> filter with the transposed weights of the same layer, no bias
    normalization,
    dropout         -> passed over

Projections are linear in the chosen activation's value: `project` starts from the value itself, as
the paper does, so strong activations give strong pictures.

Mahendran & Vedaldi (2016) and Nie et al. (2018) argue that much of a deconvnet picture comes from
the switches, which the image sets, rather than from the filters the unit learned.
Given `down`, the same network with random weights, the signal goes down through random filters with
the image's own switches: what the switches alone draw, the control the chapters judge pictures by.

A unit depends only on the pixels of its receptive field, so `project_in_field` runs each projection
on a crop of its image that holds the field and no more, with the same result: the crop starts at a
multiple of the layer's total stride (every layer's grid of units, and so every pooling window and
switch, stays where it was) and touches the image border only where the field does (zero padding
stays where it was). On ZFNet at 224x224 the crops of layers 1-3 are at most a sixth of the image.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .errors import UserError
from .receptive_field import Field, map_sizes, receptive_fields

PASSED_OVER = (nn.LocalResponseNorm, nn.Dropout, nn.Identity)  # on the way down


def _crop(field: Field, unit: int, image_size: int) -> tuple[int, int]:
    """[begin, end) along one axis: the smallest span that holds `unit`'s field and starts at a
    multiple of the field's stride; the whole axis where the field is nearly as long (a crop would
    save little and cost copies and smaller batches)."""
    if field.size + field.stride > image_size:
        return 0, image_size
    first = field.start + unit * field.stride
    return max(0, first // field.stride * field.stride), min(image_size, first + field.size)


@dataclass
class Step:
    """What the way down needs of one layer of the way up."""
    input_shape: torch.Size  # what the layer took in, so that the way down gives back the same shape
    switches: torch.Tensor | None = None  # max-pool: flat input position of each window's winner


@torch.no_grad()
def unpool(signal: torch.Tensor, switches: torch.Tensor, input_shape: torch.Size) -> torch.Tensor:
    """Each pooled value back to the input position its switch recorded, zero elsewhere; where
    overlapping windows chose the same input, their values add."""
    n, c, height, width = input_shape
    unpooled = signal.new_zeros(n, c, height * width)
    unpooled.scatter_add_(2, switches.flatten(2), signal.flatten(2))
    return unpooled.view(n, c, height, width)


@torch.no_grad()
def rectify(signal: torch.Tensor) -> torch.Tensor:
    """The ReLU on the way down: reconstructions of rectified maps are kept positive."""
    return signal.clamp(min=0)


@torch.no_grad()
def transposed_filter(signal: torch.Tensor, conv: nn.Conv2d, input_shape: torch.Size) -> torch.Tensor:
    """Filter with the transposes of `conv`'s filters (each flipped vertically and horizontally), no bias:
    from `conv`'s output space back to its input's."""
    return torch.nn.grad.conv2d_input(input_shape, conv.weight, signal, conv.stride, conv.padding, conv.dilation,
                                      conv.groups)


@torch.no_grad()
def only(output: torch.Tensor, channel: torch.Tensor, flat: torch.Tensor) -> torch.Tensor:
    """`output` with every activation set to zero but, in each image, that of `channel` at the flat
    position `flat` (one of each per image): what the deconvnet takes down."""
    n, channels = output.shape[:2]
    rows = torch.arange(n, device=output.device)
    chosen = torch.zeros_like(output)
    chosen.view(n, channels, -1)[rows, channel, flat] = output.view(n, channels, -1)[rows, channel, flat]
    return chosen


class DeconvNet:
    """Projections of the activations of `features` (an `nn.Sequential` of Conv2d, ReLU, MaxPool2d,
    LocalResponseNorm and Dropout, such as torchvision's `alexnet().features`) to pixel space."""

    def __init__(self, features: nn.Sequential, down: nn.Sequential | None = None) -> None:
        """`down`: the same layers with other weights, whose transposed filters take the signal down
        while the switches stay those of `features` on the image (given random weights, the
        switches-only control); None: `features` itself, the paper's deconvnet."""
        for index, module in enumerate(features):
            if not isinstance(module, (nn.Conv2d, nn.ReLU, nn.MaxPool2d, *PASSED_OVER)):
                raise UserError(f"Layer {index} of the network is a {type(module).__name__}, which the deconvnet "
                                f"cannot invert: it handles Conv2d, ReLU, MaxPool2d, LocalResponseNorm and Dropout.")
        down = features if down is None else down
        if [type(module) for module in down] != [type(module) for module in features]:
            raise UserError("The layers given for the way down differ from the network's: give the same network "
                            "with other weights (e.g. `analysis.attribution.randomized`).")
        self.features, self.down = features, down

    def _check_layer(self, layer: int) -> None:
        if not 0 <= layer < len(self.features):
            raise UserError(f"Layer {layer} does not exist: the network has layers 0 to {len(self.features) - 1}.")

    @torch.no_grad()
    def forward(self, x: torch.Tensor, layer: int) -> tuple[torch.Tensor, list[Step]]:
        """The output of `features[layer]` and what the way down needs: every layer's input shape and
        the switches of every max-pool."""
        self._check_layer(layer)
        steps: list[Step] = []
        for module in self.features[: layer + 1]:
            step = Step(x.shape)
            if isinstance(module, nn.MaxPool2d):
                x, step.switches = F.max_pool2d(x, module.kernel_size, module.stride, module.padding,
                                                module.dilation, module.ceil_mode, return_indices=True)
            elif not isinstance(module, nn.Dropout):  # dropout is the identity at test time
                x = module(x)
            steps.append(step)
        return x, steps

    @torch.no_grad()
    def backward(self, signal: torch.Tensor, steps: list[Step]) -> torch.Tensor:
        """Take `signal`, shaped like the output of layer len(steps) - 1, down to pixel space."""
        for module, step in zip(reversed(self.down[: len(steps)]), reversed(steps)):
            if isinstance(module, nn.MaxPool2d):
                signal = unpool(signal, step.switches, step.input_shape)
            elif isinstance(module, nn.ReLU):
                signal = rectify(signal)
            elif isinstance(module, nn.Conv2d):
                signal = transposed_filter(signal, module, step.input_shape)
        return signal

    @torch.no_grad()
    def project(self, x: torch.Tensor, layer: int, channel, position=None) -> torch.Tensor:
        """The projection of one activation of `features[layer]`'s output per image: the activation of
        `channel` at `position` (row, col), or at its strongest position when `position` is None.

        `channel` is an int or a tensor of N channels (one per image); `position` is None, a pair, or an
        (N, 2) tensor. Returns a tensor shaped like `x`. To project several activations of one image in
        one pass, repeat the image."""
        x = x.to(next(self.features.parameters()).dtype)
        output, steps = self.forward(x, layer)
        n, channels, height, width = output.shape
        channel = torch.as_tensor(channel, device=x.device).expand(n)
        if int(channel.min()) < 0 or int(channel.max()) >= channels:
            raise UserError(f"Channel {int(channel.max()) if int(channel.max()) >= channels else int(channel.min())} "
                            f"does not exist: layer {layer} has channels 0 to {channels - 1}.")
        rows = torch.arange(n, device=x.device)
        maps = output[rows, channel].flatten(1)  # (N, height * width)
        if position is None:
            flat = maps.argmax(dim=1)
        else:
            position = torch.as_tensor(position, device=x.device).expand(n, 2)
            if (position < 0).any() or (position[:, 0] >= height).any() or (position[:, 1] >= width).any():
                raise UserError(f"Position {position.tolist()[0]} lies outside layer {layer}'s {height}×{width} maps.")
            flat = position[:, 0] * width + position[:, 1]
        return self.backward(only(output, channel, flat), steps)

    def crops(self, layer: int, positions: list[tuple[int, int]], height: int, width: int,
              ) -> list[tuple[int, int, int, int]]:
        """(top, bottom, left, right) of the crop `project_in_field` runs each unit of `features[layer]`
        at `positions` on, in a `height` x `width` image. Units inside the image share one crop shape."""
        self._check_layer(layer)
        rows, cols = map_sizes(self.features, height)[layer], map_sizes(self.features, width)[layer]
        outside = [pair for pair in positions if not (0 <= pair[0] < rows and 0 <= pair[1] < cols)]
        if outside:
            raise UserError(f"Position {list(outside[0])} lies outside layer {layer}'s {rows}×{cols} maps.")
        field = receptive_fields(self.features)[layer]
        return [(*_crop(field, row, height), *_crop(field, col, width)) for row, col in positions]

    @torch.no_grad()
    def project_in_field(self, x: torch.Tensor, layer: int, channel, position: torch.Tensor) -> torch.Tensor:
        """`project` at known positions ((N, 2) tensor, `channel` an int or N channels), each image's
        passes run on the crop that holds the unit's receptive field (the module's docstring says why
        that is exact); projections of equally sized crops run as one batch. Returns a tensor shaped
        like `x`, zero outside the crops."""
        n = len(x)
        channel = torch.as_tensor(channel, device=x.device).expand(n)
        position = torch.as_tensor(position).expand(n, 2).tolist()
        crops = self.crops(layer, position, x.shape[-2], x.shape[-1])  # checks the layer and the positions
        stride = receptive_fields(self.features)[layer].stride
        projected = torch.zeros_like(x, dtype=next(self.features.parameters()).dtype)
        for shape in dict.fromkeys((bottom - top, right - left) for top, bottom, left, right in crops):
            group = [i for i, (top, bottom, left, right) in enumerate(crops) if (bottom - top, right - left) == shape]
            pieces = torch.stack([x[i, :, crops[i][0]:crops[i][1], crops[i][2]:crops[i][3]] for i in group])
            local = torch.tensor([[position[i][0] - crops[i][0] // stride, position[i][1] - crops[i][2] // stride]
                                  for i in group], device=x.device)
            pictures = self.project(pieces, layer, channel[group], local)
            for picture, i in zip(pictures, group):
                top, bottom, left, right = crops[i]
                projected[i, :, top:bottom, left:right] = picture
        return projected
