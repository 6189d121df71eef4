"""The paper's networks: Fig. 3's shapes, AlexNet's, and the Table 2/3 variants."""

import pytest
import torch
from torch import nn

from zfcompanion import models
from zfcompanion.receptive_field import receptive_fields


def stage_shapes(features: nn.Sequential, x: torch.Tensor) -> dict[str, tuple]:
    """Output shape after each conv and each pool, named conv1..5 and pool1, pool2, pool5."""
    shapes, conv = {}, 0
    for module in features:
        x = module(x)
        if isinstance(module, nn.Conv2d):
            conv += 1
            shapes[f"conv{conv}"] = tuple(x.shape[1:])
        elif isinstance(module, nn.MaxPool2d):
            shapes[f"pool{conv}"] = tuple(x.shape[1:])
    return shapes


def test_zfnet_shapes_are_fig3():
    shapes = stage_shapes(models.zfnet().features, torch.zeros(1, 3, 224, 224))
    assert shapes == {
        "conv1": (96, 110, 110), "pool1": (96, 55, 55),
        "conv2": (256, 26, 26), "pool2": (256, 13, 13),
        "conv3": (384, 13, 13), "conv4": (384, 13, 13), "conv5": (256, 13, 13), "pool5": (256, 6, 6),
    }


def test_zfnet_layer_sequence_and_classifier():
    model = models.zfnet(num_classes=1000)
    kinds = [type(m).__name__ for m in model.features]
    assert kinds[:4] == ["Conv2d", "ReLU", "MaxPool2d", "LocalResponseNorm"]  # pool, then normalize
    assert model.features[0].kernel_size == (7, 7) and model.features[0].stride == (2, 2)
    linears = [m for m in model.classifier if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(9216, 4096), (4096, 4096), (4096, 1000)]
    assert [m.p for m in model.classifier if isinstance(m, nn.Dropout)] == [0.5, 0.5]
    assert model(torch.zeros(2, 3, 224, 224)).shape == (2, 1000)


def test_zfnet_parameter_count():
    convs = [(3, 96, 7), (96, 256, 5), (256, 384, 3), (384, 384, 3), (384, 256, 3)]
    fcs = [(6 * 6 * 256, 4096), (4096, 4096), (4096, 1000)]
    expected = sum(i * o * k * k + o for i, o, k in convs) + sum(i * o + o for i, o in fcs)
    assert expected == 62_357_608
    assert sum(p.numel() for p in models.zfnet().parameters()) == expected


def test_alexnet_shapes_single_tower():
    model = models.alexnet()
    shapes = stage_shapes(model.features, torch.zeros(1, 3, 224, 224))
    assert shapes == {
        "conv1": (96, 55, 55), "pool1": (96, 27, 27), "conv2": (256, 27, 27), "pool2": (256, 13, 13),
        "conv3": (384, 13, 13), "conv4": (384, 13, 13), "conv5": (256, 13, 13), "pool5": (256, 6, 6),
    }
    assert model.features[0].kernel_size == (11, 11) and model.features[0].stride == (4, 4)
    assert [type(m).__name__ for m in model.features][:4] == ["Conv2d", "ReLU", "LocalResponseNorm", "MaxPool2d"]
    assert all(m.groups == 1 for m in model.features if isinstance(m, nn.Conv2d))  # dense, no two-tower split


@pytest.mark.parametrize("builder", [models.zf_mini, models.alexnet_mini])
def test_mini_networks_keep_the_8_layer_sequence(builder):
    model = builder()
    kinds = [type(m).__name__ for m in model.features]
    assert kinds.count("Conv2d") == 5 and kinds.count("MaxPool2d") == 3 and kinds.count("LocalResponseNorm") == 2
    assert sum(isinstance(m, nn.Linear) for m in model.classifier) == 3
    assert model(torch.zeros(3, 1, 64, 64)).shape == (3, 10)


def test_mini_networks_have_the_papers_first_layers_and_geometry():
    zf, alex = models.zf_mini().features[0], models.alexnet_mini().features[0]
    assert (zf.kernel_size[0], zf.stride[0]) == (7, 2) and (alex.kernel_size[0], alex.stride[0]) == (11, 4)
    # Both reach layers 3-5 at the same resolution, as in the paper, with maps of at least 6x6.
    zf_shapes = stage_shapes(models.zf_mini().features, torch.zeros(1, 1, 64, 64))
    alex_shapes = stage_shapes(models.alexnet_mini().features, torch.zeros(1, 1, 64, 64))
    assert zf_shapes["conv3"][1:] == alex_shapes["conv3"][1:] and zf_shapes["conv5"][-1] >= 6
    # ZF-mini's layer 3 sees at most half of the input's area, its layer 5 all of it.
    fields = receptive_fields(models.zf_mini().features)
    conv3, conv5 = (fields[i].size for i in models.feature_map_layers(models.zf_mini().features)[2::2])
    assert conv3 ** 2 <= 64 ** 2 / 2 and conv5 >= 64


