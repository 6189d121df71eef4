"""The deconvnet against captum's NeuronDeconvolution (an independent implementation of the same
projection for networks without normalization layers), and the transpose of overlapping pooling."""

import copy

import pytest
import torch
import torchvision
from captum.attr import NeuronDeconvolution
import torch.nn.functional as F
from torch import nn

from zfcompanion import models, profiles
from zfcompanion.deconvnet import DeconvNet
from zfcompanion.errors import UserError

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def without_normalization(features: nn.Sequential) -> nn.Sequential:
    """A copy with normalization layers dropped and ReLUs made out-of-place (captum hooks them)."""
    layers = [nn.ReLU() if isinstance(m, nn.ReLU) else m for m in copy.deepcopy(features)
              if not isinstance(m, nn.LocalResponseNorm)]
    return nn.Sequential(*layers).eval()


def captum_projection(features, x, layer, channel, row, col):
    """captum's deconvolution of one unit, scaled by the unit's activation as the paper's is."""
    attribution = NeuronDeconvolution(features, features[layer]).attribute(x, neuron_selector=(channel, row, col))
    activation = features[: layer + 1](x)[:, channel, row, col]
    return attribution * activation.view(-1, 1, 1, 1)


def layers_to_check(features):
    """One conv output, one ReLU output and every max-pool output."""
    kinds = [type(m) for m in features]
    picks = {kinds.index(nn.Conv2d), kinds.index(nn.ReLU)}
    picks |= {i for i, kind in enumerate(kinds) if kind is nn.MaxPool2d}
    picks.add(len(features) - 2)
    return sorted(picks)


@pytest.mark.parametrize("name, features, size", [
    ("zf-mini", models.zf_mini().features, 28),
    ("alexnet-mini", models.alexnet_mini().features, 28),
    ("torchvision alexnet", torchvision.models.alexnet().features, 99),
    ("torchvision vgg16", torchvision.models.vgg16().features, 40),
])
def test_projection_equals_captum(name, features, size):
    torch.manual_seed(0)
    features = without_normalization(features)
    channels = features[0].in_channels
    x = torch.randn(2, channels, size, size) * 50
    deconvnet = DeconvNet(features)
    for layer in layers_to_check(features):
        output = features[: layer + 1](x)
        # A unit that is active in both images, so that both projections are non-zero.
        active = (output > 0).all(0)
        channel, row, col = (int(v) for v in active.nonzero()[len(active.nonzero()) // 2])
        ours = deconvnet.project(x, layer, channel, (row, col))
        theirs = captum_projection(features, x, layer, channel, row, col).detach()
        assert ours.shape == x.shape
        assert ours.abs().max() > 0
        torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-4 * float(theirs.abs().max())), (name, layer)


def test_overlapping_windows_add_where_they_chose_the_same_input():
    # One 1x1 input pixel is the max of all four 3x3/2 windows that cover it.
    x = torch.zeros(1, 1, 5, 5)
    x[0, 0, 2, 2] = 1.0
    features = nn.Sequential(nn.MaxPool2d(3, 2))
    projection = DeconvNet(features).backward(torch.ones(1, 1, 2, 2), DeconvNet(features).forward(x, 0)[1])
    assert projection[0, 0, 2, 2] == 4.0  # max_unpool2d would give 1: it overwrites
    assert projection.sum() == 4.0


def test_strongest_position_and_per_image_channels():
    torch.manual_seed(1)
    model = models.zf_mini().eval()
    deconvnet = DeconvNet(model.features)
    x = torch.randn(3, 1, 28, 28) * 50
    layer = 9
    output = model.features[: layer + 1](x)
    channels = torch.tensor([0, 5, 7])
    together = deconvnet.project(x, layer, channels)
    for i, channel in enumerate(channels.tolist()):
        flat = int(output[i, channel].argmax())
        position = (flat // output.shape[-1], flat % output.shape[-1])
        alone = deconvnet.project(x[i : i + 1], layer, channel, position)
        torch.testing.assert_close(together[i : i + 1], alone)


def test_projection_scales_with_the_activation():
    torch.manual_seed(2)
    features = models.zf_mini().eval().features
    x = torch.rand(1, 1, 28, 28) * 255
    deconvnet = DeconvNet(features)
    # Scaling the last conv's weights scales the chosen activation and the projection's top signal.
    scaled = copy.deepcopy(features)
    scaled[12].weight.data *= 3
    scaled[12].bias.data *= 3
    torch.testing.assert_close(DeconvNet(scaled).project(x, 13, 4), 9 * deconvnet.project(x, 13, 4))


@pytest.mark.parametrize("call, message", [
    (lambda d, x: d.project(x, 99, 0), "Layer 99 does not exist"),
    (lambda d, x: d.project(x, 0, 500), "Channel 500 does not exist"),
    (lambda d, x: d.project(x, 0, 0, (40, 0)), "lies outside layer 0"),
    (lambda d, x: d.project_in_field(x, 0, 0, torch.tensor([[0, 40]])), "lies outside layer 0"),
])
def test_bad_requests_say_what_is_wrong(call, message):
    deconvnet = DeconvNet(models.zf_mini().eval().features)
    with pytest.raises(UserError, match=message):
        call(deconvnet, torch.zeros(1, 1, 28, 28))


def test_unsupported_layer_is_named():
    with pytest.raises(UserError, match="Layer 1 of the network is a BatchNorm2d"):
        DeconvNet(nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)))


