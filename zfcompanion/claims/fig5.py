"""Section 4 on Fig. 5: "Small transformations have a dramatic effect in the first layer of the model,
but a lesser impact at the top feature layer [...]. The network output is stable to translations and
scalings. In general, the output is not invariant to rotation, except for object with rotational
symmetry". Each probe image is one repeat."""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from . import states
from ..verdicts import (Claim, at_least, at_most, bootstrap, difference, direction, every, not_testable, paired_difference,
                        shift)

STABLE = 0.8  # "stable": the true class stays above half the probability over 80 % of the middle range
NOT_INVARIANT = 0.6  # "not invariant": it stays so over at most 60 % of the full turn
SYMMETRIC = 0.7  # an image whose pixels correlate this much, on average, with its own rotations is symmetric
MIN_SYMMETRIC = 3  # symmetric images needed to compare them with the others


@states("fig5.translation_l1_vs_l7")
def first_layer_moves_more(kind: str, trained: Mapping[str, Sequence[float]], untrained: Mapping[str, Sequence[float]]) -> Claim:
    """Per image, the relative distances from the original at the smallest step of `kind`, {"layer 1": ...,
    "layer 7": ...}, of the trained network and of the same network untrained. The architecture alone
    (its pooling among it) calms the upper layers of any network, so layer 1's lead over layer 7 must be
    larger than the untrained one's."""
    ratio, control = _log_ratio(trained), _log_ratio(untrained)
    found, beyond = shift(ratio), paired_difference(ratio, control)
    return Claim(f"Small {kind}s change layer 1 far more than layer 7",
                 f"layer 1 / layer 7 distance over {len(ratio)} images: median {np.exp(np.median(ratio)):.2f}, "
                 f"mean log ratio {found.text()}; untrained network's median {np.exp(np.median(control)):.2f}, "
                 f"trained minus untrained log ratio {beyond.text()}",
                 "layer 1's distance above layer 7's (t-test on the log ratio over the images), and by more than in "
                 "the same network untrained (paired over the images)",
                 every([direction(found, "positive"), direction(beyond, "positive")]))


def _log_ratio(distance: Mapping[str, Sequence[float]]) -> np.ndarray:
    return np.log(np.asarray(distance["layer 1"], dtype=np.float64) / np.asarray(distance["layer 7"], dtype=np.float64))


@states("fig5.quasilinear")
def top_layer_quasilinear(kind: str, linearity: Mapping[str, Sequence[float]]) -> Claim:
    """Per image, R² of a straight line through each layer's distance against the size of the step
    (`analysis.invariance.linearities`: "layer 7", "layer 1" and "untrained layer 7"). Two controls: any
    distance grows with the step, so the top layer must be closer to a line than the first layer; and
    the architecture alone smooths any network's top layer, so it must be closer than the untrained
    network's too."""
    top = linearity["layer 7"]
    than_first, than_untrained = (paired_difference(top, linearity[other]) for other in ("layer 1", "untrained layer 7"))
    return Claim(f"Layer 7 changes quasi-linearly with the size of the {kind}",
                 f"R² of a line, mean over {len(top)} images: layer 7 {np.mean(top):.2f}, layer 1 "
                 f"{np.mean(linearity['layer 1']):.2f}, untrained layer 7 {np.mean(linearity['untrained layer 7']):.2f}; "
                 f"layer 7 minus layer 1 {than_first.text()}, minus untrained layer 7 {than_untrained.text()}",
                 "layer 7's curves significantly closer to a line than layer 1's and than the untrained network's "
                 "layer 7 (paired t over the images)",
                 every([direction(than_first, "positive"), direction(than_untrained, "positive")]))


