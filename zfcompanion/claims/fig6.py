"""Sections 3 and 4.1 and Fig. 6: without feature-scale clipping "a few of them dominate"; AlexNet's
large-stride first layer leaves "dead" features, and its 2nd layer shows "aliasing artifacts caused by the
large stride 4 used in the 1st layer convolutions", which ZF's smaller stride and filters reduce (fewer
dead features) and remove (layer 2 "cleaner, with no aliasing artifacts")."""

from __future__ import annotations

import statistics
from typing import Mapping, Sequence

from . import states
from ..verdicts import Claim, Difference, Verdict, at_least, at_most, difference, difference_of_differences, direction, every, not_testable

DOMINANT = 2.0  # a filter "dominates" when its RMS is over twice the median filter's
PAPERS_STRIDE = 4  # AlexNet's first-layer stride, whose dead filters and aliasing the paper shows


@states("fig6.dominate")
def one_feature_dominates(noclip: Difference, clipped: Difference) -> Claim:
    """Largest over median first-layer filter RMS, with its bootstrap interval over the filters
    (`filters.dominance`), trained without and with clipping (the control: the same training with
    clipping, which should leave no filter dominant)."""
    return Claim("(a) Without feature-scale clipping a few features dominate",
                 f"largest/median filter RMS {_ratio(noclip)} without clipping, {_ratio(clipped)} with",
                 f"without clipping the interval above {DOMINANT:g}; with clipping below it",
                 _dominates(noclip, clipped))


def _ratio(found: Difference) -> str:
    return f"{found.mean:.2f} [{found.low:.2f}, {found.high:.2f}]"


def _dominates(noclip: Difference, clipped: Difference) -> Verdict:
    return every([at_least(noclip, DOMINANT), at_most(clipped, DOMINANT)])


@states("fig6.dead")
def fewer_dead_features(dead_alexnet: int, dead_zf: int, dead_alexnet_untrained: int, alexnet_stride: int) -> Claim:
    """Dead first-layer maps of each trained network, and of AlexNet untrained (the control: maps dead
    before any training are the input's or the initialization's doing, not the large stride's)."""
    claim = "(b, c) ZF's smaller first-layer stride and filters leave fewer dead features"
    measured = f"dead layer-1 maps: AlexNet {dead_alexnet} (untrained {dead_alexnet_untrained}), ZF {dead_zf}"
    test = "AlexNet's first layer has dead maps, more than untrained, and ZF's fewer"
    if dead_alexnet == 0 and alexnet_stride < PAPERS_STRIDE:
        return not_testable(claim, f"AlexNet's first layer has no dead maps at stride {alexnet_stride}: the paper's dead "
                                   f"filters come from its 11×11 filters at stride {PAPERS_STRIDE}", measured, test)
    holds = dead_zf < dead_alexnet and dead_alexnet > dead_alexnet_untrained
    return Claim(claim, measured, test, Verdict.REPRODUCED if holds else Verdict.NOT_REPRODUCED)


def less_aliasing(alexnet: Sequence[float], alexnet_untrained: Sequence[float], zf: Sequence[float],
                  zf_untrained: Sequence[float], alexnet_stride: int) -> Claim:
    """Per first-layer filter, the percent of its energy above the Nyquist frequency of AlexNet's output
    grid, for each network trained and untrained: one band for both networks, and the untrained filters
    as the control (random filters spread their energy evenly, most of it in that band). This project's
    reading of Section 4.1, measured on the filters: the paper sees the aliasing in layer 2."""
    claim = ("Training leaves AlexNet's first-layer filters with more energy above its stride's Nyquist frequency "
             "than ZF's, beyond what untrained filters hold")
    less = difference_of_differences(zf, zf_untrained, alexnet, alexnet_untrained)
    mean = statistics.fmean
    measured = (f"filter energy above 1/{2 * alexnet_stride} cycle per pixel, mean over the filters, trained (untrained): "
                f"AlexNet {mean(alexnet):.1f} % ({mean(alexnet_untrained):.1f} %), ZF {mean(zf):.1f} % ({mean(zf_untrained):.1f} %); "
                f"ZF's change by training minus AlexNet's {less.text(' %')}")
    return Claim(claim, measured, "ZF's change by training significantly below AlexNet's (difference of differences, "
                 "Welch over the filters)", direction(less, "negative"))


