"""Section 4 on Fig. 5: "Small transformations have a dramatic effect in the first layer of the model,
but a lesser impact at the top feature layer [...]. The network output is stable to translations and
scalings. In general, the output is not invariant to rotation, except for object with rotational
symmetry". Each probe image is one repeat."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..verdicts import Claim, Verdict, direction, rising, shift, trend

STABLE = 0.8  # "stable": the true class stays above half the probability over 80 % of the middle range
NOT_INVARIANT = 0.6  # "not invariant": it stays so over at most 60 % of the full turn


def first_layer_moves_more(kind: str, layer1_distance: Sequence[float], layer7_distance: Sequence[float]) -> Claim:
    """Per image, the relative distances from the original at the smallest step of `kind`."""
    log_ratio = shift(np.log(np.asarray(layer1_distance, dtype=np.float64) / np.asarray(layer7_distance, dtype=np.float64)))
    return Claim(f"Small {kind}s change layer 1 far more than layer 7",
                 f"layer 1 / layer 7 distance per image {', '.join(f'{a / b:.2f}' for a, b in zip(layer1_distance, layer7_distance))}; "
                 f"mean log ratio {log_ratio.text()}",
                 "layer 1's distance above layer 7's, paired over the images (t-test on the log ratio)",
                 direction(log_ratio, "positive"))


def output_stable(kind: str, kept: float) -> Claim:
    """`kept`: the share of (image, step) pairs of the middle half of the range where p(true) > 0.5."""
    return Claim(f"The output is stable under {kind}", f"true class above 0.5 in {kept:.0%} of the middle half of the range",
                 f"at least {STABLE:.0%}", Verdict.REPRODUCED if kept >= STABLE else Verdict.NOT_REPRODUCED)


def rotation_not_invariant(kept: float) -> Claim:
    """`kept`: the share of (image, angle) pairs over the full turn where p(true) > 0.5."""
    return Claim("In general the output is not invariant to rotation",
                 f"true class above 0.5 in {kept:.0%} of the rotations from 0 to 360 degrees",
                 f"at most {NOT_INVARIANT:.0%}", Verdict.REPRODUCED if kept <= NOT_INVARIANT else Verdict.NOT_REPRODUCED)


def symmetric_objects_excepted(symmetry: Sequence[float], kept: Sequence[float]) -> Claim:
    """Per image: how alike it is to its own rotations, and the share of angles where p(true) > 0.5."""
    found = trend(symmetry, kept)
    return Claim("...except for objects with rotational symmetry",
                 "; ".join(f"symmetry {s:.2f}: kept {k:.0%}" for s, k in zip(symmetry, kept)) + f"; {found.text()}",
                 "the more an image resembles its own rotations, the more of the turn keeps its class "
                 "(Spearman over the images, p < 0.05)", rising(found, "positive"))