def count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("spec", [models.ZFNET, models.ZF_MINI, models.ALEXNET_MINI], ids=lambda s: s.name)
def test_every_variant_changes_what_it_says(spec):
    size = spec.input_size
    x = torch.zeros(2, spec.in_channels, size, size)
    base = models.build(spec, 10)
    convs = lambda m: [c.out_channels for c in m.features if isinstance(c, nn.Conv2d)]
    linears = lambda m: [l.out_features for l in m.classifier if isinstance(l, nn.Linear)]
    built = {name: models.build(spec, 10, name) for name in models.VARIANTS}
    for name, model in built.items():
        assert model(x).shape == (2, 10), name
    w = spec.fc_width
    assert convs(built["no-conv34"]) == [c for i, c in enumerate(convs(base)) if i not in (2, 3)]
    assert linears(built["no-fc7"]) == [w, 10]
    assert linears(built["no-fc67"]) == [10]
    assert len(convs(built["no-conv34-fc67"])) == 3 and linears(built["no-conv34-fc67"]) == [10]
    assert linears(built["fc-half"]) == [w // 2, w // 2, 10]
    assert linears(built["fc-double"]) == [2 * w, 2 * w, 10]
    assert convs(built["wide-conv345"])[2:] == list(spec.wide_conv_widths)
    assert convs(built["wide-conv345-fc-double"])[2:] == list(spec.wide_conv_widths)
    assert linears(built["wide-conv345-fc-double"]) == [2 * w, 2 * w, 10]
    # Removing layer 7 removes exactly its w*w + w parameters.
    assert count(base) - count(built["no-fc7"]) == w * w + w
    assert count(built["fc-half"]) < count(base) < count(built["fc-double"]) < count(built["wide-conv345-fc-double"])


def test_unknown_variant_is_one_sentence():
    with pytest.raises(ValueError, match="Unknown variant 'no-fc8'; choose one of base"):
        models.zf_mini(variant="no-fc8")


def test_initialization_is_the_papers():
    torch.manual_seed(0)
    model = models.build(models.ZFNET, 1000, init_std=1e-2)
    weights = torch.cat([m.weight.flatten() for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))])
    assert abs(weights.std().item() - 1e-2) < 1e-4 and abs(weights.mean().item()) < 1e-4
    assert all((m.bias == 0).all() for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))


@pytest.mark.parametrize("size", [5, 4, 1])
def test_local_response_norm_equals_torchs_with_its_gradient(size):
    torch.manual_seed(0)
    x = (torch.randn(3, 7, 5, 4, dtype=torch.float64) * 30).requires_grad_()
    ours, torchs = models.LocalResponseNorm(size, 1e-4, 0.75, 2.0), nn.LocalResponseNorm(size, 1e-4, 0.75, 2.0)
    expected, = torch.autograd.grad(torchs(x).square().sum(), x)
    found, = torch.autograd.grad(ours(x).square().sum(), x)
    assert torch.allclose(ours(x), torchs(x), rtol=1e-12, atol=0)
    assert torch.allclose(found, expected, rtol=1e-10, atol=1e-12)
    built = models.build(models.ZF_MINI, 6)
    assert sum(isinstance(module, models.LocalResponseNorm) for module in built.features) == 2


def test_a_reinitialized_copy_is_the_same_network_untrained_and_seeded():
    trained = models.zf_mini()
    torch.nn.init.constant_(trained.features[0].weight, 1.0)
    fresh, again = (models.reinitialized(trained.features, 0.01, seed=3) for _ in range(2))
    assert [type(m) for m in fresh] == [type(m) for m in trained.features]
    assert torch.equal(fresh[0].weight, again[0].weight) and not torch.equal(fresh[0].weight, trained.features[0].weight)
    weight, bias = fresh[0].weight.detach(), fresh[0].bias.detach()
    assert float(weight.std()) == pytest.approx(0.01, rel=0.2) and float(bias.abs().max()) == 0.0
    assert float(trained.features[0].weight.detach().min()) == 1.0  # the original is untouched
