"""Receptive fields of the layers of an `nn.Sequential`, from kernel, stride, padding and dilation.

For the output of layer `i`, a unit at position p sees the input pixels
[start + p * stride, start + p * stride + size - 1] along each axis (before clipping to the image),
where `size`, `stride` and `start` compose layer by layer:

    size  += (kernel - 1) * dilation * stride_so_far
    start += (-padding) * stride_so_far
    stride_so_far *= stride
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn


@dataclass(frozen=True)
class Field:
    size: int  # pixels on a side
    stride: int  # pixels between neighbouring units
    start: int  # input coordinate of the first unit's first pixel (negative: it hangs over the border)

    def box(self, row: int, col: int, image_size: int) -> tuple[int, int, int, int]:
        """(top, left, bottom, right), bottom/right exclusive, of unit (row, col), clipped to the image."""
        top, left = self.start + row * self.stride, self.start + col * self.stride
        return (max(top, 0), max(left, 0), min(top + self.size, image_size), min(left + self.size, image_size))


def geometry(module: nn.Module) -> tuple[int, int, int, int]:
    """(kernel, stride, padding, dilation) of a layer; layers that keep positions are (1, 1, 0, 1)."""
    if isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
        pair = lambda value: value[0] if isinstance(value, tuple) else value
        dilation = pair(getattr(module, "dilation", 1))
        return pair(module.kernel_size), pair(module.stride), pair(module.padding), dilation
    return 1, 1, 0, 1


def receptive_fields(features: nn.Sequential) -> list[Field]:
    """The receptive field of the output of each layer of `features`, in order."""
    fields, size, stride, start = [], 1, 1, 0
    for module in features:
        kernel, step, padding, dilation = geometry(module)
        size += (kernel - 1) * dilation * stride
        start -= padding * stride
        stride *= step
        fields.append(Field(size, stride, start))
    return fields


def map_sizes(features: nn.Sequential, image_size: int) -> list[int]:
    """The side of the output of each layer of `features` on an `image_size` x `image_size` input."""
    sizes, size = [], image_size
    for module in features:
        kernel, stride, padding, dilation = geometry(module)
        span = size + 2 * padding - dilation * (kernel - 1) - 1
        if getattr(module, "ceil_mode", False):  # a last, partial window counts unless it starts in the padding
            outputs = -(-span // stride) + 1
            size = outputs - 1 if (outputs - 1) * stride >= size + padding else outputs
        else:
            size = span // stride + 1
        sizes.append(size)
    return sizes
