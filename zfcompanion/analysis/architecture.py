"""Fig. 3: the layers of a network as a table, computed by running a tensor through it."""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from .. import verdicts
from ..models import ConvNet, NetSpec, build
from ..receptive_field import receptive_fields

KIND_NAMES = {nn.Conv2d: "conv", nn.ReLU: "relu", nn.MaxPool2d: "pool", nn.LocalResponseNorm: "norm",
              nn.Linear: "fc", nn.Dropout: "dropout"}


def layer_names(model: ConvNet) -> list[str]:
    """Paper-style names for `features` then `classifier`: conv1, relu1, pool1, norm1, ..., fc6, ..., fc8."""
    names, number = [], 0
    for module in [*model.features, *model.classifier]:
        kind = next(name for kind, name in KIND_NAMES.items() if isinstance(module, kind))
        if kind == "conv":
            number += 1
        elif kind == "fc":
            number = max(number, 5) + 1
        names.append(f"{kind}{number}")
    return names


def layer_table(spec: NetSpec, num_classes: int) -> pd.DataFrame:
    """One row per layer: output shape, parameters, and the receptive field (size, stride) of its units."""
    model = build(spec, num_classes).eval()
    fields = receptive_fields(model.features)
    rows, x = [], torch.zeros(1, spec.in_channels, spec.input_size, spec.input_size)
    with torch.no_grad():
        for index, (name, module) in enumerate(zip(layer_names(model), [*model.features, *model.classifier])):
            if index == len(model.features):
                x = torch.flatten(x, 1)
            x = module(x)
            field = fields[index] if index < len(fields) else None
            rows.append({
                "layer": name,
                "output": "×".join(str(size) for size in x.shape[1:]),
                "parameters": sum(p.numel() for p in module.parameters()),
                "receptive field": field.size if field else "whole image",
                "field stride": field.stride if field else "",
            })
    return pd.DataFrame(rows)

def implementation_checks(paper: pd.DataFrame, built: dict[str, str], tables: dict[str, pd.DataFrame],
                          zf_mini: NetSpec, alexnet_mini: NetSpec) -> list[verdicts.Check]:
    """Fig. 3's shapes as checks of the implementation: the paper's output shapes (`paper`'s "layer"
    and "paper" columns) against this build's (`built`), fc6's input size, the first layers' filters,
    and the mini networks' geometry (`tables` from `layer_table`, by network name)."""
    checks = []
    for layer in ["conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool5"]:
        row = paper.set_index("layer").loc[layer]
        checks.append(verdicts.check(f"{layer} gives {row['paper']} feature maps", f"{layer}: {built[layer]}",
                                   row["paper"] == built[layer]))
    maps, side, _ = (int(value) for value in built["pool5"].split("×"))
    fc6_inputs = maps * side ** 2
    checks.append(verdicts.check("fc6 takes 6 · 6 · 256 = 9216 dimensions", f"{fc6_inputs} inputs to fc6", fc6_inputs == 9216))
    mini_zf, mini_alex = zf_mini.convs[0], alexnet_mini.convs[0]
    checks.append(verdicts.check("ZF's first layer uses smaller filters at a smaller stride than AlexNet's, at mini scale too",
                               f"mini: {mini_zf.kernel}×{mini_zf.kernel}/{mini_zf.stride} against "
                               f"{mini_alex.kernel}×{mini_alex.kernel}/{mini_alex.stride}",
                               mini_zf.kernel < mini_alex.kernel and mini_zf.stride < mini_alex.stride))
    # The mini scale's own geometry: layers 3-5 keep maps of at least 6×6, ZF-mini's layer 3 sees at
    # most half of the input's area and its layer 5 all of it.
    side = zf_mini.input_size
    for name in ("ZF-mini", "AlexNet-mini"):
        mini = tables[name].set_index("layer")
        smallest = min(int(mini.loc[layer, "output"].split("×")[-1]) for layer in ("conv3", "conv4", "conv5"))
        checks.append(verdicts.check(f"{name}'s layers 3-5 keep maps of at least 6×6", f"smallest {smallest}×{smallest}", smallest >= 6))
    mini_zf_table = tables["ZF-mini"].set_index("layer")
    field3, field5 = int(mini_zf_table.loc["conv3", "receptive field"]), int(mini_zf_table.loc["conv5", "receptive field"])
    checks.append(verdicts.check(f"ZF-mini's layer 3 sees at most half of the {side}×{side} input's area, layer 5 all of it",
                               f"layer 3: {field3}×{field3} px ({field3 ** 2 / side ** 2:.0%} of the area); layer 5: {field5}×{field5} px",
                               field3 ** 2 <= side ** 2 / 2 and field5 >= side))
    return checks
