"""Section 5.2 on Tables 4 and 5 (and Fig. 9): the pre-trained network with a new softmax beats the
leading earlier methods; trained from scratch on the small set alone it "does terribly"; "just 6
Caltech-256 training images are needed to beat the leading method using 10 times as many images". Arguments map
training images per class to one accuracy (%) per split; the same split seeds serve every method, so
comparisons at one size are paired."""

from __future__ import annotations

from typing import Mapping, Sequence

from . import open_control, states
from ..verdicts import Claim, at_least, difference, direction, every, not_testable, paired_difference

Accuracies = Mapping[int, Sequence[float]]  # images per class -> one accuracy per split
FAR = 5.0  # points: "does terribly" means at least this far below the pre-trained network


@states("transfer.beats_baseline")
@open_control("the untrained network's features with the same classifier")
def beats_baseline(pretrained: Accuracies, baseline: Accuracies) -> Claim:
    found = {n: paired_difference(pretrained[n], baseline[n]) for n in pretrained}
    return Claim("The pre-trained network with a new softmax beats the leading earlier method",
                 "; ".join(f"{n}/class: {d.text(' points')}" for n, d in found.items()),
                 "significantly above the leading method's stand-in at every training size (paired over the splits)",
                 every(direction(d, "positive") for d in found.values()))


@states("transfer.scratch_far_worse")
@open_control("networks trained from scratch to convergence, not for a fixed budget")
def scratch_far_worse(pretrained: Accuracies, scratch: Accuracies) -> Claim:
    found = {n: paired_difference(pretrained[n], scratch[n]) for n in scratch}
    return Claim("Trained from scratch on the small set alone, the same network does far worse",
                 "; ".join(f"{n}/class: pre-trained minus scratch {d.text(' points')}" for n, d in found.items()),
                 f"the interval above {FAR:g} points at every size where it was trained (paired over the splits)",
                 every(at_least(d, FAR) for d in found.values()))


@states("transfer.few_beat_many")
def few_beat_many(pretrained_few: Sequence[float], baseline_many: Sequence[float], few: int, many: int) -> Claim:
    found = difference(pretrained_few, baseline_many)
    return Claim(f"With {few} images per class the pre-trained network beats the leading method trained on {many} (Fig. 9)",
                 f"pre-trained at {few}/class minus the leading method's stand-in at {many}/class: {found.text(' points')}",
                 "significantly above (Welch over the splits)", direction(found, "positive"))


@states("transfer.c256_margin_larger")
def harder_set_larger_margin(easier_margin: Sequence[float] | None, harder_margin: Sequence[float] | None) -> Claim:
    """Per split, the pre-trained network's accuracy minus the leading method's at one training size, on
    the Caltech-101 role (easier) and on the Caltech-256 role (harder); None where one dataset plays
    both roles at this profile."""
    claim = "The margin over the leading method is larger on Caltech-256 than on Caltech-101"
    test = "the Caltech-256 role's margin significantly above the Caltech-101 role's (Welch over the splits)"
    if easier_margin is None or harder_margin is None:
        return not_testable(claim, "one dataset plays both Caltech roles at this profile, so there is no harder set "
                                   "whose margin could be larger", test=test)
    found = difference(harder_margin, easier_margin)
    return Claim(claim, f"Caltech-256 role's margin minus Caltech-101 role's: {found.text(' points')}", test,
                 direction(found, "positive"))
