"""Incremental occlusion against a brute-force loop that runs the whole network once per position,
and against captum's Occlusion."""

import pytest
import torch
import torchvision
from captum.attr import Occlusion

from zfcompanion import models
from zfcompanion.analysis.occlusion import occlusion_map, sweep
from zfcompanion.errors import UserError


def brute_force(model, x, size, stride, fill, layer=None, channel=None):
    """Probabilities (N, rows, cols, classes) and the feature map's sum, one full forward per position."""
    n, c, h, w = x.shape
    rows, cols = (h - size) // stride + 1, (w - size) // stride + 1
    probabilities = torch.zeros(n, rows, cols, model(x).shape[1])
    totals = torch.zeros(n, rows, cols)
    with torch.no_grad():
        for i in range(rows):
            for j in range(cols):
                occluded = x.clone()
                occluded[:, :, i * stride : i * stride + size, j * stride : j * stride + size] = fill
                probabilities[:, i, j] = model(occluded).softmax(1)
                if layer is not None:
                    totals[:, i, j] = model.features[: layer + 1](occluded)[torch.arange(n), channel].sum((1, 2))
    return probabilities, totals


@pytest.mark.parametrize("builder, size, stride", [(models.zf_mini, 7, 1), (models.zf_mini, 5, 3),
                                                   (models.alexnet_mini, 9, 2)])
def test_incremental_equals_one_full_pass_per_position(builder, size, stride):
    torch.manual_seed(0)
    model = builder().eval()
    x = torch.randn(2, 1, 28, 28) * 60
    layer, channel = len(model.features) - 2, torch.tensor([3, 7])
    expected, expected_totals = brute_force(model, x, size, stride, 0.0, layer, channel)
    result = sweep(model, x, size, stride, 0.0, layer, channel, batch_size=17)
    torch.testing.assert_close(result.probabilities, expected, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(result.map_totals, expected_totals, rtol=1e-4, atol=1e-3)


def test_picture_fill_takes_the_pixels_under_the_square():
    torch.manual_seed(3)
    model = models.zf_mini().eval()
    x, background = torch.randn(1, 1, 28, 28) * 60, torch.randn(1, 28, 28) * 60
    expected = torch.zeros(1, 4, 4, 10)
    with torch.no_grad():
        for i in range(4):
            for j in range(4):
                occluded = x.clone()
                occluded[..., 6 * i : 6 * i + 10, 6 * j : 6 * j + 10] = background[..., 6 * i : 6 * i + 10, 6 * j : 6 * j + 10]
                expected[0, i, j] = model(occluded).softmax(1)[0]
    torch.testing.assert_close(sweep(model, x, 10, 6, background).probabilities, expected, rtol=1e-4, atol=1e-6)


def test_torchvision_alexnet_with_per_channel_fill():
    torch.manual_seed(1)
    model = torchvision.models.alexnet(num_classes=5).eval()
    x = torch.randn(1, 3, 95, 95)
    fill = torch.tensor([0.5, -0.2, 0.1])
    expected, _ = brute_force(model, x, 24, 16, fill.view(3, 1, 1))
    torch.testing.assert_close(sweep(model, x, 24, 16, fill).probabilities, expected, rtol=1e-4, atol=1e-6)


def test_occlusion_map_equals_captum_where_windows_do_not_overlap():
    # captum's Occlusion gives, per pixel, the mean drop in the target's output over the windows that
    # cover it; with stride = size each pixel has one window, so it reads off the map directly.
    torch.manual_seed(2)
    model = models.zf_mini().eval()
    x = torch.randn(1, 1, 28, 28) * 60
    ours = occlusion_map(model, x, 4, size=7, stride=7)
    probability = lambda inputs: model(inputs).softmax(1)
    theirs = Occlusion(probability).attribute(x, sliding_window_shapes=(1, 7, 7), strides=(1, 7, 7), target=4)
    unoccluded = probability(x)[0, 4]
    torch.testing.assert_close(unoccluded - theirs[0, 0, ::7, ::7], ours[0], rtol=1e-4, atol=1e-6)


def test_an_occluder_larger_than_the_image_is_refused():
    with pytest.raises(UserError, match="does not fit a 28×28 image"):
        occlusion_map(models.zf_mini().eval(), torch.zeros(1, 1, 28, 28), 0, size=40, stride=1)


def test_a_target_class_that_does_not_exist_is_refused():
    with pytest.raises(UserError, match="Target class 10 does not exist: the network has classes 0 to 9"):
        occlusion_map(models.zf_mini().eval(), torch.zeros(1, 1, 28, 28), 10, size=7, stride=1)


def test_a_zero_stride_is_refused():
    with pytest.raises(UserError, match="stride of at least 1"):
        occlusion_map(models.zf_mini().eval(), torch.zeros(1, 1, 28, 28), 0, size=7, stride=0)


def test_incremental_limit_by_hand():
    from torch import nn

    from zfcompanion.analysis.occlusion import incremental_limit

    one_by_one = nn.Sequential(nn.Conv2d(1, 2, 1))
    assert incremental_limit(one_by_one, 4, 1, size=1, stride=1) == 16  # one output pixel of 16 changes
    assert incremental_limit(nn.Sequential(nn.Conv2d(1, 2, 3, padding=1)), 8, 1, size=8, stride=1) == 1
    assert abs(incremental_limit(models.zfnet().features, 224, 3, 32, 8) - 5.7) < 0.1  # the figure