@pytest.mark.parametrize("name, features, size", [
    ("zf-mini", models.zf_mini().features, 28),
    ("alexnet-mini", models.alexnet_mini().features, 31),
    ("zf at 224", models.build(profiles.PAPER.zf, 10).features, 224),
    ("torchvision alexnet", torchvision.models.alexnet().features, 99),
    ("torchvision vgg16, ceil-mode pooling", nn.Sequential(*[
        nn.MaxPool2d(2, 2, ceil_mode=True) if isinstance(m, nn.MaxPool2d) else m
        for m in torchvision.models.vgg16().features]), 45),
])
def test_projection_on_the_receptive_field_equals_the_whole_image(name, features, size):
    """Cropping each pass to the unit's receptive field changes nothing (float64, so that only a
    wrong crop could make a difference): at the corners, along the borders and inside, every layer."""
    torch.manual_seed(3)
    features = copy.deepcopy(features).double().eval()
    x = torch.randn(2, features[0].in_channels, size, size + 3, dtype=torch.float64) * 50
    deconvnet = DeconvNet(features)
    for layer in range(len(features)):
        rows, cols = features[: layer + 1](x).shape[-2:]
        for row, col in {(0, 0), (rows - 1, cols - 1), (0, cols // 2), (rows // 2, cols - 1), (rows // 3, cols // 3)}:
            channel = torch.tensor([layer % features[layer].out_channels if isinstance(features[layer], nn.Conv2d)
                                    else 0, 1])
            position = torch.tensor([[row, col], [rows - 1 - row, col]])
            whole = deconvnet.project(x, layer, channel, position)
            cropped = deconvnet.project_in_field(x, layer, channel, position)
            torch.testing.assert_close(cropped, whole, rtol=0, atol=1e-9 * max(1.0, float(whole.abs().max()))), \
                (name, layer, row, col)


def test_projection_on_the_receptive_field_equals_captum():
    torch.manual_seed(4)
    features = without_normalization(models.build(profiles.PAPER.zf, 10).features)
    x = torch.randn(1, 3, 224, 224) * 50
    for layer in models.feature_map_layers(features):
        output = features[: layer + 1](x)
        channel, row, col = (int(v) for v in (output[0] > 0).nonzero()[0])  # an active unit near the top left
        ours = DeconvNet(features).project_in_field(x, layer, channel, torch.tensor([[row, col]]))
        theirs = captum_projection(features, x, layer, channel, row, col).detach()
        torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5 * float(theirs.abs().max())), layer


def test_the_three_steps_down_are_the_papers_operations_by_hand():
    """unpool puts each value at its switch (adding where windows chose the same input); rectify keeps
    the positive part; transposed_filter is the adjoint of the convolution: <conv(a), b> = <a, conv^T(b)>."""
    from zfcompanion.deconvnet import rectify, transposed_filter, unpool

    x = torch.tensor([[[[1.0, 5.0, 2.0], [0.0, 3.0, 4.0], [7.0, 0.0, 1.0]]]])
    pooled, switches = F.max_pool2d(x, 2, 1, return_indices=True)  # overlapping windows: 5 wins twice
    unpooled = unpool(torch.ones_like(pooled), switches, x.shape)
    assert unpooled.flatten().tolist() == [0, 2, 0, 0, 0, 1, 1, 0, 0]
    assert rectify(torch.tensor([-1.0, 0.0, 2.0])).tolist() == [0.0, 0.0, 2.0]
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(2, 3, 3, stride=2, padding=1, bias=True)
    a, b = torch.randn(1, 2, 9, 9, dtype=torch.float64), torch.randn(1, 3, 5, 5, dtype=torch.float64)
    conv = conv.double()
    with torch.no_grad():
        forward = F.conv2d(a, conv.weight, None, 2, 1)  # the bias plays no part on the way down
    assert float((forward * b).sum()) == pytest.approx(float((a * transposed_filter(b, conv, a.shape)).sum()), rel=1e-12)


def test_the_switches_only_control_keeps_the_images_switches_and_takes_the_other_filters_down():
    torch.manual_seed(0)
    trained = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 5, 3, padding=1),
                            nn.ReLU()).double().eval()
    random = copy.deepcopy(trained)
    for conv in (random[0], random[3]):
        nn.init.normal_(conv.weight)
    x = torch.randn(1, 1, 8, 8, dtype=torch.float64)
    found = DeconvNet(trained, down=random).project(x, 4, 2, (1, 2))
    # by hand: the unit's value down random's transposed conv2, unpooled at trained's switches, rectified,
    # down random's transposed conv1 (windows of 2 at stride 2 never overlap: max_unpool2d is exact)
    hidden = trained[:2](x)
    _, switches = F.max_pool2d(hidden, 2, return_indices=True)
    value = trained(x)[0, 2, 1, 2]
    signal = torch.zeros(1, 5, 4, 4, dtype=torch.float64)
    signal[0, 2, 1, 2] = value
    down = F.conv_transpose2d(signal.clamp(min=0), random[3].weight, padding=1)
    down = F.max_unpool2d(down, switches, 2, output_size=hidden.shape[-2:]).clamp(min=0)
    expected = F.conv_transpose2d(down, random[0].weight, padding=1)
    assert torch.allclose(found, expected, rtol=1e-12, atol=1e-12)
    assert not torch.allclose(found, DeconvNet(random).project(x, 4, 2, (1, 2)))  # random's own switches differ
    assert torch.equal(DeconvNet(trained, down=trained).project(x, 4, 2, (1, 2)), DeconvNet(trained).project(x, 4, 2, (1, 2)))
    with pytest.raises(UserError, match="differ from the network's"):
        DeconvNet(trained, down=trained[:3])
