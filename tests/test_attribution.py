"""Gradient and guided backpropagation against captum's (on ZF-mini with its normalization layers),
the three methods' ReLU rules, and the model-randomization check's parts."""

import pytest
import torch
from captum.attr import NeuronDeconvolution, NeuronGradient, NeuronGuidedBackprop
from scipy import stats
from torch import nn

from zfcompanion import models
from zfcompanion.analysis import attribution
from zfcompanion.errors import UserError

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def out_of_place(features: nn.Sequential) -> nn.Sequential:
    return nn.Sequential(*[nn.ReLU() if isinstance(m, nn.ReLU) else m for m in features]).eval()


@pytest.mark.parametrize("method, oracle", [("gradient", NeuronGradient), ("guided backprop", NeuronGuidedBackprop)])
def test_gradient_and_guided_backprop_equal_captum(method, oracle):
    torch.manual_seed(0)
    features = models.build(models.ZF_MINI, 10, init_std=3e-2).features.eval()
    x = torch.randn(2, 1, 28, 28) * 50
    for layer in models.feature_map_layers(features)[1::2]:  # layers 2 and 4
        output = features[: layer + 1](x)
        channel, row, col = (int(v) for v in (output > 0).all(0).nonzero()[0])
        ours = attribution.picture(features, x, layer, channel, (row, col), method)
        reference = out_of_place(features)
        theirs = oracle(reference, reference[layer]).attribute(x, neuron_selector=(channel, row, col))
        theirs = theirs * output[:, channel, row, col].view(-1, 1, 1, 1)
        assert ours.abs().max() > 0
        assert torch.allclose(ours, theirs.detach(), atol=1e-5, rtol=1e-4)


def test_the_three_methods_differ_only_in_the_relu_rule():
    """On a network without normalization the deconvnet equals captum's; guided backpropagation is
    zero wherever either the gradient or the deconvnet's rule would block the signal."""
    torch.manual_seed(1)
    features = out_of_place(models.build(models.ZF_MINI, 10, init_std=3e-2).features)
    features = nn.Sequential(*[m for m in features if not isinstance(m, nn.LocalResponseNorm)]).eval()
    x = torch.randn(3, 1, 28, 28) * 50
    layer = models.feature_map_layers(features)[2]
    output = features[: layer + 1](x)
    channel, row, col = (int(v) for v in (output > 0).all(0).nonzero()[0])
    deconv = attribution.picture(features, x, layer, channel, (row, col), "deconvnet")
    theirs = NeuronDeconvolution(features, features[layer]).attribute(x, neuron_selector=(channel, row, col))
    assert torch.allclose(deconv, theirs.detach() * output[:, channel, row, col].view(-1, 1, 1, 1), atol=1e-5, rtol=1e-4)
    gradient = attribution.picture(features, x, layer, channel, (row, col), "gradient")
    assert not torch.allclose(gradient, deconv, atol=1e-3)


def test_randomizing_reinitializes_exactly_the_layers_from_the_chosen_one_up():
    features = models.build(models.ZF_MINI, 10, init_std=3e-2).features
    net = attribution.randomized(features, 3, seed=0)
    convs = attribution.conv_layers(features)
    for number, index in enumerate(convs, start=1):
        same = torch.equal(net[index].weight, features[index].weight)
        assert same == (number < 3)
        if number >= 3:
            assert float(net[index].weight.std()) == pytest.approx(float(features[index].weight.std()), rel=0.05)
            assert not net[index].bias.any()


def test_rank_similarity_is_spearmans_correlation_of_magnitudes():
    torch.manual_seed(2)
    a, b = torch.randn(4, 1, 5, 5), torch.randn(4, 1, 5, 5)
    ours = attribution.rank_similarity(a, b)
    for item in range(4):
        expected = stats.spearmanr(a[item].abs().flatten(), b[item].abs().flatten()).correlation
        assert float(ours[item]) == pytest.approx(expected, abs=1e-6)
    assert torch.allclose(attribution.rank_similarity(a, -3 * a), torch.ones(4))
    # pixels blank in both pictures are left out (they would agree by construction); a blank picture shares nothing
    a[:, :, :2], b[:, :, :2] = 0.0, 0.0
    kept = a[0].abs().flatten()[10:], b[0].abs().flatten()[10:]
    assert float(attribution.rank_similarity(a, b)[0]) == pytest.approx(stats.spearmanr(*kept).statistic, abs=1e-6)
    assert float(attribution.rank_similarity(a, torch.zeros_like(a))[0]) == 0.0


def test_randomization_check_has_one_row_per_stage_and_method():
    torch.manual_seed(3)
    features = models.build(models.ZF_MINI, 10, init_std=3e-2).features.eval()
    x = torch.randn(2, 1, 28, 28) * 50
    layer = models.feature_map_layers(features)[1]  # layer 2: stages random from conv 2, then from conv 1
    table = attribution.randomization_check(features, x, layer, torch.tensor([0, 1]), torch.tensor([[1, 1], [2, 2]]))
    assert list(table["random from conv"]) == [2, 2, 2, 1, 1, 1]
    assert set(table.method) == set(attribution.METHODS)
    assert table["rank similarity"].between(-1, 1).all()


def test_unknown_method_is_one_sentence():
    features = models.zf_mini().features
    with pytest.raises(UserError, match="Unknown method 'saliency': choose one of deconvnet, gradient, guided backprop"):
        attribution.picture(features, torch.zeros(1, 1, 28, 28), 1, 0, (0, 0), "saliency")


def test_the_reading_of_the_deconvnet_follows_its_similarity_with_random_weights():
    import pandas as pd

    from zfcompanion.analysis.attribution import deconvnet_reading

    assert "show the input's edges more than the learned unit" in deconvnet_reading(pd.Series({"deconvnet": 0.7, "gradient": 0.1}), 0.2)
    assert "though less than the gradient does" in deconvnet_reading(pd.Series({"deconvnet": 0.3, "gradient": 0.1}), 0.2)
    assert "at least as much as the gradient's" in deconvnet_reading(pd.Series({"deconvnet": 0.1, "gradient": 0.3}), 0.2)
    # the switches-only control: random filters below the image's own switches redraw most of the picture
    assert "not what the unit learned, sets most" in deconvnet_reading(pd.Series({"deconvnet": 0.1, "gradient": 0.3}), 0.6)
    assert "part of what they show" in deconvnet_reading(pd.Series({"deconvnet": 0.1, "gradient": 0.3}), 0.2)
