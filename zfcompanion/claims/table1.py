"""Table 1's caption: "The lower scores for the eyes and nose (compared to random object parts) show the
model implicitly establishing some form of correspondence of parts at layer 5 in the model. At layer 7,
the scores are more similar". Each image is one repeat (its Δ_i averaged over the occlusion trials),
and each part is compared with the random object parts on the same images."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from . import states
from ..verdicts import Claim, Verdict, direction, every, not_testable, paired_difference

ALIGNED = 0.1  # parts whose positions spread less than this share of the image side sit at one place in every image


def _aligned(part_spread: float, input_size: int) -> bool:
    return part_spread < ALIGNED * input_size


def _aligned_reason(part_spread: float, input_size: int) -> str:
    return (f"the annotated parts sit at nearly the same pixels in every image (position spread {part_spread:.1f} px "
            f"of {input_size}) while random squares do not, so the comparison measures alignment, not correspondence")


@states("table1.layer5")
def layer5_correspondence(parts: Mapping[str, Sequence[float]], random: Sequence[float], part_spread: float,
                          input_size: int) -> Claim:
    """Δ_i at layer 5 of each part against the random object parts', image by image; `part_spread`: the
    largest standard deviation, over the images, of a part's position (pixels)."""
    claim = "At layer 5 each part scores lower than random object parts (correspondence)"
    found = {name: paired_difference(values, random) for name, values in parts.items()}
    measured = "; ".join(f"{name} − random {d.text(digits=3)}" for name, d in found.items())  # Δ is about 0.1
    test = "every part's Δ significantly below random's (paired t over the images)"
    if _aligned(part_spread, input_size):
        return not_testable(claim, _aligned_reason(part_spread, input_size), measured, test)
    return Claim(claim, measured, test, every(direction(d, "negative") for d in found.values()))


@states("table1.layer7")
def layer7_more_similar(parts5: Mapping[str, Sequence[float]], random5: Sequence[float],
                        parts7: Mapping[str, Sequence[float]], random7: Sequence[float], part_spread: float,
                        input_size: int) -> Claim:
    """Each part's gap to random, relative to random, is smaller at layer 7 than at layer 5."""
    claim = "At layer 7 the scores are more similar: each part's gap to random shrinks"
    gap = {layer: {name: (np.mean(r) - np.mean(values)) / np.mean(r) for name, values in parts.items()}
           for layer, parts, r in (("5", parts5, random5), ("7", parts7, random7))}
    measured = "; ".join(f"{name}: {gap['5'][name]:+.2f} at layer 5, {gap['7'][name]:+.2f} at layer 7" for name in parts5)
    test = "for every part, |random − part| / random smaller at layer 7 than at layer 5"
    if _aligned(part_spread, input_size):
        return not_testable(claim, _aligned_reason(part_spread, input_size), measured, test)
    return Claim(claim, measured, test, every(Verdict.REPRODUCED if abs(gap["7"][name]) < abs(gap["5"][name])
                                              else Verdict.NOT_REPRODUCED for name in parts5))
