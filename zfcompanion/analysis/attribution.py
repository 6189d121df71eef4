"""Three pictures of one activation: the deconvnet, the plain gradient and guided backpropagation,
and a model-randomization check of how much each picture owes to what the network learned.

The three differ in how the signal passes a ReLU on the way down (Springenberg et al., 2015): the
gradient keeps it where the forward input was positive, the deconvnet where the signal itself is
positive, guided backpropagation where both hold. Max-pooling and convolution go down alike (the
switches, the transposed filters). Gradient and guided backpropagation here are autograd through the
real network, normalization included; the deconvnet passes normalization over (`deconvnet.py`). Every
picture starts from the activation's value, as the deconvnet's projection does.

The check (Adebayo et al., 2018, "Sanity checks for saliency maps") re-initializes the network's
conv layers from the visualized layer down, one more at each stage, and measures how similar each
method's pictures of the same activations stay (Spearman rank correlation of their absolute values).
A picture that stays similar once the weights are random shows the input more than the learned unit.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import torch
from scipy import stats
from torch import nn

from ..deconvnet import DeconvNet
from ..errors import UserError
from ..models import normal_draw
from ..receptive_field import receptive_fields

METHODS = ("deconvnet", "gradient", "guided backprop")


def _autograd_copy(features: nn.Sequential, guided: bool) -> nn.Sequential:
    """A copy with out-of-place ReLUs (backward hooks need them); guided: each ReLU's backward also
    keeps only the positive part of the signal."""
    net = nn.Sequential(*[nn.ReLU() if isinstance(m, nn.ReLU) else m for m in copy.deepcopy(features)]).eval()
    if guided:
        for module in net:
            if isinstance(module, nn.ReLU):
                module.register_full_backward_hook(lambda _, grad_input, __: (grad_input[0].clamp(min=0),))
    return net


def picture(features: nn.Sequential, x: torch.Tensor, layer: int, channel, position, method: str) -> torch.Tensor:
    """One picture per image of the activation of `channel` at `position` (row, col) in the output of
    `features[layer]`; `channel` an int or N ints, `position` a pair or an (N, 2) tensor."""
    if method not in METHODS:
        raise UserError(f"Unknown method {method!r}: choose one of {', '.join(METHODS)}.")
    if method == "deconvnet":
        return DeconvNet(features).project(x, layer, channel, position)
    net = _autograd_copy(features, guided=method == "guided backprop")
    x = x.detach().clone().requires_grad_(True)
    output = net[: layer + 1](x)
    rows = torch.arange(len(x))
    channel = torch.as_tensor(channel).expand(len(x))
    position = torch.as_tensor(position).expand(len(x), 2)
    unit = output[rows, channel, position[:, 0], position[:, 1]]
    (gradient,) = torch.autograd.grad(unit.sum(), x)
    return gradient * unit.detach().view(-1, *[1] * (x.dim() - 1))


def conv_layers(features: nn.Sequential) -> list[int]:
    return [index for index, module in enumerate(features) if isinstance(module, nn.Conv2d)]


def randomized(features: nn.Sequential, lowest_conv: int, seed: int) -> nn.Sequential:
    """A copy whose conv layers from number `lowest_conv` (1-based) up to the top are re-initialized:
    weights normal with each layer's own trained standard deviation, biases zero."""
    net = copy.deepcopy(features)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for number, index in enumerate(conv_layers(net), start=1):
            if number >= lowest_conv:
                conv = net[index]
                std = float(conv.weight.double().std())
                conv.weight.copy_(normal_draw(conv.weight.shape, std, generator))
                conv.bias.zero_()
    return net


