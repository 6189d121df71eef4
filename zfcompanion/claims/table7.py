"""Section 5.3 on Table 7: "a steady improvement can be seen as we ascend the model, with best results
being obtained by using all layers"; the table itself shows a linear SVM and a softmax about equal on
layer 7, and on Caltech-101 layer 5 about as good as layer 7 while Caltech-256 gains much from layer 7.
Arguments map a layer to one accuracy (%) per split; the splits are shared, so comparisons are paired."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from . import open_control, states
from ..verdicts import (Claim, difference, direction, every, not_testable, paired_difference, shift, split_trends,
                        steady, within)

Accuracies = Mapping[int, Sequence[float]]  # layer -> one accuracy per split
ABOUT_EQUAL = 1.5  # points; the paper's own "equal" pairs differ by at most 0.9


@states("table7.deeper_better")
def deeper_is_better(svm: Mapping[str, Accuracies], untrained: Mapping[str, Accuracies]) -> Claim:
    """Per target (one, or several that one dataset plays at this profile, judged as one claim), the
    linear SVM's accuracies by layer on the trained network's features (`svm`) and on the same network
    untrained (`untrained`, the control: random filters' features may also improve with depth, from
    pooling and wider fields alone, and only a rise beyond theirs is what the network learned)."""
    found = {target: steady(accuracies, "positive", paired=True) for target, accuracies in svm.items()}
    beyond = {target: shift([a - b for a, b in zip(split_trends(svm[target]), split_trends(untrained[target]))])
              for target in svm}
    return Claim(f"Higher layers give more discriminative features ({'; '.join(svm)})",
                 "; ".join(f"{target}: linear SVM by layer: {measured}; untrained network by layer: means "
                           f"{', '.join(f'{layer}: {float(np.mean(v)):.2f}' for layer, v in sorted(untrained[target].items()))}; "
                           f"Spearman ρ trained − untrained {beyond[target].text()}" for target, (_, measured) in found.items()),
                 "accuracy rises with the layer (each split's Spearman ρ, t-test over the splits), no step down "
                 "(paired over the splits, Holm-adjusted over the steps), and each split's ρ above the untrained network's "
                 "(paired t-test over the splits)",
                 every([*(verdict for verdict, _ in found.values()), *(direction(d, "positive") for d in beyond.values())]))


def svm_like_softmax(svm_top: Mapping[str, Sequence[float]], softmax_top: Mapping[str, Sequence[float]],
                     untrained_top: Mapping[str, Sequence[float]]) -> Claim:
    """Per target, layer 7's accuracies with each classifier, and the linear SVM's on the same network
    untrained (the control: two classifiers on features that carry nothing are equal too, so both must
    first be above it)."""
    found = {target: paired_difference(svm_top[target], softmax_top[target]) for target in svm_top}
    above = {target: [paired_difference(top[target], untrained_top[target]) for top in (svm_top, softmax_top)]
             for target in svm_top}
    return Claim("A linear SVM and a softmax on layer 7 do about equally well",
                 "; ".join(f"{target}: SVM minus softmax {d.text(' points')}; above the untrained network's SVM by "
                           f"{above[target][0].mean:+.1f} and {above[target][1].mean:+.1f}" for target, d in found.items()),
                 f"every interval within ±{ABOUT_EQUAL} points (equivalence, paired over the splits), both classifiers "
                 f"significantly above the untrained network's layer 7 (paired)",
                 every([*(within(d, ABOUT_EQUAL) for d in found.values()),
                        *(direction(d, "positive") for pair in above.values() for d in pair)]))


@open_control("the same gains in the untrained network, as a set near its ceiling cannot gain")
def layer7_gain_on_harder_set(easier: tuple[Sequence[float], Sequence[float]],
                              harder: tuple[Sequence[float], Sequence[float]], same_dataset: bool = False) -> Claim:
    """(layer 5, layer 7) SVM accuracies on the Caltech-101 role (easier) and the Caltech-256 role (harder);
    `same_dataset`: both roles are played by one dataset at this profile."""
    claim = "Layer 5 does about as well as layer 7 on Caltech-101, while Caltech-256 gains much from layer 7"
    gain_easy = [b - a for a, b in zip(*easier)]
    gain_hard = [b - a for a, b in zip(*harder)]
    easy, hard, larger = (paired_difference(easier[1], easier[0]), paired_difference(harder[1], harder[0]),
                          difference(gain_hard, gain_easy))
    measured = (f"layer 7 minus layer 5: Caltech-101 role {easy.text()}, Caltech-256 role {hard.text()}; "
                f"difference of gains {larger.text()}")
    test = f"Caltech-101's within ±{ABOUT_EQUAL} points, Caltech-256's significantly positive and larger (Welch)"
    if same_dataset:
        return not_testable(claim, "one dataset plays both Caltech roles at this profile, so there is no harder set to "
                                   "contrast with an easier one", measured, test)
    return Claim(claim, measured, test,
                 every([within(easy, ABOUT_EQUAL), direction(hard, "positive"), direction(larger, "positive")]))
