"""Sections 3 and 4.1 and Fig. 6: without feature-scale clipping "a few of them dominate"; AlexNet's
large-stride first layer leaves "dead" features, and its 2nd layer shows "aliasing artifacts caused by the
large stride 4 used in the 1st layer convolutions", which ZF's smaller stride and filters reduce (fewer
dead features) and remove (layer 2 "cleaner, with no aliasing artifacts")."""

from __future__ import annotations

import statistics
from typing import Sequence

from ..verdicts import Claim, Verdict, difference, direction, not_testable

DOMINANT = 2.0  # a filter "dominates" when its RMS is over twice the median filter's
PAPERS_STRIDE = 4  # AlexNet's first-layer stride, whose dead filters and aliasing the paper shows


def one_feature_dominates(noclip_ratio: float, clipped_ratio: float) -> Claim:
    """Largest over median first-layer filter RMS, trained without and with clipping."""
    holds = noclip_ratio > DOMINANT and noclip_ratio > clipped_ratio
    return Claim("(a) Without feature-scale clipping a few features dominate",
                 f"largest/median filter RMS {noclip_ratio:.2f} without clipping, {clipped_ratio:.2f} with",
                 f"above {DOMINANT:g} without clipping and above the clipped network's",
                 Verdict.REPRODUCED if holds else Verdict.NOT_REPRODUCED)


def fewer_dead_features(dead_alexnet: int, dead_zf: int, alexnet_stride: int) -> Claim:
    claim = "(b, c) ZF's smaller first-layer stride and filters leave fewer dead features"
    measured = f"dead layer-1 maps: AlexNet {dead_alexnet}, ZF {dead_zf}"
    test = "AlexNet's first layer has dead maps and ZF's fewer"
    if dead_alexnet == 0 and alexnet_stride < PAPERS_STRIDE:
        return not_testable(claim, f"AlexNet's first layer has no dead maps at stride {alexnet_stride}: the paper's dead "
                                   f"filters come from its 11×11 filters at stride {PAPERS_STRIDE}", measured, test)
    return Claim(claim, measured, test, Verdict.REPRODUCED if dead_zf < dead_alexnet else Verdict.NOT_REPRODUCED)


def less_aliasing(aliased_alexnet: Sequence[float], aliased_zf: Sequence[float], zf_stride: int) -> Claim:
    """Per first-layer filter, the percent of its energy above the Nyquist frequency of its layer's output
    grid: a proxy, measured on the filters, for the aliasing the paper sees in layer 2."""
    claim = "AlexNet's large first-layer stride aliases (its filters' energy above the stride's Nyquist frequency); ZF's less"
    less = difference(aliased_zf, aliased_alexnet)
    measured = (f"filter energy above the output grid's Nyquist frequency, mean over the filters: AlexNet "
                f"{statistics.fmean(aliased_alexnet):.1f} %, ZF {statistics.fmean(aliased_zf):.1f} %; ZF minus AlexNet {less.text(' %')}")
    test = "ZF's share significantly below AlexNet's (Welch over the filters)"
    if zf_stride == 1:
        return not_testable(claim, "ZF's first layer has stride 1 at this profile, which cannot alias: its 0 % holds by "
                                   "construction", measured, test)
    return Claim(claim, measured, test, direction(less, "negative"))


def cleaner_layer2(grid_alexnet: Sequence[float], grid_zf: Sequence[float], stride: int) -> Claim:
    """Per live layer-2 map, the percent of its strongest projection's energy at AlexNet's stride grid."""
    less = difference(grid_zf, grid_alexnet)
    return Claim("(d, e) ZF's layer-2 features are cleaner, without AlexNet's aliasing artifacts",
                 f"energy at the {stride}-pixel grid, ZF minus AlexNet: {less.text(' %')}",
                 "ZF's share significantly below AlexNet's (Welch over the live maps)", direction(less, "negative"))
