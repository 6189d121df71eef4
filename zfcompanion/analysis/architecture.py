"""Fig. 3: the layers of a network as a table, computed by running a tensor through it."""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

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
