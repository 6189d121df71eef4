"""The paper's networks: ZFNet (Fig. 3), AlexNet as one dense tower, their mini versions, and
the architectural variants of Tables 2 and 3, all built by one builder from a `NetSpec`.

Every network has the same 8-layer sequence of operations:

    conv1 ReLU [pool norm]   conv2 ReLU [pool norm]   conv3 ReLU   conv4 ReLU   conv5 ReLU pool
    fc6 ReLU dropout   fc7 ReLU dropout   fc8 (softmax in the loss)

ZFNet pools before it normalizes (Fig. 3's caption); Krizhevsky et al. normalize, then pool.
`.features` holds the convolutional part as an `nn.Sequential`, `.classifier` the rest.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import torch
from torch import nn


@dataclass(frozen=True)
class Conv:
    out_channels: int
    kernel: int
    stride: int = 1
    padding: int = 0


@dataclass(frozen=True)
class Pool:
    kernel: int = 3
    stride: int = 2
    padding: int = 0


@dataclass(frozen=True)
class NetSpec:
    """One architecture: five conv layers, pools after layers 1, 2 and 5, two hidden fc layers."""

    name: str
    in_channels: int
    input_size: int
    convs: tuple[Conv, Conv, Conv, Conv, Conv]
    pools: tuple[Pool, Pool, Pool]  # after conv layers 1, 2 and 5
    fc_width: int
    wide_conv_widths: tuple[int, int, int]  # layers 3, 4, 5 of Table 2 (b) / Table 3
    norm_before_pool: bool = False
    dropout: float = 0.5
    # Krizhevsky et al.'s local response normalization across feature maps; None: no normalization.
    lrn: tuple[int, float, float, float] | None = (5, 1e-4, 0.75, 2.0)  # size, alpha, beta, k


@dataclass(frozen=True)
class Variant:
    """An architectural change of Tables 2 and 3; the default is the unchanged network."""

    removed_layers: frozenset[int] = field(default_factory=frozenset)  # among 3, 4, 6, 7
    fc_scale: float = 1.0  # width of fc6/fc7 relative to the spec
    wide_conv: bool = False  # layers 3-5 at the spec's wide widths


VARIANTS: dict[str, Variant] = {
    "base": Variant(),
    "no-conv34": Variant(removed_layers=frozenset({3, 4})),
    "no-fc7": Variant(removed_layers=frozenset({7})),
    "no-fc67": Variant(removed_layers=frozenset({6, 7})),
    "no-conv34-fc67": Variant(removed_layers=frozenset({3, 4, 6, 7})),
    "fc-half": Variant(fc_scale=0.5),
    "fc-double": Variant(fc_scale=2.0),
    "wide-conv345": Variant(wide_conv=True),
    "wide-conv345-fc-double": Variant(wide_conv=True, fc_scale=2.0),
}

# Fig. 3: 224x224x3 -> 96@110 -> pool 55 -> 256@26 -> pool 13 -> 384, 384, 256 @13 -> pool 6.
ZFNET = NetSpec(
    name="zf",
    in_channels=3,
    input_size=224,
    convs=(Conv(96, 7, 2, 1), Conv(256, 5, 2, 0), Conv(384, 3, 1, 1), Conv(384, 3, 1, 1), Conv(256, 3, 1, 1)),
    pools=(Pool(3, 2, 1), Pool(3, 2, 1), Pool(3, 2, 0)),
    fc_width=4096,
    wide_conv_widths=(512, 1024, 512),
)

# Krizhevsky et al. (2012) as one dense tower: 96@55 (11x11 stride 4) -> 27 -> 256@27 -> 13 -> 6.
ALEXNET = NetSpec(
    name="alexnet",
    in_channels=3,
    input_size=224,
    convs=(Conv(96, 11, 4, 2), Conv(256, 5, 1, 2), Conv(384, 3, 1, 1), Conv(384, 3, 1, 1), Conv(256, 3, 1, 1)),
    pools=(Pool(3, 2, 0), Pool(3, 2, 0), Pool(3, 2, 0)),
    fc_width=4096,
    wide_conv_widths=(512, 1024, 512),
    norm_before_pool=True,
)

# torchvision's ImageNet-pretrained AlexNet (the one-tower version of Krizhevsky's "one weird
# trick" paper): 64-192-384-256-256 maps and no normalization. `checkpoints.import_torchvision`
# copies its weights into this spec, so that every tool here reads it like a network we trained.
ALEXNET_TORCHVISION = NetSpec(
    name="alexnet-torchvision",
    in_channels=3,
    input_size=224,
    convs=(Conv(64, 11, 4, 2), Conv(192, 5, 1, 2), Conv(384, 3, 1, 1), Conv(256, 3, 1, 1), Conv(256, 3, 1, 1)),
    pools=(Pool(3, 2, 0), Pool(3, 2, 0), Pool(3, 2, 0)),
    fc_width=4096,
    wide_conv_widths=(512, 1024, 512),
    lrn=None,
)

# The same two designs on the mini profile's 64x64 grey scene crops, with the paper's first layers:
# ZF-mini 7x7 at stride 2, AlexNet-mini 11x11 at stride 4, and the paper's normalization and 3x3
# stride-2 pooling. The paper reaches layers 3-5 at stride 16 (13x13 maps of 224); at 64 that would
# leave 4x4 maps, so each mini network drops one of its stride-2 stages (ZF-mini layer 2's stride,
# AlexNet-mini the second pooling's) and reaches layers 3-5 at stride 8, on 8x8 maps. Layer 2 uses
# 3x3 filters (the paper's 5x5 would make layer 3 see 51 of 64 pixels): ZF-mini's layers 1-5 then see
# 7, 19, 43, 59 and 75 pixels (receptive_field.py), layer 3 under half of the crop's area and layer 5
# all of it. The wide variant scales layers 3-5 by the paper's ratios (512/384, 1024/384, 512/256).
ZF_MINI = NetSpec(
    name="zf-mini",
    in_channels=1,
    input_size=64,
    convs=(Conv(32, 7, 2, 3), Conv(64, 3, 1, 1), Conv(128, 3, 1, 1), Conv(128, 3, 1, 1), Conv(96, 3, 1, 1)),
    pools=(Pool(3, 2, 1), Pool(3, 2, 1), Pool(3, 2, 1)),
    fc_width=256,
    wide_conv_widths=(168, 336, 192),
)

ALEXNET_MINI = NetSpec(
    name="alexnet-mini",
    in_channels=1,
    input_size=64,
    convs=(Conv(32, 11, 4, 5), Conv(64, 3, 1, 1), Conv(128, 3, 1, 1), Conv(128, 3, 1, 1), Conv(96, 3, 1, 1)),
    pools=(Pool(3, 2, 1), Pool(3, 1, 1), Pool(3, 2, 1)),
    fc_width=256,
    wide_conv_widths=(168, 336, 192),
    norm_before_pool=True,
)

SPECS: dict[str, NetSpec] = {spec.name: spec for spec in (ZFNET, ALEXNET, ALEXNET_TORCHVISION, ZF_MINI, ALEXNET_MINI)}


class ConvNet(nn.Module):
    """`features` (conv layers 1-5) followed by `classifier` (fc6, fc7, fc8)."""

    def __init__(self, features: nn.Sequential, classifier: nn.Sequential) -> None:
        super().__init__()
        self.features = features
        self.classifier = classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(x), 1))


def _conv_widths(spec: NetSpec, variant: Variant) -> list[int]:
    widths = [conv.out_channels for conv in spec.convs]
    if variant.wide_conv:
        widths[2:5] = spec.wide_conv_widths
    return widths


class LocalResponseNorm(nn.LocalResponseNorm):
    """Krizhevsky et al.'s normalization across feature maps, as torch's, with the sum of squares over
    each window of `size` maps computed as a 1x1 convolution with a band of ones instead of torch's
    padded avg_pool3d: the same numbers to rounding (tests/test_models.py), and 1.7-2.5x faster to
    train the mini networks on a CPU, where avg_pool3d and its backward were half of every step."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        maps = torch.arange(x.shape[1], device=x.device)
        offset = maps[None, :] - maps[:, None]  # input map minus output map
        band = ((offset >= -(self.size // 2)) & (offset <= (self.size - 1) // 2)).to(x.dtype)
        squares = nn.functional.conv2d(x * x, band[:, :, None, None])
        if squares.dtype in (torch.bfloat16, torch.float16):  # under autocast: divide in fp32, as torch's does
            squares = squares.float()
        return x / (self.k + self.alpha / self.size * squares).pow(self.beta)


def _features(spec: NetSpec, variant: Variant) -> nn.Sequential:
    layers: list[nn.Module] = []
    in_channels = spec.in_channels
    widths = _conv_widths(spec, variant)
    for number, (conv, width) in enumerate(zip(spec.convs, widths), start=1):
        if number in variant.removed_layers:
            continue
        layers += [nn.Conv2d(in_channels, width, conv.kernel, conv.stride, conv.padding), nn.ReLU(inplace=True)]
        in_channels = width
        if number in (1, 2, 5):
            pool = spec.pools[(1, 2, 5).index(number)]
            pooling = nn.MaxPool2d(pool.kernel, pool.stride, pool.padding)
            if number == 5 or spec.lrn is None:
                layers.append(pooling)
            else:
                norm = LocalResponseNorm(*spec.lrn)
                layers += [norm, pooling] if spec.norm_before_pool else [pooling, norm]
    return nn.Sequential(*layers)


def _classifier(spec: NetSpec, variant: Variant, in_features: int, num_classes: int) -> nn.Sequential:
    width = round(spec.fc_width * variant.fc_scale)
    layers: list[nn.Module] = []
    for number in (6, 7):
        if number in variant.removed_layers:
            continue
        layers += [nn.Linear(in_features, width), nn.ReLU(inplace=True), nn.Dropout(spec.dropout)]
        in_features = width
    layers.append(nn.Linear(in_features, num_classes))
    return nn.Sequential(*layers)


def normal_draw(shape: torch.Size, std: float, generator: torch.Generator) -> torch.Tensor:
    """N(0, std²) values drawn in float64: torch draws float32 normals with kernels that differ from CPU
    to CPU, float64 ones alike, so a seeded control network is the same everywhere once rounded."""
    return torch.empty(shape, dtype=torch.float64).normal_(0.0, std, generator=generator)


def reinitialized(model: nn.Module, std: float, seed: int) -> nn.Module:
    """A copy of `model` (on the CPU) with the paper's initialization drawn afresh from `seed` (in
    float64, `normal_draw`): the same network untrained."""
    generator = torch.Generator().manual_seed(seed)
    fresh = copy.deepcopy(model).cpu()
    with torch.no_grad():
        for module in fresh.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                module.weight.copy_(normal_draw(module.weight.shape, std, generator))
                nn.init.zeros_(module.bias)
    return fresh


def init_weights(model: nn.Module, std: float) -> None:
    """The paper's initialization: every weight N(0, std²), every bias 0."""
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.normal_(module.weight, 0.0, std)
            nn.init.zeros_(module.bias)


def build(spec: NetSpec, num_classes: int, variant: str = "base", init_std: float = 1e-2) -> ConvNet:
    """Build `spec` with one of the `VARIANTS`, initialized as the paper."""
    if variant not in VARIANTS:
        raise ValueError(f"Unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}.")
    change = VARIANTS[variant]
    features = _features(spec, change)
    with torch.no_grad():
        probe = torch.zeros(1, spec.in_channels, spec.input_size, spec.input_size)
        flat = features(probe).numel()
    model = ConvNet(features, _classifier(spec, change, flat, num_classes))
    init_weights(model, init_std)
    return model


def zfnet(num_classes: int = 1000, variant: str = "base") -> ConvNet:
    """ZFNet exactly as the paper's Fig. 3."""
    return build(ZFNET, num_classes, variant)


def alexnet(num_classes: int = 1000, variant: str = "base") -> ConvNet:
    """Krizhevsky et al.'s AlexNet as one dense tower (the paper's 'replication')."""
    return build(ALEXNET, num_classes, variant)


def zf_mini(num_classes: int = 10, variant: str = "base") -> ConvNet:
    return build(ZF_MINI, num_classes, variant)


def alexnet_mini(num_classes: int = 10, variant: str = "base") -> ConvNet:
    return build(ALEXNET_MINI, num_classes, variant)



def pooling_layers(features: nn.Sequential) -> list[int]:
    """The index in `features` of each max pooling, in order."""
    return [index for index, module in enumerate(features) if isinstance(module, nn.MaxPool2d)]


def feature_map_layers(features: nn.Sequential) -> list[int]:
    """The index in `features` of each conv layer's rectified feature maps (the ReLU after conv n):
    what the paper calls "layer n" when it visualizes features."""
    return [index + 1 for index, module in enumerate(features)
            if isinstance(module, nn.Conv2d) and isinstance(features[index + 1], nn.ReLU)]


@torch.no_grad()
def layer_vectors(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per image, the flattened rectified output of layer 1 and layer 5 (conv1's and conv5's maps) and
    of layer 7 (fc7), and the class probabilities."""
    features, classifier = model.features, model.classifier
    relu1, relu5 = feature_map_layers(features)[0], feature_map_layers(features)[-1]
    layer1 = features[: relu1 + 1](x)
    layer5 = features[relu1 + 1 : relu5 + 1](layer1)
    hidden = torch.flatten(features[relu5 + 1 :](layer5), 1)
    relus = [i for i, m in enumerate(classifier) if isinstance(m, nn.ReLU)]
    layer7 = classifier[: relus[-1] + 1](hidden)
    return {"layer 1": layer1.flatten(1), "layer 5": layer5.flatten(1), "layer 7": layer7,
            "probabilities": classifier[relus[-1] + 1 :](layer7).softmax(1)}