@states("fig6.alexnet_freq_mix")
def alexnet_misses_mid_frequencies(alexnet: Sequence[float], alexnet_untrained: Sequence[float], zf: Sequence[float],
                                   zf_untrained: Sequence[float], band: tuple[float, float]) -> Claim:
    """Per first-layer filter, the percent of its energy in the middle `band` of frequencies (cycles per
    pixel), each network trained and untrained: untrained filters cover every band evenly, so only what
    training took out of the band, more in AlexNet than in ZF, is the paper's "little coverage"."""
    less = difference_of_differences(alexnet, alexnet_untrained, zf, zf_untrained)
    mean = statistics.fmean
    return Claim("AlexNet's first-layer filters mix high and low frequencies, with little coverage of the mid frequencies",
                 f"filter energy from {band[0]:.3g} to {band[1]:.3g} cycle per pixel, mean over the filters, trained "
                 f"(untrained): AlexNet {mean(alexnet):.1f} % ({mean(alexnet_untrained):.1f} %), ZF {mean(zf):.1f} % "
                 f"({mean(zf_untrained):.1f} %); AlexNet's change by training minus ZF's {less.text(' %')}",
                 "AlexNet's change by training significantly below ZF's (difference of differences, Welch over the filters)",
                 direction(less, "negative"))


@states("fig6.dominate_training")
def dominates_during_training(unclipped: Mapping[int, Difference] | None, clipped: Mapping[int, Difference] | None) -> Claim:
    """Largest over median first-layer filter RMS with its interval (`filters.dominance`) at each epoch
    a run kept (snapshots and final weights), trained without and with clipping; None for a run not at
    hand. Each epoch is judged as the final weights are; the claim holds at most of them."""
    claim = "During training, without clipping a few first-layer filters dominate"
    test = (f"at most of the epochs both runs kept, without clipping the interval above {DOMINANT:g} and with clipping "
            f"below it")
    shared = sorted(set(unclipped or {}) & set(clipped or {}))
    if len(shared) < 2:
        return not_testable(claim, "the unclipped run keeps no snapshots (it was trained with --no-snapshots), so its "
                                   "filters are seen only at the end of training", test=test)
    verdicts = [_dominates(unclipped[epoch], clipped[epoch]) for epoch in shared]
    most = [verdict for verdict in (Verdict.REPRODUCED, Verdict.NOT_REPRODUCED) if 2 * verdicts.count(verdict) > len(shared)]
    return Claim(claim, "; ".join(f"epoch {e}: {_ratio(unclipped[e])} against {_ratio(clipped[e])}" for e in shared)
                 + f"; holds at {verdicts.count(Verdict.REPRODUCED)} of {len(shared)} epochs", test,
                 most[0] if most else Verdict.INCONCLUSIVE)


@states("fig6.clipping_crucial")
def clipping_crucial(unclipped_error: Sequence[float], clipped_error: Sequence[float]) -> Claim:
    """Validation top-1 error (%) of networks trained without and with feature-scale clipping, one per
    network (none where the runs record no validation error)."""
    claim = "Feature-scale clipping is crucial: without it the network trains to a worse error"
    test = "significantly above 0 (Welch over the networks)"
    if not unclipped_error or not clipped_error:
        return not_testable(claim, "the runs record no validation error to compare", test=test)
    worse = difference(unclipped_error, clipped_error)
    return Claim(claim, f"validation top-1 error without clipping minus with, over {len(unclipped_error)} and "
                        f"{len(clipped_error)} networks: {worse.text(' points')}", test, direction(worse, "positive"))


@states("fig6.layer2_cleaner")
def cleaner_layer2(grid_alexnet: Sequence[float], grid_zf: Sequence[float], grid_alexnet_untrained: Sequence[float],
                   grid_zf_untrained: Sequence[float], stride: int, zf_stride: int) -> Claim:
    """Per live layer-2 map, the percent of its strongest projection's energy at AlexNet's stride grid,
    leaving out the frequencies of ZF's own stride grid, each network trained and untrained (the
    control: the stride draws its grid into untrained projections too, so only what training changed
    counts)."""
    less = difference_of_differences(grid_zf, grid_zf_untrained, grid_alexnet, grid_alexnet_untrained)
    mean = statistics.fmean
    return Claim("(d, e) ZF's layer-2 features are cleaner, without AlexNet's aliasing artifacts",
                 f"energy at the {stride}-pixel grid (less the {zf_stride}-pixel grid's frequencies), mean over the maps, "
                 f"trained (untrained): AlexNet {mean(grid_alexnet):.1f} % ({mean(grid_alexnet_untrained):.1f} %), ZF "
                 f"{mean(grid_zf):.1f} % ({mean(grid_zf_untrained):.1f} %); ZF's change by training minus AlexNet's "
                 f"{less.text(' %')}",
                 "ZF's change by training significantly below AlexNet's (difference of differences, Welch over the maps)",
                 direction(less, "negative"))
