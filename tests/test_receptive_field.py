"""Receptive fields against the support of the gradient of one unit."""

import pytest
import torch
from torch import nn

from zfcompanion import models
from zfcompanion.receptive_field import receptive_fields


def linearized(features: nn.Sequential) -> nn.Sequential:
    """The same geometry with every input reaching the output: ones for weights, average pooling
    for max pooling (which would pass the gradient to one input only), identity elsewhere."""
    layers = []
    for module in features:
        if isinstance(module, nn.Conv2d):
            conv = nn.Conv2d(module.in_channels, module.out_channels, module.kernel_size,
                             module.stride, module.padding, module.dilation, bias=False)
            nn.init.ones_(conv.weight)
            layers.append(conv)
        elif isinstance(module, nn.MaxPool2d):
            layers.append(nn.AvgPool2d(module.kernel_size, module.stride, module.padding, count_include_pad=True))
        else:
            layers.append(nn.Identity())
    return nn.Sequential(*layers)


def gradient_box(features: nn.Sequential, layer: int, row: int, col: int, size: int, channels: int):
    image = torch.ones(1, channels, size, size, requires_grad=True)
    features[: layer + 1](image)[0, 0, row, col].backward()
    rows, cols = image.grad[0].abs().sum(0).nonzero(as_tuple=True)
    return rows.min().item(), cols.min().item(), rows.max().item() + 1, cols.max().item() + 1


@pytest.mark.parametrize("builder, size, channels", [(models.zf_mini, 28, 1), (models.alexnet_mini, 28, 1),
                                                     (models.zfnet, 224, 3)])
def test_box_is_the_gradient_support(builder, size, channels):
    features = linearized(builder().features)
    fields = receptive_fields(features)
    for layer, module in enumerate(features):
        if not isinstance(module, (nn.Conv2d, nn.AvgPool2d)):
            continue
        height = features[: layer + 1](torch.zeros(1, channels, size, size)).shape[-1]
        for row, col in {(0, 0), (height // 2, height - 1), (height - 1, height // 3)}:
            assert fields[layer].box(row, col, size) == gradient_box(features, layer, row, col, size, channels), (layer, row, col)


def test_zfnet_fields_grow_as_fig3_implies():
    fields = receptive_fields(models.zfnet().features)
    conv1, pool5 = fields[0], fields[-1]
    assert (conv1.size, conv1.stride) == (7, 2)
    assert pool5.stride == 32 and pool5.size > 100