@states("fig5.stable_translation")
def output_stable(kind: str, kept: Sequence[float], named: Sequence[bool], kept_elsewhere: Sequence[float]) -> Claim:
    """`kept`: per image, the share of the steps of the middle half of the range where p(true) > 0.5;
    `named`: whether the network gives the untransformed image's true class p > 0.5. Only the images
    it names count: one named wrongly from the start keeps nothing, whatever the transform does. The
    control, `kept_elsewhere`: the same share for the image's class asked of another class's image
    (`invariance.other_class_partners`); a network that keeps a class whatever it is shown is not
    invariant, only blind."""
    counted, control = _named(kept, named), _named(kept_elsewhere, named)
    found, beyond = bootstrap([k - STABLE for k in counted]), paired_difference(counted, control)
    return Claim(f"The output is stable under {kind}",
                 f"true class above 0.5 in {_mean(counted):.0%} of the middle half of the range over the {len(counted)} "
                 f"of {len(kept)} images named correctly untransformed; minus {STABLE:.0%}: {found.text()}; "
                 f"the same class asked of another class's image {_mean(control):.0%}, the difference {beyond.text()}",
                 f"over the images named correctly untransformed, the mean share at least {STABLE:.0%} (bootstrap 95% "
                 f"interval over the images), and above the share another class's image keeps (paired t)",
                 every([at_least(found, 0.0), direction(beyond, "positive")]))


@states("fig5.rotation")
def rotation_not_invariant(kept: Sequence[float], named: Sequence[bool], named_elsewhere: Sequence[bool]) -> Claim:
    """`kept`: per image, the share of the angles over the full turn where p(true) > 0.5; `named` as in
    `output_stable`. A network that names no image keeps nothing under any rotation, so only the
    images named correctly unrotated count, and the network must tell its images from others: its
    class asked of another class's image unrotated (`named_elsewhere`) must be named less often."""
    counted = _named(kept, named)
    found = bootstrap([k - NOT_INVARIANT for k in counted])
    tells = paired_difference([float(n) for n in named], [float(n) for n in named_elsewhere])
    return Claim("In general the output is not invariant to rotation",
                 f"true class above 0.5 in {_mean(counted):.0%} of the rotations from 0 to 360 degrees over the "
                 f"{len(counted)} of {len(kept)} images named correctly unrotated; minus {NOT_INVARIANT:.0%}: {found.text()}; "
                 f"named correctly minus named when asked of another class's image {tells.text()}",
                 f"over the images named correctly unrotated, the mean share at most {NOT_INVARIANT:.0%} (bootstrap 95% "
                 f"interval over the images), and the images named more often than another class's image is (paired t)",
                 every([at_most(found, 0.0), direction(tells, "positive")]))


def _named(kept: Sequence[float], named: Sequence[bool]) -> list[float]:
    return [share for share, correct in zip(kept, named, strict=True) if correct]


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if len(values) else math.nan


@states("fig5.symmetry")
def symmetric_objects_excepted(symmetry: Sequence[float], kept: Sequence[float]) -> Claim:
    """Per image: how alike it is to its own rotations (the mean correlation of its pixels with each
    rotation's), and the share of angles where p(true) > 0.5. Judged on the images that are symmetric
    (`SYMMETRIC`) against the rest; not testable where too few images are."""
    claim = "...except for objects with rotational symmetry"
    symmetric = [k for s, k in zip(symmetry, kept) if s >= SYMMETRIC]
    others = [k for s, k in zip(symmetry, kept) if s < SYMMETRIC]
    test = (f"images alike to their rotations (mean correlation ≥ {SYMMETRIC:g}) keep their class over more of the "
            f"turn than the others (Welch over the images)")
    measured = (f"{len(symmetric)} of {len(kept)} images symmetric (their symmetry: most {max(symmetry):.2f}, "
                f"median {float(np.median(symmetry)):.2f})")
    if len(symmetric) < MIN_SYMMETRIC:
        return not_testable(claim, f"fewer than {MIN_SYMMETRIC} of the probe images are rotationally symmetric: no "
                                   f"garment of the pre-training classes looks like its own rotations", measured, test)
    found = difference(symmetric, others)
    return Claim(claim, f"{measured}; share of the turn kept, symmetric minus others: {found.text()}", test,
                 direction(found, "positive"))
