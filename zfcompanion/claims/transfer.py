"""Section 5.2 on Tables 4 and 5 (and Fig. 9): the pre-trained network with a new softmax beats the
leading earlier methods; trained from scratch on the small set alone it "does terribly"; "just 6
Caltech-256 training images are needed to beat the leading method using 10 times as many images". Arguments map
training images per class to one accuracy (%) per split; the same split seeds serve every method, so
comparisons at one size are paired."""

from __future__ import annotations

from typing import Mapping, Sequence

from ..verdicts import Claim, at_least, difference, direction, every, paired_difference

Accuracies = Mapping[int, Sequence[float]]  # images per class -> one accuracy per split
FAR = 5.0  # points: "does terribly" means at least this far below the pre-trained network


def beats_baseline(pretrained: Accuracies, baseline: Accuracies) -> Claim:
    found = {n: paired_difference(pretrained[n], baseline[n]) for n in pretrained}
    return Claim("The pre-trained network with a new softmax beats the leading earlier method",
                 "; ".join(f"{n}/class: {d.text(' points')}" for n, d in found.items()),
                 "significantly above the baseline at every training size (paired over the splits)",
                 every(direction(d, "positive") for d in found.values()))


def scratch_far_worse(pretrained: Accuracies, scratch: Accuracies) -> Claim:
    found = {n: paired_difference(pretrained[n], scratch[n]) for n in scratch}
    return Claim("Trained from scratch on the small set alone, the same network does far worse",
                 "; ".join(f"{n}/class: pre-trained minus scratch {d.text(' points')}" for n, d in found.items()),
                 f"the interval above {FAR:g} points at every size where it was trained (paired over the splits)",
                 every(at_least(d, FAR) for d in found.values()))


def few_beat_many(pretrained_few: Sequence[float], baseline_many: Sequence[float], few: int, many: int) -> Claim:
    found = difference(pretrained_few, baseline_many)
    return Claim(f"With {few} images per class the pre-trained network beats the baseline trained on {many} (Fig. 9)",
                 f"pre-trained at {few}/class minus baseline at {many}/class: {found.text(' points')}",
                 "significantly above (Welch over the splits)", direction(found, "positive"))
