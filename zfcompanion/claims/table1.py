"""Table 1's caption: "The lower scores for the eyes and nose (compared to random object parts) show the
model implicitly establishing some form of correspondence of parts at layer 5 in the model. At layer 7,
the scores are more similar". Every value is a mean over pairs of images, so the images are the unit:
a part is compared with the random object parts by swapping the two within images (a permutation
test), and intervals resample images (`verdicts.pairwise_difference`, `verdicts.resampled`). The
same network untrained is the control: the caption credits the model, so a part must stand out from
random more in the trained network than in an untrained one, whose features change alike for a part
only because the images are alike there."""

from __future__ import annotations

from typing import Mapping

import numpy as np

from . import states
from ..verdicts import (Claim, Difference, direction, every, not_testable, pair_means, pairwise_difference,
                        resampled)

ALIGNED = 0.1  # parts whose positions spread less than this share of the image side sit at one place in every image

Distances = Mapping[str, Mapping[str, np.ndarray]]  # layer -> part -> (2N, 2N): the part's N images, then random's


def _aligned(part_spread: float, input_size: int) -> bool:
    return part_spread < ALIGNED * input_size


def _aligned_reason(part_spread: float, input_size: int) -> str:
    return (f"the parts sit at nearly the same pixels in every image (position spread {part_spread:.1f} px "
            f"of {input_size}) while random squares do not, so the comparison measures alignment, not correspondence")


def _gap(distances: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """(random − part) / random per resample of images: how far the part's score lies below random's."""
    n = len(distances) // 2
    random = pair_means(distances[n:, n:], counts)
    return (random - pair_means(distances[:n, :n], counts)) / random


def _gap_beyond(trained: np.ndarray, untrained: np.ndarray) -> Difference:
    """The trained network's relative gap minus the untrained network's, on the same resampled images."""
    return resampled(lambda counts: _gap(trained, counts) - _gap(untrained, counts), len(trained) // 2)


def _shrink(distances: Mapping[str, np.ndarray], part: str, counts: np.ndarray) -> np.ndarray:
    """The gap's size at layer 5 minus at layer 7: positive where the part looks more like random at layer 7."""
    return np.abs(_gap(distances["layer 5"][part], counts)) - np.abs(_gap(distances["layer 7"][part], counts))


@states("table1.layer5")
def layer5_correspondence(trained: Distances, untrained: Distances, part_spread: float, input_size: int) -> Claim:
    """Each part's score at layer 5 against the random object parts', and its relative gap against the
    untrained network's; `part_spread`: the largest standard deviation, over the images, of a part's
    position (pixels)."""
    claim = "At layer 5 each part scores lower than random object parts (correspondence), more than untrained"
    below = {part: pairwise_difference(d) for part, d in trained["layer 5"].items()}
    beyond = {part: _gap_beyond(d, untrained["layer 5"][part]) for part, d in trained["layer 5"].items()}
    measured = "; ".join(f"{part}: part − random {below[part].text(digits=3)}, relative gap beyond untrained "
                         f"{beyond[part].text()}" for part in below)  # Δ is about 0.1
    test = ("every part's score below random's (a permutation test swapping part and random within images), "
            "and its relative gap (random − part) / random larger than the untrained network's (a bootstrap over images)")
    if _aligned(part_spread, input_size):
        return not_testable(claim, _aligned_reason(part_spread, input_size), measured, test)
    return Claim(claim, measured, test, every([*(direction(d, "negative") for d in below.values()),
                                               *(direction(d, "positive") for d in beyond.values())]))


@states("table1.layer7")
def layer7_more_similar(trained: Distances, untrained: Distances, part_spread: float, input_size: int) -> Claim:
    """Each part's gap to random, relative to random, shrinks from layer 5 to layer 7, and more than in
    the untrained network."""
    claim = "At layer 7 the scores are more similar: each part's gap to random shrinks, more than untrained"
    n = len(next(iter(trained["layer 5"].values()))) // 2
    shrink = {part: resampled(lambda counts, part=part: _shrink(trained, part, counts), n) for part in trained["layer 5"]}
    beyond = {part: resampled(lambda counts, part=part: _shrink(trained, part, counts) - _shrink(untrained, part, counts), n)
              for part in trained["layer 5"]}
    measured = "; ".join(f"{part}: size of the gap at layer 5 − at layer 7 {shrink[part].text()}, beyond untrained "
                         f"{beyond[part].text()}" for part in shrink)
    test = ("for every part, the size of (random − part) / random smaller at layer 7 than at layer 5, and by more than in the "
            "untrained network (bootstraps over images)")
    if _aligned(part_spread, input_size):
        return not_testable(claim, _aligned_reason(part_spread, input_size), measured, test)
    return Claim(claim, measured, test, every(direction(d, "positive") for d in [*shrink.values(), *beyond.values()]))