def rank_similarity(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per item (first dimension), the Spearman rank correlation of |a| and |b| over the values where
    either is non-zero (pixels blank in both, such as those no switch reaches, would agree by
    construction), tied values sharing their average rank; 0 where a picture is blank or flat there
    (nothing of the other survives in it)."""
    result = []
    for x, y in zip(a.abs().flatten(1).double().numpy(), b.abs().flatten(1).double().numpy()):
        kept = (x != 0) | (y != 0)
        x, y = x[kept], y[kept]
        flat = len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0
        result.append(0.0 if flat else float(stats.spearmanr(x, y).statistic))
    return torch.tensor(result, dtype=torch.float32)


def _within_fields(features: nn.Sequential, layer: int, position: torch.Tensor, input_size: int):
    """For each activation, the slice of the input its receptive field covers (clipped at the border)."""
    field = receptive_fields(features)[layer]
    boxes = [field.box(row, col, input_size) for row, col in position.tolist()]
    return [(..., slice(top, bottom), slice(left, right)) for top, left, bottom, right in boxes]


def randomization_check(features: nn.Sequential, x: torch.Tensor, layer: int, channel: torch.Tensor,
                        position: torch.Tensor, seed: int = 0) -> pd.DataFrame:
    """For each stage (conv layers from k up to the visualized layer re-initialized, k going down to 1)
    and each method: the mean and std over the activations of the rank similarity between the trained
    network's pictures and the randomized one's, within each activation's receptive field (outside it
    every picture is zero). The activations (image, channel, position) stay those chosen on the trained
    network."""
    below = [number for number, index in enumerate(conv_layers(features), start=1) if index <= layer]
    fields = _within_fields(features, layer, position, x.shape[-1])
    trained = {method: picture(features, x, layer, channel, position, method) for method in METHODS}
    rows = []
    for lowest in reversed(below):
        net = randomized(features, lowest, seed)
        for method in METHODS:
            pictures = picture(net, x, layer, channel, position, method)
            similarity = torch.cat([rank_similarity(trained[method][i : i + 1][box], pictures[i : i + 1][box])
                                    for i, box in enumerate(fields)])
            rows.append({"random from conv": lowest, "method": method, "rank similarity": float(similarity.mean()),
                         "std": float(similarity.std())})
    return pd.DataFrame(rows)


def switches_only_similarity(features: nn.Sequential, x: torch.Tensor, layer: int, channel: torch.Tensor,
                             position: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """Per activation, the rank similarity (within its receptive field) between the deconvnet's picture
    and the switches-only control's: the same image's switches, every filter on the way down random
    (`randomized` from conv1). Near 1: the switches alone set the picture."""
    fields = _within_fields(features, layer, position, x.shape[-1])
    real = DeconvNet(features).project(x, layer, channel, position)
    control = DeconvNet(features, down=randomized(features, 1, seed)).project(x, layer, channel, position)
    return torch.cat([rank_similarity(real[i : i + 1][box], control[i : i + 1][box]) for i, box in enumerate(fields)])


def deconvnet_reading(similarity: "pd.Series", switches: float) -> str:
    """How far to trust the deconvnet's layer-5 pictures, from each method's rank similarity to its own
    trained pictures once every conv layer is random (`similarity`, indexed by method): high, they show
    the input more than the unit; lower than the gradient's, they depend on the weights but less; and
    from the similarity to the switches-only control (`switches`): what the image's switches draw alone."""
    deconv = similarity["deconvnet"]
    if deconv >= 0.5:
        weights = ("The deconvnet's layer-5 pictures keep most of their structure with every weight random: they show "
                   "the input's edges more than the learned unit; trust them for where a unit looks, not for what it learned.")
    elif deconv > similarity["gradient"]:
        weights = (f"The deconvnet's layer-5 pictures lose most of their structure once the weights are random (similarity "
                   f"{deconv:.2f}), so they do depend on what the network learned, though less than the gradient does.")
    else:
        weights = (f"The deconvnet's layer-5 pictures depend on the weights at least as much as the gradient's "
                   f"(similarity {deconv:.2f} with every weight random).")
    kept = (f" With the image's own switches kept and every filter random, the pictures keep a rank similarity of "
            f"{switches:.2f} to the real ones")
    if switches >= 0.5:
        return weights + kept + ": where the image's maxima were, not what the unit learned, sets most of what they show."
    return weights + kept + (": part of what they show is where the image's maxima were; read their shape as the "
                             "unit's, their fine texture with care.")
